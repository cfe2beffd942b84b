"""Opening, finding, resolving and rating cases: what the assistant's actions call.

Every function takes a ``Session`` and leaves the commit to the caller. Functions that may
be called twice for the same thing (a retried action, two processes) are idempotent by a
unique constraint, not by check-then-insert. Agent-side updates live in
:mod:`handoff.case_work`, the handoff queue in :mod:`handoff.queue` (re-exported here).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.case_numbers import new_case_number, normalize_case_number
from handoff.clock import as_utc, utc_now
from handoff.conflicts import insert_unless_duplicate
from handoff.events import record_event, validate_actor
from handoff.models import Case, Order
from handoff.orders import normalize_order_id
from handoff.queue import queue_for_human
from handoff.sla import sla_deadlines
from handoff.status_text import status_text_zh
from handoff.vocabulary import CATEGORIES, RESOLUTIONS, URGENCIES
from triage_model.normalize import mask_personal_data

__all__ = [
    "CaseOwnershipError",
    "TriageSummary",
    "UnknownOrderError",
    "cases_for_shopper",
    "find_case",
    "open_case",
    "queue_for_human",
    "record_rating",
    "resolve_case",
    "status_text_zh",
]

log = logging.getLogger(__name__)

_CASE_NUMBER_ATTEMPTS: Final = 8
MAX_COMMENT_CHARS: Final = 2000


class UnknownOrderError(LookupError):
    """The case names an order that is not in the ``orders`` table."""


class CaseOwnershipError(ValueError):
    """A dedupe key already belongs to another shopper's case (a caller bug, never shown)."""


@dataclass(frozen=True)
class TriageSummary:
    """The triage result a case is opened with (see ``python -m triage_model predict``)."""

    category: str
    category_confidence: float
    urgency: str
    urgency_score: float
    reasons: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Fail here, with the bad value named, rather than on a CHECK constraint later."""
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}; expected one of {CATEGORIES}")
        if self.urgency not in URGENCIES:
            raise ValueError(f"unknown urgency {self.urgency!r}; expected one of {URGENCIES}")
        for name in ("category_confidence", "urgency_score"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value!r}")


def _by_dedupe_key(session: Session, dedupe_key: str) -> Case | None:
    return session.scalars(select(Case).where(Case.dedupe_key == dedupe_key)).one_or_none()


def _owned(case: Case, shopper_id: str) -> Case:
    if case.shopper_id != shopper_id:
        raise CaseOwnershipError(f"dedupe key {case.dedupe_key!r} belongs to another shopper")
    return case


def open_case(
    session: Session,
    *,
    conversation_id: str,
    shopper_id: str,
    order_id: str | None,
    description: str,
    triage: TriageSummary,
    dedupe_key: str,
    now: datetime | None = None,
) -> tuple[Case, bool]:
    """Open a case, or return the one already opened for ``dedupe_key``; the bool says "new".

    The unique ``dedupe_key`` makes a retried action or two concurrent calls produce one
    case: the loser's insert does nothing and it reads the winner's row. ``order_id`` must be
    in ``orders`` (see :func:`handoff.orders.remember_order`).
    """
    existing = _by_dedupe_key(session, dedupe_key)
    if existing is not None:
        return _owned(existing, shopper_id), False
    opened_at = as_utc(now) if now is not None else utc_now()
    if order_id is not None and session.get(Order, order_id) is None:
        raise UnknownOrderError(f"order {order_id!r} is not in the orders table")
    first_response_due, resolution_due = sla_deadlines(triage.urgency, opened_at)
    values = {
        "dedupe_key": dedupe_key,
        "conversation_id": conversation_id,
        "shopper_id": shopper_id,
        "order_id": order_id,
        "description": description,
        "category": triage.category,
        "category_confidence": float(triage.category_confidence),
        "urgency": triage.urgency,
        "urgency_score": float(triage.urgency_score),
        "triage_reasons": list(triage.reasons),
        "status": "open",
        "created_at": opened_at,
        "first_response_due": first_response_due,
        "resolution_due": resolution_due,
    }
    for _ in range(_CASE_NUMBER_ATTEMPTS):
        inserted = insert_unless_duplicate(
            session, Case, {**values, "case_number": new_case_number(opened_at)}
        )
        case = _by_dedupe_key(session, dedupe_key)
        if case is None:
            continue  # the case number was taken: draw another
        if not inserted:
            return _owned(case, shopper_id), False
        record_event(
            session,
            case,
            actor="bot",
            kind="opened",
            at=opened_at,
            detail={
                "category": case.category,
                "urgency": case.urgency,
                "order_id": order_id,
                "triage_reasons": list(triage.reasons),
            },
        )
        log.info(
            "opened case %s (%s/%s) in conversation %s: %s",
            case.case_number,
            case.category,
            case.urgency,
            conversation_id,
            mask_personal_data(description[:80]),
        )
        return case, True
    raise RuntimeError(f"no free case number after {_CASE_NUMBER_ATTEMPTS} attempts")


def cases_for_shopper(
    session: Session,
    shopper_id: str,
    *,
    case_number: str | None = None,
    order_id: str | None = None,
) -> list[Case]:
    """The shopper's cases, newest first, optionally narrowed to a case number or an order.

    Filters are applied on top of the shopper filter, so a shopper who types someone else's
    case number gets nothing rather than that case. Filters accept what shoppers type
    (lower case, full-width, spaces); an unreadable filter matches nothing.
    """
    statement = select(Case).where(Case.shopper_id == shopper_id)
    if case_number is not None:
        wanted_number = normalize_case_number(case_number)
        if wanted_number is None:
            return []
        statement = statement.where(Case.case_number == wanted_number)
    if order_id is not None:
        wanted_order = normalize_order_id(order_id)
        if wanted_order is None:
            return []
        statement = statement.where(Case.order_id == wanted_order)
    return list(session.scalars(statement.order_by(Case.created_at.desc(), Case.id.desc())))


def find_case(session: Session, key: str) -> Case | None:
    """A case by case number or numeric id, for agents and the command line (no owner check)."""
    number = normalize_case_number(key)
    if number is not None:
        return session.scalars(select(Case).where(Case.case_number == number)).one_or_none()
    if key.strip().isdecimal():
        return session.get(Case, int(key.strip()))
    return None


def resolve_case(
    session: Session,
    case: Case,
    *,
    actor: str,
    resolution: str,
    note: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Record how a case was resolved and close it (resolving again replaces the resolution).

    A resolution is also an answer, so an unanswered case gets its first response time too.
    """
    if resolution not in RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}; expected one of {RESOLUTIONS}")
    validate_actor(actor)
    at = as_utc(now) if now is not None else utc_now()
    detail = {"resolution": resolution, "note": note, "previous_status": case.status}
    if case.resolution is not None:
        detail["previous_resolution"] = case.resolution
    case.status = "resolved"
    case.resolution = resolution
    case.resolution_note = note
    case.resolved_at = at
    if case.first_response_at is None:
        case.first_response_at = at
    record_event(session, case, actor=actor, kind="resolved", at=at, detail=detail)
    return case


def _valid_rating(rating: object) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValueError(f"rating must be a whole number from 1 to 5, got {rating!r}")
    return rating


def record_rating(
    session: Session,
    *,
    conversation_id: str,
    shopper_id: str,
    rating: int,
    comment: str | None,
    now: datetime | None = None,
) -> Case | None:
    """Rate the conversation's most recently resolved case; None if it has none.

    Rating again replaces the score (the event keeps the previous one), because shoppers do
    change their mind right after an agent follows up; the same score again (without a new
    comment) changes nothing and is not logged a second time.
    """
    score = _valid_rating(rating)
    at = as_utc(now) if now is not None else utc_now()
    case = session.scalars(
        select(Case)
        .where(
            Case.conversation_id == conversation_id,
            Case.shopper_id == shopper_id,
            Case.status == "resolved",
        )
        .order_by(Case.resolved_at.desc(), Case.id.desc())
        .limit(1)
    ).one_or_none()
    if case is None:
        return None
    cleaned = (comment or "").strip()[:MAX_COMMENT_CHARS] or None
    if case.rating == score and (cleaned is None or cleaned == case.rating_comment):
        return case  # the same rating again (a resent or re-clicked answer): nothing new
    detail: dict[str, object] = {"rating": score, "comment": cleaned}
    if case.rating is not None:
        detail["previous_rating"] = case.rating
    case.rating = score
    case.rating_comment = cleaned
    record_event(session, case, actor="shopper", kind="rated", at=at, detail=detail)
    return case
