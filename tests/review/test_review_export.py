"""Export into nlu_data/: the formats, deduplication, held-out files untouched, idempotence."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from handoff.review.export import export, held_back, plain_text, recent_slice
from handoff.review.folding import fold_key
from handoff.review.inbox import label_item
from tests.review.helpers import intent_item, triage_item
from triage_model.dataset import load_examples

REPO = Path(__file__).resolve().parents[2]
RASA = REPO / ".venv-rasa" / "bin" / "rasa"


@pytest.fixture
def nlu(tmp_path: Path) -> Path:
    root = tmp_path / "nlu_data"
    shutil.copytree(REPO / "nlu_data", root)
    for stale in (root / "intents" / "reviewed.yml", root / "triage" / "train" / "reviewed.jsonl"):
        stale.unlink(missing_ok=True)
    return root


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def texts_not_held_back(prefix: str, n: int) -> list[str]:
    out = []
    for i in range(200):
        text = f"{prefix}{i}号那件"
        if not held_back(fold_key(text)):
            out.append(text)
        if len(out) == n:
            return out
    raise AssertionError("not enough texts")


def label_some(session: Session) -> None:
    for text in ("我买的东西咋还没来", "订单号 2024112212345678 那个咋整", "我要投诉"):
        label_item(session, intent_item(session, text), {"intent": "complain"}, actor="t")
    label_item(session, intent_item(session, "进度？？"), {"intent": "check_progress"}, actor="t")
    for text in texts_not_held_back("收到的杯子漏水，第", 3):
        label_item(session, triage_item(session, text), None, actor="t")
    urgent = texts_not_held_back("充电宝冒烟把手烫了，第", 1)[0]
    label_item(
        session,
        triage_item(session, urgent),
        {"category": "quality", "urgency": "urgent", "trigger": "safety_health"},
        actor="t",
    )
    intent_item(session, "还没标的话")  # open items are never exported
    ignored = intent_item(session, "aaaaaa")
    from handoff.review.inbox import ignore_item

    ignore_item(session, ignored, actor="t")


def test_formats_dedupe_and_idempotence(session: Session, nlu: Path) -> None:
    heldout_before = digest(nlu / "triage" / "heldout")
    label_some(session)
    first = export(session, nlu)
    assert first.intents_changed and first.triage_changed

    data = yaml.safe_load((nlu / "intents" / "reviewed.yml").read_text(encoding="utf-8"))
    examples = {
        block["intent"]: [line[2:] for line in block["examples"].splitlines()]
        for block in data["nlu"]
    }
    # "我要投诉" is already a hand-written example: left out, not duplicated.
    assert examples["complain"] == sorted(examples["complain"])
    assert "我要投诉" not in examples["complain"]
    assert "订单号 [2024112212345678](order_number) 那个咋整" in examples["complain"]
    assert examples["check_progress"] == ["进度？？"]
    assert first.skipped_existing >= 1
    assert all("还没标" not in plain_text(t) and "aaaa" not in t for t in examples["complain"])

    lines = (nlu / "triage" / "train" / "reviewed.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["text"] for r in records] == sorted(r["text"] for r in records)
    assert {r["urgency"] for r in records} == {"normal", "urgent"}
    assert all(set(r) == {"text", "category", "urgency", "triggers"} for r in records)
    assert [r["triggers"] for r in records if r["urgency"] == "urgent"] == [["safety_health"]]
    # the training loader reads it with the rest: no duplicates, valid labels
    assert len(load_examples([nlu / "triage" / "train"])) > len(records)

    assert digest(nlu / "triage" / "heldout") == heldout_before
    second = export(session, nlu)
    assert not second.intents_changed and not second.triage_changed


def test_held_back_complaints_stay_out_of_training(session: Session, nlu: Path) -> None:
    held = []
    for i in range(60):
        text = f"第{i}次说这个东西质量不行"
        item = triage_item(session, text)
        label_item(session, item, None, actor="t")
        if held_back(item):
            held.append(item.text)
    assert held, "one in five is held back"
    result = export(session, nlu)
    exported = (nlu / "triage" / "train" / "reviewed.jsonl").read_text(encoding="utf-8")
    assert result.held_back == len(held)
    assert all(text not in exported for text in held)
    assert sorted(r["text"] for r in recent_slice(session)) == sorted(held)


def test_a_heldout_text_is_never_exported_into_training(session: Session, nlu: Path) -> None:
    heldout = json.loads(
        (nlu / "triage" / "heldout" / "quality.jsonl").read_text(encoding="utf-8").splitlines()[0]
    )["text"]
    label_item(session, triage_item(session, heldout), None, actor="t")
    export(session, nlu)
    target = nlu / "triage" / "train" / "reviewed.jsonl"
    assert not target.exists() or heldout not in target.read_text(encoding="utf-8")


@pytest.mark.skipif(not RASA.exists(), reason="needs .venv-rasa (make setup)")
def test_the_yaml_passes_rasa_data_validate(session: Session, nlu: Path) -> None:
    """~30 s: Rasa's own validator over the domain, the stories and every NLU file."""
    label_some(session)
    export(session, nlu)
    result = subprocess.run(
        [
            str(RASA),
            "data",
            "validate",
            "--config",
            "bot/config.yml",
            "--domain",
            "bot/domain.yml",
            "--data",
            "bot/data",
            str(nlu / "intents"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=os.environ | {"RASA_TELEMETRY_ENABLED": "false"},
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
