"""Which deadlines each case has, and which of them are met, derived from the case store.

The deadlines are derived rather than written by the code that opens cases and sends
messages: that code belongs to the assistant and the gateway, and a derived row cannot be
forgotten by a new code path. Each sweep (every few seconds) adds the rows that are missing
and marks the met ones; a unique key on ``(case, kind, started_at)`` lets two instances do it
at the same time without duplicates.

- first response and resolution: one each per case, from when it was opened;
- next response: a shopper who wrote again while an agent has the conversation, after the
  agent's last answer, waits for the next one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from handoff.chat_models import Message
from handoff.conflicts import insert_unless_duplicate
from handoff.deadlines.policy import DeadlinePolicy
from handoff.models import Case, HandoffEntry
from handoff.supervision_models import CaseDeadline

#: The case timestamps that meet each case-level deadline.
_MET_BY = {"first_response": Case.first_response_at, "resolution": Case.resolved_at}


def deadline_values(
    policy: DeadlinePolicy, case_id: int, kind: str, urgency: str, started_at: datetime
) -> dict[str, Any]:
    """The column values of a new deadline row."""
    warn_at, due_at = policy.window(kind, urgency, started_at)
    return {
        "case_id": case_id,
        "kind": kind,
        "urgency": urgency,
        "started_at": started_at,
        "warn_at": warn_at,
        "due_at": due_at,
    }


def _add_case_deadlines(session: Session, policy: DeadlinePolicy) -> int:
    added = 0
    for kind in _MET_BY:
        has_row = exists().where(CaseDeadline.case_id == Case.id, CaseDeadline.kind == kind)
        missing = session.execute(
            select(Case.id, Case.urgency, Case.created_at).where(~has_row)
        ).all()
        for case_id, urgency, created_at in missing:
            values = deadline_values(policy, case_id, kind, urgency, created_at)
            added += insert_unless_duplicate(session, CaseDeadline, values)
    return added


def _follow_corrected_urgency(session: Session, policy: DeadlinePolicy) -> None:
    """An agent who corrects the urgency changes the deadlines not yet met nor breached."""
    rows = session.execute(
        select(CaseDeadline, Case.urgency)
        .join(Case, Case.id == CaseDeadline.case_id)
        .where(
            CaseDeadline.met_at.is_(None),
            CaseDeadline.breached_at.is_(None),
            CaseDeadline.urgency != Case.urgency,
        )
    ).all()
    for deadline, urgency in rows:
        deadline.urgency = urgency
        deadline.warn_at, deadline.due_at = policy.window(
            deadline.kind, urgency, deadline.started_at
        )
        if deadline.warned_at is not None and deadline.warn_at > deadline.warned_at:
            deadline.warned_at = None  # a later deadline now: warn again when it comes


def _add_next_response_deadlines(session: Session, policy: DeadlinePolicy) -> int:
    """A deadline for each shopper left waiting after an agent's answer in a claimed chat."""
    last_agent = (
        select(Message.conversation_id, func.max(Message.id).label("last_id"))
        .where(Message.sender == "agent")
        .group_by(Message.conversation_id)
        .subquery()
    )
    waiting = session.execute(
        select(HandoffEntry.case_id, Case.urgency, func.min(Message.created_at))
        .join(Case, Case.id == HandoffEntry.case_id)
        .join(last_agent, last_agent.c.conversation_id == HandoffEntry.conversation_id)
        .join(
            Message,
            and_(
                Message.conversation_id == HandoffEntry.conversation_id,
                Message.sender == "shopper",
                Message.id > last_agent.c.last_id,
            ),
        )
        .where(HandoffEntry.status == "claimed")
        .group_by(HandoffEntry.case_id, Case.urgency)
    ).all()
    added = 0
    for case_id, urgency, started_at in waiting:
        values = deadline_values(policy, case_id, "next_response", urgency, started_at)
        added += insert_unless_duplicate(session, CaseDeadline, values)
    return added


def _mark_met(session: Session, now: datetime) -> None:
    for kind, column in _MET_BY.items():
        rows = session.execute(
            select(CaseDeadline, column)
            .join(Case, Case.id == CaseDeadline.case_id)
            .where(CaseDeadline.kind == kind, CaseDeadline.met_at.is_(None), column.is_not(None))
        ).all()
        for deadline, met_at in rows:
            deadline.met_at = met_at
    pending = session.execute(
        select(CaseDeadline, Case.conversation_id)
        .join(Case, Case.id == CaseDeadline.case_id)
        .where(CaseDeadline.kind == "next_response", CaseDeadline.met_at.is_(None))
    ).all()
    for deadline, conversation_id in pending:
        answered = session.scalar(
            select(func.min(Message.created_at)).where(
                Message.conversation_id == conversation_id,
                Message.sender == "agent",
                Message.created_at >= deadline.started_at,
            )
        )
        still_human = session.scalar(
            select(HandoffEntry.id).where(
                HandoffEntry.case_id == deadline.case_id, HandoffEntry.status == "claimed"
            )
        )
        if answered is not None:
            deadline.met_at = answered
        elif still_human is None:
            deadline.met_at = now  # the human part ended: nobody is waiting on an agent now


def track_deadlines(session: Session, policy: DeadlinePolicy, now: datetime) -> int:
    """Add missing deadline rows, follow urgency corrections, mark met ones; rows added."""
    added = _add_case_deadlines(session, policy)
    added += _add_next_response_deadlines(session, policy)
    session.flush()
    _follow_corrected_urgency(session, policy)
    _mark_met(session, now)
    session.flush()
    return added
