"""Follow-ups (回访) as rows: scheduled at a resolution, asked, answered, or called.

The assistant asks when the shopper next opens the chat after the follow-up is due; agents
call the ones still unanswered (the due list). "Not solved" reopens the case and tells the
supervisors, because a case closed too early is exactly what the seeds' 回访 is meant to find.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import CursorResult, and_, exists, select, update
from sqlalchemy.orm import Session

from handoff.alerts.store import SUPERVISORS, raise_alert
from handoff.case_work import set_status
from handoff.clock import as_utc
from handoff.conflicts import insert_unless_duplicate
from handoff.models import Case
from handoff.serialize import iso
from handoff.supervision_models import Followup

DEFAULT_DELAY: Final = timedelta(days=3)
#: Resolutions older than this get no follow-up when the scheduler first sees them (an
#: upgrade does not call up last year's shoppers).
LOOKBACK: Final = timedelta(days=14)
QUESTION_ZH: Final = (
    "您好，您之前反映的问题（工单 {case_number}）我们已经处理。请问问题真的解决了吗？"
)
BUTTONS: Final = (
    {"title": "已解决", "payload": "/followup_solved"},
    {"title": "还没有解决", "payload": "/followup_not_solved"},
)


def schedule_followups(session: Session, now: datetime, delay: timedelta = DEFAULT_DELAY) -> int:
    """A follow-up for every recent resolution that has none; how many were added."""
    has_one = exists().where(
        and_(Followup.case_id == Case.id, Followup.resolved_at == Case.resolved_at)
    )
    rows = session.execute(
        select(Case.id, Case.shopper_id, Case.conversation_id, Case.resolved_at).where(
            Case.status == "resolved",
            Case.resolved_at.is_not(None),
            Case.resolved_at >= as_utc(now) - LOOKBACK,
            ~has_one,
        )
    ).all()
    added = 0
    for case_id, shopper_id, conversation_id, resolved_at in rows:
        added += insert_unless_duplicate(
            session,
            Followup,
            {
                "case_id": case_id,
                "shopper_id": shopper_id,
                "conversation_id": conversation_id,
                "resolved_at": resolved_at,
                "due_at": as_utc(resolved_at) + delay,
                "status": "scheduled",
            },
        )
    return added


def due_for_shopper(session: Session, shopper_id: str, now: datetime) -> Followup | None:
    """The shopper's oldest follow-up that is due and not yet answered (or None)."""
    return session.scalars(
        select(Followup)
        .where(
            Followup.shopper_id == shopper_id,
            Followup.status.in_(("scheduled", "asked")),
            Followup.due_at <= as_utc(now),
        )
        .order_by(Followup.due_at, Followup.id)
        .limit(1)
    ).one_or_none()


def due_followups(session: Session, now: datetime) -> list[Followup]:
    """Follow-ups due and unanswered: the list agents call."""
    return list(
        session.scalars(
            select(Followup)
            .where(Followup.status.in_(("scheduled", "asked")), Followup.due_at <= as_utc(now))
            .order_by(Followup.due_at, Followup.id)
        )
    )


def mark_asked(session: Session, followup: Followup, now: datetime) -> bool:
    """Claim the asking of ``followup``: True for the one caller that should ask it.

    A conditional update, not a check in memory: two tabs of one shopper, or two gateway
    instances, opening the chat at once must not both ask.
    """
    result = session.execute(
        update(Followup)
        .where(Followup.id == followup.id, Followup.status == "scheduled")
        .values(status="asked", asked_at=as_utc(now))
        .execution_options(synchronize_session=False)
    )
    claimed = cast(CursorResult[Any], result).rowcount == 1
    if claimed:
        followup.status, followup.asked_at = "asked", as_utc(now)
    return claimed


def answer(
    session: Session,
    followup: Followup,
    *,
    solved: bool,
    by: str,
    now: datetime,
    text: str | None = None,
    called: bool = False,
) -> Case | None:
    """Record the answer; "not solved" reopens the case. Returns the case."""
    at = as_utc(now)
    followup.answered_at = at
    followup.answered_by = by
    followup.answer_text = (text or ("已解决" if solved else "还没有解决"))[:500]
    followup.status = ("called" if called else "solved") if solved else "not_solved"
    case = session.get(Case, followup.case_id)
    if case is None or solved:
        return case
    actor = by if by.startswith("agent:") or by in ("shopper", "bot", "system") else "system"
    set_status(session, case, "in_progress", actor=actor, now=at)
    raise_alert(
        session,
        kind="followup_failed",
        dedupe_key=f"followup_failed:{followup.id}",
        at=at,
        case_id=case.id,
        category=case.category,
        product=case.order.product if case.order is not None else None,
        audience=[SUPERVISORS, "agents"],
        detail={
            "case_number": case.case_number,
            "category": case.category,
            "product": case.order.product if case.order is not None else None,
            "message_zh": f"回访：工单 {case.case_number} 的顾客表示问题还没有解决，"
            "工单已重新打开。",
        },
    )
    return case


def followup_dict(followup: Followup) -> dict[str, Any]:
    """A follow-up for the console and ``followups due --json``."""
    return {
        "id": followup.id,
        "case_id": followup.case_id,
        "case_number": followup.case.case_number,
        "category": followup.case.category,
        "description": followup.case.description,
        "shopper_id": followup.shopper_id,
        "conversation_id": followup.conversation_id,
        "status": followup.status,
        "resolved_at": iso(followup.resolved_at),
        "due_at": iso(followup.due_at),
        "asked_at": iso(followup.asked_at),
        "answered_at": iso(followup.answered_at),
        "answer_text": followup.answer_text,
    }
