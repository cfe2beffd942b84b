"""The handoff queue: conversations waiting for, or served by, a human agent.

One active entry (waiting or claimed) per conversation, enforced by a partial unique index:
asking for a human twice, or two processes queueing the same conversation, gives one entry.
Agents take urgent entries first, then the earliest SLA deadline, then the oldest.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from handoff.clock import as_utc, utc_now
from handoff.conflicts import insert_unless_duplicate
from handoff.events import record_event, validate_actor
from handoff.models import Case, HandoffEntry
from handoff.vocabulary import PRIORITIES, QUEUE_ACTIVE_STATUSES

log = logging.getLogger(__name__)


class QueueConflictError(RuntimeError):
    """The entry is no longer in the state the caller expected (another agent was faster)."""


def active_entry(session: Session, conversation_id: str) -> HandoffEntry | None:
    """The conversation's waiting or claimed entry, if any."""
    return session.scalars(
        select(HandoffEntry).where(
            HandoffEntry.conversation_id == conversation_id,
            HandoffEntry.status.in_(QUEUE_ACTIVE_STATUSES),
        )
    ).one_or_none()


def queue_for_human(
    session: Session,
    case: Case | None,
    *,
    conversation_id: str,
    shopper_id: str,
    reason: str,
    priority: str,
    now: datetime | None = None,
) -> HandoffEntry:
    """Put the conversation in the agents' queue, or return the entry it already has.

    An existing active entry is reused: its priority is raised to urgent if asked (never
    lowered) and it gets the case if it had none. ``case`` may be None when the shopper
    asked for a human without a complaint. The case, if any, is marked handed to a human.
    """
    if priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r}; expected one of {PRIORITIES}")
    if case is not None and case.shopper_id != shopper_id:
        raise ValueError("the case belongs to another shopper")
    at = as_utc(now) if now is not None else utc_now()
    entry = active_entry(session, conversation_id)
    if entry is None:
        insert_unless_duplicate(
            session,
            HandoffEntry,
            {
                "case_id": case.id if case is not None else None,
                "conversation_id": conversation_id,
                "shopper_id": shopper_id,
                "priority": priority,
                "reason": reason,
                "status": "waiting",
                "created_at": at,
            },
        )
        entry = active_entry(session, conversation_id)
        if entry is None:  # only if the winner finished it in between: vanishingly rare
            raise QueueConflictError(f"conversation {conversation_id!r} left the queue meanwhile")
    if case is not None and entry.case_id is None:
        entry.case_id = case.id
    if priority == "urgent" and entry.priority != "urgent":
        entry.priority = "urgent"
        if case is not None:
            record_event(
                session,
                case,
                actor="bot",
                kind="priority_raised",
                at=at,
                detail={"queue_entry_id": entry.id, "reason": reason},
            )
    if case is not None and case.handed_to_human_at is None:
        case.handed_to_human_at = at
        record_event(
            session,
            case,
            actor="bot",
            kind="handed_to_human",
            at=at,
            detail={"queue_entry_id": entry.id, "priority": entry.priority, "reason": reason},
        )
    log.info("queued conversation %s (%s) as entry %s", conversation_id, entry.priority, entry.id)
    return entry


def waiting_entries(session: Session) -> list[HandoffEntry]:
    """Waiting entries in the order agents should take them."""
    urgent_first = sql_case((HandoffEntry.priority == "urgent", 0), else_=1)
    statement = (
        select(HandoffEntry)
        .outerjoin(Case, HandoffEntry.case_id == Case.id)
        .where(HandoffEntry.status == "waiting")
        .order_by(
            urgent_first,
            Case.first_response_due.is_(None),
            Case.first_response_due,
            HandoffEntry.created_at,
            HandoffEntry.id,
        )
    )
    return list(session.scalars(statement))


def claim_entry(
    session: Session, entry: HandoffEntry, *, agent: str, now: datetime | None = None
) -> HandoffEntry:
    """An agent takes a waiting entry; its case moves to ``in_progress``.

    The update is conditional on the entry still waiting, so of two agents clicking at once
    exactly one wins and the other gets :class:`QueueConflictError`.
    """
    actor = validate_actor(agent if agent.startswith("agent:") else f"agent:{agent}")
    at = as_utc(now) if now is not None else utc_now()
    session.flush()
    claimed = session.execute(
        update(HandoffEntry)
        .where(HandoffEntry.id == entry.id, HandoffEntry.status == "waiting")
        .values(status="claimed", claimed_by=actor, claimed_at=at)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise QueueConflictError(f"queue entry {entry.id} is no longer waiting")
    session.refresh(entry)
    if entry.case is not None:
        case = entry.case
        if case.status == "open":
            case.status = "in_progress"
        record_event(
            session, case, actor=actor, kind="claimed", at=at, detail={"queue_entry_id": entry.id}
        )
    return entry


def finish_entry(session: Session, entry: HandoffEntry, *, now: datetime | None = None) -> None:
    """The human part is over (the shopper goes back to the assistant)."""
    entry.status = "done"
    entry.done_at = as_utc(now) if now is not None else utc_now()
