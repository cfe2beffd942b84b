"""Labelled items into ``nlu_data/``, in the formats trainers and Rasa already use.

- Intent examples: Rasa YAML, ``nlu_data/intents/reviewed.yml``; order numbers annotated as
  the ``order_number`` entity, as in the hand-written files.
- Complaints: JSON lines, ``nlu_data/triage/train/reviewed.jsonl``, in the labels guide's
  shape (``text``, ``category``, ``urgency``, ``triggers``).

Both files are sorted and deduplicated against everything already in ``nlu_data/`` (a text
that is already an example, in training or held-out data, is left out), and are rewritten
only when their content changes, so exporting twice changes nothing. Nothing is ever written
into the held-out folders. About one in five labelled complaints, chosen by a hash of its
text, is *held back*: it stays in the database as the recent-traffic slice that a retrained
model is evaluated on, and never reaches the training data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.review.folding import fold_key
from handoff.review.models import ReviewItem

NLU_DIR: Final = Path("nlu_data")
INTENTS_FILE: Final = Path("intents") / "reviewed.yml"
TRIAGE_FILE: Final = Path("triage") / "train" / "reviewed.jsonl"
#: Folders whose texts the export must never duplicate; the first is the only one it writes.
TRIAGE_FOLDERS: Final = ("triage/train", "triage/heldout", "triage/realistic")
HELD_OUT_FOLDERS: Final = ("triage/heldout", "triage/realistic")
#: One labelled complaint in this many is held back as the recent-traffic slice.
HOLD_BACK_ONE_IN: Final = 5
_ORDER_NUMBER = re.compile(r"(?<![\d\[])\d(?:[ -]?\d){9,19}(?![\d\]])")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_YAML_HEADER: Final = (
    "# Written by `python -m handoff review export` from the trainers' review inbox.\n"
    "# Review and commit it like code; edit labels in the inbox, not here (the next export\n"
    "# rewrites this file from the inbox and keeps examples it no longer knows).\n"
)


def nlu_root(env: Mapping[str, str] | None = None) -> Path:
    """``$NLU_DATA_DIR``, else ``nlu_data`` under the working directory."""
    env = os.environ if env is None else env
    return Path(env.get("NLU_DATA_DIR", "").strip() or NLU_DIR)


def held_back(item_or_key: ReviewItem | str) -> bool:
    """Whether a complaint belongs to the recent-traffic slice (stable for a given text)."""
    key = item_or_key if isinstance(item_or_key, str) else item_or_key.fold_key
    return hashlib.sha256(key.encode()).digest()[0] % HOLD_BACK_ONE_IN == 0


@dataclass
class ExportResult:
    """What one export wrote, for the command line and the page."""

    intents_path: Path
    triage_path: Path
    intent_examples: int = 0
    triage_examples: int = 0
    intents_changed: bool = False
    triage_changed: bool = False
    skipped_existing: int = 0
    held_back: int = 0
    by_intent: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        state = {True: "wrote", False: "unchanged"}
        return [
            f"{state[self.intents_changed]} {self.intents_path}: {self.intent_examples} intent "
            f"examples ({', '.join(f'{k} {v}' for k, v in sorted(self.by_intent.items()))})",
            f"{state[self.triage_changed]} {self.triage_path}: {self.triage_examples} complaints",
            f"left out {self.skipped_existing} already in nlu_data; held back {self.held_back} "
            "complaints as the recent-traffic slice (never exported)",
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "intents_path": str(self.intents_path),
            "triage_path": str(self.triage_path),
            "intent_examples": self.intent_examples,
            "triage_examples": self.triage_examples,
            "intents_changed": self.intents_changed,
            "triage_changed": self.triage_changed,
            "skipped_existing": self.skipped_existing,
            "held_back": self.held_back,
            "by_intent": self.by_intent,
        }


def plain_text(example: str) -> str:
    """An example without its entity annotations: ``[123](order_number)`` → ``123``."""
    return _ANNOTATION.sub(lambda m: m.group(1), example)


def annotate(text: str) -> str:
    """Mark order numbers as the ``order_number`` entity, as the hand-written examples do."""
    return _ORDER_NUMBER.sub(lambda m: f"[{m.group(0)}](order_number)", text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _intent_examples(path: Path) -> list[tuple[str, str]]:
    """(intent, example) pairs of one Rasa NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((str(block["intent"]), line[2:].strip()))
    return pairs


def _jsonl_texts(folder: Path, skip: Path | None = None) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    if not folder.is_dir():
        return records
    for path in sorted(folder.glob("*.jsonl")):
        if skip is not None and path.resolve() == skip.resolve():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records


def _write_if_changed(path: Path, content: str, *, empty: bool = False) -> bool:
    """Write ``content`` unless the file already holds it (or it is empty and absent)."""
    if not path.exists() and empty:
        return False
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)
    return True


def _labelled(session: Session, kind: str) -> list[ReviewItem]:
    return list(
        session.scalars(
            select(ReviewItem)
            .where(ReviewItem.kind == kind, ReviewItem.status == "labelled")
            .order_by(ReviewItem.id)
        )
    )


def _render_yaml(examples: dict[str, set[str]]) -> str:
    lines = [_YAML_HEADER, 'version: "3.1"\n', "nlu:\n"]
    if not any(examples.values()):
        return "".join([_YAML_HEADER, 'version: "3.1"\n', "nlu: []\n"])
    for intent in sorted(examples):
        if not examples[intent]:
            continue
        lines.append(f"- intent: {intent}\n  examples: |\n")
        lines.extend(f"    - {text}\n" for text in sorted(examples[intent]))
    return "".join(lines)


def _export_intents(session: Session, root: Path, result: ExportResult) -> None:
    target = root / INTENTS_FILE
    known: set[str] = set()
    for path in sorted((root / "intents").glob("*.yml")):
        if path.resolve() != target.resolve():
            known.update(fold_key(plain_text(t)) for _, t in _intent_examples(path))
    examples: dict[str, set[str]] = {}
    owner: dict[str, str] = {}
    if target.exists():
        for intent, text in _intent_examples(target):
            key = fold_key(plain_text(text))
            if key not in known and key not in owner:
                owner[key] = intent
                examples.setdefault(intent, set()).add(text)
    for item in _labelled(session, "intent"):
        chosen = (item.label or {}).get("intent")
        text = _one_line(item.text)
        key = fold_key(text)
        if not isinstance(chosen, str) or not text:
            continue
        intent = chosen
        if key in known:
            result.skipped_existing += 1
            continue
        if key in owner:  # the inbox wins over an earlier export of the same text
            examples[owner[key]] = {
                t for t in examples[owner[key]] if fold_key(plain_text(t)) != key
            }
        owner[key] = intent
        examples.setdefault(intent, set()).add(annotate(text))
    result.by_intent = {k: len(v) for k, v in examples.items() if v}
    result.intent_examples = sum(result.by_intent.values())
    result.intents_changed = _write_if_changed(
        target, _render_yaml(examples), empty=not result.intent_examples
    )


def triage_record(item: ReviewItem) -> dict[str, Any] | None:
    """A labelled complaint in the training files' shape."""
    label = item.label or {}
    if label.get("category") is None or label.get("urgency") is None:
        return None
    trigger = label.get("trigger")
    return {
        "text": _one_line(item.text),
        "category": label["category"],
        "urgency": label["urgency"],
        "triggers": [trigger] if label["urgency"] == "urgent" and trigger else [],
    }


def _export_triage(session: Session, root: Path, result: ExportResult) -> None:
    target = root / TRIAGE_FILE
    known: set[str] = set()
    for folder in TRIAGE_FOLDERS:
        for existing in _jsonl_texts(root / folder, skip=target):
            known.add(fold_key(str(existing.get("text", ""))))
    records: dict[str, dict[str, Any]] = {}
    if target.exists():
        for line in target.read_text(encoding="utf-8").splitlines():
            if line.strip():
                earlier: dict[str, Any] = json.loads(line)
                key = fold_key(str(earlier.get("text", "")))
                if key not in known:
                    records[key] = earlier
    for item in _labelled(session, "triage"):
        record = triage_record(item)
        if record is None or not record["text"]:
            continue
        key = fold_key(record["text"])
        if held_back(key):
            result.held_back += 1
            records.pop(key, None)
            continue
        if key in known:
            result.skipped_existing += 1
            continue
        records[key] = record
    lines = sorted(
        (json.dumps(r, ensure_ascii=False) for r in records.values()),
        key=lambda line: (json.loads(line)["text"], line),
    )
    result.triage_examples = len(lines)
    result.triage_changed = _write_if_changed(
        target, "".join(f"{line}\n" for line in lines), empty=not lines
    )


def export(session: Session, root: Path | None = None) -> ExportResult:
    """Write both files from the inbox's labelled items; see the module docstring."""
    for folder in HELD_OUT_FOLDERS:  # a guard against a future edit of the constants above
        assert not str(TRIAGE_FILE).startswith(folder)
    root = nlu_root() if root is None else root
    result = ExportResult(intents_path=root / INTENTS_FILE, triage_path=root / TRIAGE_FILE)
    _export_intents(session, root, result)
    _export_triage(session, root, result)
    return result


def recent_slice(
    session: Session, items: Iterable[ReviewItem] | None = None
) -> list[dict[str, Any]]:
    """The held-back labelled complaints: the recent-traffic slice a candidate is scored on."""
    pool = _labelled(session, "triage") if items is None else list(items)
    out = []
    for item in pool:
        record = triage_record(item)
        if record is not None and held_back(item):
            out.append({**record, "id": item.id})
    return sorted(out, key=lambda r: r["text"])
