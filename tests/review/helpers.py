"""Items to work on, as the capture code makes them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from handoff.review.capture import record_item
from handoff.review.models import ReviewItem


def intent_item(session: Session, text: str, intent: str = "complain", **extra: Any) -> ReviewItem:
    item = record_item(
        session,
        kind="intent",
        text=text,
        reasons=["low_confidence"],
        predicted={"intent": intent, "intent_confidence": 0.31},
        uncertainty=0.69,
        **extra,
    )
    assert item is not None
    return item


def triage_item(
    session: Session,
    text: str,
    category: str = "quality",
    urgency: str = "normal",
    suggested: dict[str, Any] | None = None,
) -> ReviewItem:
    item = record_item(
        session,
        kind="triage",
        text=text,
        reasons=["agent_correction" if suggested else "low_category_confidence"],
        predicted={
            "category": category,
            "category_confidence": 0.42,
            "urgency": urgency,
            "urgency_score": 0.2,
            "trigger": None,
        },
        uncertainty=0.58,
        suggested=suggested,
    )
    assert item is not None
    return item
