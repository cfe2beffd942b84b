"""Plain-dict views of the models, for JSON lines, the console and the reports.

Datetimes become ISO 8601 strings with their UTC offset; money becomes a string of yuan so
that no float rounding creeps in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handoff.models import Case, CaseEvent, HandoffEntry, Order


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, or None."""
    return value.isoformat() if value is not None else None


def case_summary(case: Case) -> dict[str, Any]:
    """The ``cases list --json`` line: the contract other code relies on (see design.md)."""
    return {
        "case_id": case.case_number,
        "id": case.id,
        "conversation_id": case.conversation_id,
        "shopper_id": case.shopper_id,
        "order_id": case.order_id,
        "category": case.category,
        "category_confidence": case.category_confidence,
        "urgency": case.urgency,
        "urgency_score": case.urgency_score,
        "status": case.status,
        "description": case.description,
        "handed_to_human": case.handed_to_human_at is not None,
        "handed_to_human_at": iso(case.handed_to_human_at),
        "created_at": iso(case.created_at),
        "first_response_due": iso(case.first_response_due),
        "resolution_due": iso(case.resolution_due),
        "resolution": case.resolution,
        "rating": case.rating,
    }


def case_detail(case: Case) -> dict[str, Any]:
    """Everything about one case except its events and queue entries."""
    return {
        **case_summary(case),
        "triage_reasons": list(case.triage_reasons),
        "first_response_at": iso(case.first_response_at),
        "resolved_at": iso(case.resolved_at),
        "resolution_note": case.resolution_note,
        "rating_comment": case.rating_comment,
    }


def event_dict(event: CaseEvent) -> dict[str, Any]:
    """One audit-trail line."""
    return {"at": iso(event.at), "actor": event.actor, "kind": event.kind, "detail": event.detail}


def entry_dict(entry: HandoffEntry) -> dict[str, Any]:
    """One handoff-queue entry."""
    return {
        "id": entry.id,
        "case_id": entry.case_id,
        "conversation_id": entry.conversation_id,
        "shopper_id": entry.shopper_id,
        "priority": entry.priority,
        "reason": entry.reason,
        "status": entry.status,
        "created_at": iso(entry.created_at),
        "claimed_by": entry.claimed_by,
        "claimed_at": iso(entry.claimed_at),
        "done_at": iso(entry.done_at),
    }


def order_dict(order: Order) -> dict[str, Any]:
    """The ``orders list --json`` line; the amount is a string so no float rounding creeps in."""
    return {
        "order_id": order.order_id,
        "shopper_id": order.shopper_id,
        "product": order.product,
        "amount_yuan": str(order.amount_yuan),
        "status": order.status,
        "ordered_at": iso(order.ordered_at),
    }
