"""An urgent message makes the conversation urgent: its queue entry, and its case.

The gateway screens every shopper message, also while the conversation already waits for (or
is served by) a human. An urgent one must then change what agents see: the queue entry
becomes urgent (so it sorts with the urgent ones, by its new deadline), the case gets the
urgent label, the reasons and the urgent deadlines, and a conversation without a case gets
one for the urgent problem. All in the caller's transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.cases import TriageSummary, open_case
from handoff.clock import as_utc, utc_now
from handoff.events import record_event
from handoff.models import Case, HandoffEntry
from handoff.queue import active_entry, queue_for_human
from handoff.sla import SLA_POLICIES

log = logging.getLogger(__name__)

#: The queue entry's reason once an urgent message has been seen.
URGENT_REASON = "urgent_message"


@dataclass(frozen=True)
class Escalation:
    """What an urgent message changed."""

    entry_id: int
    case_number: str
    #: The conversation was not queued before (the assistant was in charge).
    newly_queued: bool
    #: The entry was queued as normal and is urgent now.
    priority_raised: bool
    #: The case was opened for this message.
    case_opened: bool
    #: ``waiting`` or ``claimed``: whether an agent already has the conversation.
    entry_status: str


def open_case_of(session: Session, conversation_id: str, shopper_id: str) -> Case | None:
    """The conversation's newest case that is not resolved yet."""
    return session.scalars(
        select(Case)
        .where(
            Case.conversation_id == conversation_id,
            Case.shopper_id == shopper_id,
            Case.status != "resolved",
        )
        .order_by(Case.id.desc())
        .limit(1)
    ).one_or_none()


def make_case_urgent(
    session: Session,
    case: Case,
    triage: TriageSummary,
    *,
    entry_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Label a normal case urgent with the message's reasons; True if it changed.

    The urgent deadlines run from now, when the urgency became known (never later than the
    deadlines it had): an injury reported a day after the complaint is answered within the
    hour from the report, not an hour after the complaint.
    """
    if case.urgency == "urgent":
        return False
    at = as_utc(now) if now is not None else utc_now()
    policy = SLA_POLICIES["urgent"]
    previous = {"urgency": case.urgency, "urgency_score": case.urgency_score}
    case.urgency = "urgent"
    case.urgency_score = max(case.urgency_score, triage.urgency_score)
    known = list(case.triage_reasons)
    case.triage_reasons = known + [r for r in triage.reasons if r not in known]
    case.first_response_due = min(as_utc(case.first_response_due), at + policy.first_response)
    case.resolution_due = min(as_utc(case.resolution_due), at + policy.resolution)
    record_event(
        session,
        case,
        actor="bot",
        kind="priority_raised",
        at=at,
        detail={
            "urgency": {"from": previous["urgency"], "to": "urgent"},
            "urgency_score": {"from": previous["urgency_score"], "to": case.urgency_score},
            "triage_reasons": list(triage.reasons),
            "first_response_due": case.first_response_due.isoformat(),
            "queue_entry_id": entry_id,
            "reason": URGENT_REASON,
        },
    )
    return True


def escalate_conversation(
    session: Session,
    *,
    conversation_id: str,
    shopper_id: str,
    message_id: int,
    message_text: str,
    triage: TriageSummary,
    now: datetime | None = None,
) -> Escalation:
    """Queue the conversation as urgent with an urgent case, whatever state it was in.

    The case is the queue entry's, else the conversation's open one, else a new one opened
    for this message (its text is the description). Calling it again for another urgent
    message changes nothing more.
    """
    at = as_utc(now) if now is not None else utc_now()
    before: HandoffEntry | None = active_entry(session, conversation_id)
    case = before.case if before is not None and before.case is not None else None
    if case is None:
        case = open_case_of(session, conversation_id, shopper_id)
    # Raise the entry here (not in queue_for_human) so that the case's history gets one
    # "priority_raised" line that says both what changed and why.
    raised = before is not None and before.priority != "urgent"
    if before is not None and raised:
        before.priority = "urgent"
        before.reason = URGENT_REASON
    opened = False
    if case is None:
        case, opened = open_case(
            session,
            conversation_id=conversation_id,
            shopper_id=shopper_id,
            order_id=None,
            description=message_text,
            triage=triage,
            dedupe_key=f"gateway-urgent:{conversation_id}:{message_id}",
            now=at,
        )
    elif (
        not make_case_urgent(session, case, triage, entry_id=before.id if before else None, now=at)
        and raised
    ):
        record_event(
            session,
            case,
            actor="bot",
            kind="priority_raised",
            at=at,
            detail={"queue_entry_id": before.id if before else None, "reason": URGENT_REASON},
        )
    entry = queue_for_human(
        session,
        case,
        conversation_id=conversation_id,
        shopper_id=shopper_id,
        reason=URGENT_REASON,
        priority="urgent",
        now=at,
    )
    return Escalation(
        entry_id=entry.id,
        case_number=case.case_number,
        newly_queued=before is None,
        priority_raised=raised,
        case_opened=opened,
        entry_status=entry.status,
    )
