"""What agents do to a case besides resolving it: answer, change status, correct, annotate.

Each change writes an event with the old and new values: the trainers' inbox reads the
``triage_corrected`` events to find what the model got wrong.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handoff.clock import as_utc, utc_now
from handoff.events import record_event
from handoff.models import Case, CaseEvent
from handoff.review.triage_capture import record_correction
from handoff.sla import sla_deadlines
from handoff.vocabulary import CASE_STATUSES, CATEGORIES, URGENCIES


def _at(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else utc_now()


def mark_first_response(
    session: Session, case: Case, *, actor: str, now: datetime | None = None
) -> bool:
    """Record the first human answer (for the SLA); later answers change nothing."""
    if case.first_response_at is not None:
        return False
    at = _at(now)
    case.first_response_at = at
    record_event(session, case, actor=actor, kind="first_response", at=at)
    return True


def set_status(
    session: Session, case: Case, status: str, *, actor: str, now: datetime | None = None
) -> Case:
    """Move a case to another status; leaving ``resolved`` is a reopening and clears it."""
    if status not in CASE_STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {CASE_STATUSES}")
    if status == "resolved":
        raise ValueError("use handoff.cases.resolve_case to resolve (it needs a resolution)")
    if status == case.status:
        return case
    at = _at(now)
    previous = case.status
    kind = "reopened" if previous == "resolved" else "status_changed"
    if previous == "resolved":
        case.resolved_at = None
        case.resolution = None
        case.resolution_note = None
    case.status = status
    record_event(
        session, case, actor=actor, kind=kind, at=at, detail={"from": previous, "to": status}
    )
    return case


def correct_triage(
    session: Session,
    case: Case,
    *,
    actor: str,
    category: str | None = None,
    urgency: str | None = None,
    now: datetime | None = None,
) -> Case:
    """An agent's correction of the model's labels.

    A corrected urgency recomputes the SLA deadlines from the time the case was opened: an
    urgent case deserved the urgent deadlines from the start.
    """
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; expected one of {CATEGORIES}")
    if urgency is not None and urgency not in URGENCIES:
        raise ValueError(f"unknown urgency {urgency!r}; expected one of {URGENCIES}")
    changes: dict[str, object] = {}
    before = {"category": case.category, "urgency": case.urgency}
    if category is not None and category != case.category:
        changes["category"] = {"from": case.category, "to": category}
        case.category = category
    if urgency is not None and urgency != case.urgency:
        changes["urgency"] = {"from": case.urgency, "to": urgency}
        case.urgency = urgency
        case.first_response_due, case.resolution_due = sla_deadlines(urgency, case.created_at)
    if changes:
        record_event(
            session, case, actor=actor, kind="triage_corrected", at=_at(now), detail=changes
        )
        # Every correction is a label the trainers' inbox receives pre-filled.
        record_correction(session, case, actor=actor, before=before, now=now)
    return case


def add_note(
    session: Session, case: Case, text: str, *, actor: str, now: datetime | None = None
) -> CaseEvent:
    """An internal note on the case (agents only; never shown to the shopper)."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("a note needs text")
    return record_event(
        session, case, actor=actor, kind="note", at=_at(now), detail={"text": cleaned}
    )
