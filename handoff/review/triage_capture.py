"""Triage items: the gateway's uncertain screenings and every agent correction of a case.

Both run inside the caller's transaction and never raise on odd data: the inbox is a side
effect of chatting and correcting, and must not make either fail.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handoff.models import Case
from handoff.review.capture import record_item, triage_reasons, triage_uncertainty
from handoff.review.models import ReviewItem

log = logging.getLogger(__name__)


def trigger_of(reasons: list[str]) -> str | None:
    """The trigger named first in a triage summary's reasons (``trigger:source:evidence``)."""
    for reason in reasons:
        trigger = reason.split(":", 1)[0]
        if trigger and trigger != "none":
            return trigger
    return None


def triage_prediction(
    category: str,
    category_confidence: float,
    urgency: str,
    urgency_score: float,
    reasons: list[str],
    model_version: str | None = None,
) -> dict[str, Any]:
    """A triage prediction as an inbox item stores it."""
    return {
        "category": category,
        "category_confidence": round(float(category_confidence), 4),
        "urgency": urgency,
        "urgency_score": round(float(urgency_score), 4),
        "trigger": trigger_of(reasons),
        "model_version": model_version,
    }


def record_screening(
    session: Session,
    *,
    text: str,
    category: str,
    category_confidence: float,
    urgency: str,
    urgency_score: float,
    reasons: list[str],
    threshold: float,
    conversation_id: str | None,
    message_id: int | None,
    model_version: str | None = None,
    now: datetime | None = None,
) -> ReviewItem | None:
    """Capture a screened message if the model was unsure about it; else do nothing."""
    why = triage_reasons(category_confidence, urgency_score, threshold)
    if not why:
        return None
    return record_item(
        session,
        kind="triage",
        text=text,
        reasons=why,
        predicted=triage_prediction(
            category, category_confidence, urgency, urgency_score, reasons, model_version
        ),
        uncertainty=triage_uncertainty(category_confidence, urgency_score, threshold),
        conversation_id=conversation_id,
        source=f"message:{message_id}" if message_id is not None else None,
        now=now,
    )


def record_correction(
    session: Session,
    case: Case,
    *,
    actor: str,
    before: dict[str, str],
    now: datetime | None = None,
) -> ReviewItem | None:
    """Capture an agent's correction of ``case`` (already applied) as a pre-filled item.

    ``before`` holds the model's category and urgency. The suggestion keeps a trigger when
    the corrected urgency is urgent and the model named one.
    """
    trigger = trigger_of(list(case.triage_reasons or []))
    suggested: dict[str, Any] = {
        "category": case.category,
        "urgency": case.urgency,
        "trigger": trigger if case.urgency == "urgent" else None,
        "by": actor,
    }
    try:
        return record_item(
            session,
            kind="triage",
            text=case.description,
            reasons=["agent_correction"],
            predicted=triage_prediction(
                before.get("category", case.category),
                case.category_confidence,
                before.get("urgency", case.urgency),
                case.urgency_score,
                list(case.triage_reasons or []),
            ),
            uncertainty=1.0,
            conversation_id=case.conversation_id,
            source=f"case:{case.case_number}",
            suggested=suggested,
            now=now,
        )
    except ValueError as error:  # never block a correction on the inbox
        log.warning("correction of %s not captured for review: %s", case.case_number, error)
        return None
