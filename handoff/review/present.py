"""Inbox items and actions as JSON: the ``review list --json`` contract and the page's API."""

from __future__ import annotations

from typing import Any

from handoff.review.models import ReviewAction, ReviewItem
from handoff.serialize import iso


def item_dict(item: ReviewItem) -> dict[str, Any]:
    """One item: ``id``, ``kind``, ``text``, ``reason``, ``count`` and the prediction flat."""
    predicted = item.predicted or {}
    record: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "text": item.text,
        "reason": item.reason,
        "reasons": list(item.reasons or [item.reason]),
        "count": item.count,
        "uncertainty": item.uncertainty,
        "status": item.status,
        "conversation_id": item.conversation_id,
        "source": item.source,
        "first_seen_at": iso(item.first_seen_at),
        "last_seen_at": iso(item.last_seen_at),
        "suggested": item.suggested,
        "label": item.label,
        "labelled_by": item.labelled_by,
    }
    if item.kind == "intent":
        record["intent"] = predicted.get("intent")
        record["intent_confidence"] = predicted.get("intent_confidence")
        record["ranking"] = predicted.get("ranking", [])
    else:
        record["category"] = predicted.get("category")
        record["category_confidence"] = predicted.get("category_confidence")
        record["urgency"] = predicted.get("urgency")
        record["urgency_score"] = predicted.get("urgency_score")
        record["trigger"] = predicted.get("trigger")
        record["model_version"] = predicted.get("model_version")
    return record


def action_dict(action: ReviewAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "item_id": action.item_id,
        "action": action.action,
        "batch": action.batch,
        "actor": action.actor,
        "at": iso(action.at),
        "before": action.before,
        "after": action.after,
        "undone": action.undone_at is not None,
    }
