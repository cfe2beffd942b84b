"""The audit trail: every change to a case is written as a :class:`CaseEvent`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handoff.clock import as_utc
from handoff.models import Case, CaseEvent
from handoff.vocabulary import ACTORS_FIXED, EVENT_KINDS


def validate_actor(actor: str) -> str:
    """Accept ``bot``, ``shopper``, ``system`` or ``agent:<name>``; anything else is a bug."""
    if actor in ACTORS_FIXED or (actor.startswith("agent:") and actor[len("agent:") :].strip()):
        return actor
    raise ValueError(f"actor must be one of {ACTORS_FIXED} or 'agent:<name>', got {actor!r}")


def record_event(
    session: Session,
    case: Case,
    *,
    actor: str,
    kind: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append one event to ``case``'s trail (added to the session, not flushed)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}; expected one of {EVENT_KINDS}")
    event = CaseEvent(
        case=case, actor=validate_actor(actor), kind=kind, at=as_utc(at), detail=detail or {}
    )
    session.add(event)
    return event
