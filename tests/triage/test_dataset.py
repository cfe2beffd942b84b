"""The labelled data itself: enough of it, every label and trigger, and a clean held-out split."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from triage_model.dataset import DatasetError, load_examples
from triage_model.labels import CATEGORIES, TRIGGERS

REPO = Path(__file__).resolve().parents[2]
TRAIN = load_examples([REPO / "nlu_data/triage/train"])
HELDOUT = load_examples([REPO / "nlu_data/triage/heldout"])
TRADITIONAL_ONLY = re.compile(r"[們這個說還沒貨給單號時讓會對來過麼為們問題錢買賣]")


def test_training_data_is_large_and_covers_every_label() -> None:
    assert len(TRAIN) >= 2000
    assert set(Counter(e.category for e in TRAIN)) == set(CATEGORIES)
    urgent = [e for e in TRAIN if e.urgency == "urgent"]
    assert len(urgent) / len(TRAIN) >= 0.25
    triggers = Counter(t for e in urgent for t in e.triggers)
    assert all(triggers[t] >= 30 for t in TRIGGERS), triggers


@pytest.mark.parametrize("examples", [TRAIN, HELDOUT], ids=["train", "heldout"])
def test_texts_are_shopper_sized_and_mixed_script(examples: list) -> None:  # type: ignore[type-arg]
    assert all(5 <= len(e.text) <= 200 for e in examples)
    traditional = sum(bool(TRADITIONAL_ONLY.search(e.text)) for e in examples)
    assert traditional / len(examples) >= 0.1


def test_heldout_never_overlaps_training() -> None:
    assert len(HELDOUT) >= 300
    assert not {e.text for e in TRAIN} & {e.text for e in HELDOUT}


def test_a_bad_line_names_its_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"text": "快递没到", "category": "shipping", "urgency": "normal", "triggers": []}\n',
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"bad.jsonl:1: category"):
        load_examples([tmp_path])
