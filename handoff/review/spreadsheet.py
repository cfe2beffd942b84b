"""The inbox as CSV, for labelling offline in a spreadsheet, and the labels read back.

The file is UTF-8 with a byte-order mark, which Excel and WPS need to show Chinese. A trainer
fills ``label_intent`` (intent items) or ``label_category`` / ``label_urgency`` /
``label_trigger`` (triage items), or writes ``yes`` under ``ignore``; importing applies each
changed row as a normal action (audited, undoable) and refuses the whole file if any row is
invalid, naming the row.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from handoff.review.inbox import (
    ItemFilter,
    ReviewError,
    get_item,
    ignore_item,
    label_item,
    list_items,
    new_batch,
    validate_label,
)
from handoff.review.present import item_dict

COLUMNS: Final = (
    "id",
    "kind",
    "status",
    "count",
    "reason",
    "text",
    "predicted",
    "suggested",
    "label_intent",
    "label_category",
    "label_urgency",
    "label_trigger",
    "ignore",
)
_YES: Final = frozenset({"yes", "y", "1", "true", "是", "忽略"})


def _predicted(record: dict[str, Any]) -> str:
    if record["kind"] == "intent":
        return f"{record['intent']} ({record['intent_confidence']})"
    return (
        f"{record['category']} ({record['category_confidence']}) / "
        f"{record['urgency']} ({record['urgency_score']})"
    )


def _suggested(record: dict[str, Any]) -> str:
    suggested = record.get("suggested") or {}
    return "/".join(
        str(suggested[k]) for k in ("intent", "category", "urgency", "trigger") if suggested.get(k)
    )


def write_csv(session: Session, path: Path, status: str | None) -> int:
    """Write the items (``status`` None: all); ``-`` writes to stdout. Returns the count."""
    items = list_items(session, ItemFilter(status=status, limit=500))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for item in items:
        record = item_dict(item)
        label = record.get("label") or {}
        writer.writerow(
            {
                "id": record["id"],
                "kind": record["kind"],
                "status": record["status"],
                "count": record["count"],
                "reason": record["reason"],
                "text": record["text"],
                "predicted": _predicted(record),
                "suggested": _suggested(record),
                "label_intent": label.get("intent") or "",
                "label_category": label.get("category") or "",
                "label_urgency": label.get("urgency") or "",
                "label_trigger": label.get("trigger") or "",
                "ignore": "yes" if record["status"] == "ignored" else "",
            }
        )
    if str(path) == "-":
        sys.stdout.write(buffer.getvalue())
    else:
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return len(items)


def read_csv(session: Session, path: Path, *, actor: str) -> str:
    """Apply the labels of a CSV file written by :func:`write_csv`; returns a summary line."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = {"id", "label_intent", "label_category", "label_urgency"} - set(
        reader.fieldnames or []
    )
    if missing:
        raise ReviewError(f"CSV 缺少列：{', '.join(sorted(missing))}")
    batch = new_batch()
    labelled = ignored = unchanged = 0
    for number, row in enumerate(reader, start=2):
        raw_id = (row.get("id") or "").strip()
        if not raw_id:
            continue
        try:
            item = get_item(session, int(raw_id))
            if (row.get("ignore") or "").strip().lower() in _YES:
                if item.status != "ignored":
                    ignore_item(session, item, actor=actor, batch=batch)
                    ignored += 1
                else:
                    unchanged += 1
                continue
            fields = {
                "intent": (row.get("label_intent") or "").strip(),
                "category": (row.get("label_category") or "").strip(),
                "urgency": (row.get("label_urgency") or "").strip(),
                "trigger": (row.get("label_trigger") or "").strip() or None,
            }
            if item.kind == "intent":
                label: dict[str, Any] = {"intent": fields["intent"]}
                given = bool(fields["intent"])
            else:
                label = {k: fields[k] for k in ("category", "urgency", "trigger")}
                given = bool(fields["category"] or fields["urgency"])
            if not given:
                unchanged += 1
                continue
            if item.status == "labelled" and item.label == validate_label(item, label):
                unchanged += 1
                continue
            label_item(session, item, label, actor=actor, batch=batch)
            labelled += 1
        except (ReviewError, ValueError) as error:
            raise ReviewError(f"第 {number} 行：{error}") from error
    return f"labelled {labelled}, ignored {ignored}, unchanged {unchanged} (batch {batch})"
