"""The labelled data itself: enough of it, every label and trigger, and a clean held-out split."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from triage_model.dataset import DatasetError, Example, load_examples
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


def by_file(split: str) -> dict[str, list[Example]]:
    return {
        p.name: load_examples([p])
        for p in sorted((REPO / "nlu_data/triage" / split).glob("*.jsonl"))
    }


@pytest.mark.parametrize("examples", [TRAIN, HELDOUT], ids=["train", "heldout"])
def test_texts_are_shopper_sized_and_mixed_script(examples: list[Example]) -> None:
    # Chat turns can be a word or two (好的, 转人工, 5分); complaints are at least 5 characters.
    assert all(1 <= len(e.text) <= 200 for e in examples)
    traditional = sum(bool(TRADITIONAL_ONLY.search(e.text)) for e in examples)
    assert traditional / len(examples) >= 0.1


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_complaints_are_at_least_five_characters(split: str) -> None:
    for name, examples in by_file(split).items():
        if not name.startswith("chat"):
            assert all(len(e.text) >= 5 for e in examples), name


@pytest.mark.parametrize(("split", "at_least"), [("train", 250), ("heldout", 50)])
def test_ordinary_chat_is_in_both_splits_and_never_urgent(split: str, at_least: int) -> None:
    """Progress questions, greetings, 转人工, order numbers...: what the gateway also screens."""
    chat = by_file(split)["chat.jsonl"]
    assert len(chat) >= at_least
    assert all(e.urgency == "normal" for e in chat)
    traditional = sum(bool(TRADITIONAL_ONLY.search(e.text)) for e in chat)
    assert traditional / len(chat) >= 0.1


def test_urgent_chat_turns_contrast_the_ordinary_ones() -> None:
    """The same openings (在吗, 转人工, 我的投诉处理到哪了) with an urgent problem in them."""
    urgent = by_file("train")["chat_urgent.jsonl"]
    assert len(urgent) >= 50
    assert all(e.urgency == "urgent" for e in urgent)
    assert {t for e in urgent for t in e.triggers} == set(TRIGGERS)


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
