"""The sweeper: warn at 80% of a deadline, alert at the breach, exactly once each.

One sweep is one transaction. It claims the due rows (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so a second instance skips rows the first is working on instead of waiting;
SQLite has one writer at a time anyway) and marks them with a conditional update, "set
``warned_at`` where it is still empty": only the transaction whose update changed a row
raises its alert, and the alert's unique dedupe key would refuse a second copy regardless.
A sweeper that was down past a deadline sends the breach only, not a stale warning first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from handoff.alerts.store import SUPERVISORS, alert_values, raise_alerts
from handoff.clock import as_utc, format_zh
from handoff.deadlines.policy import DeadlinePolicy
from handoff.deadlines.tracking import track_deadlines
from handoff.events import record_event
from handoff.models import Case, HandoffEntry
from handoff.supervision_models import Alert, CaseDeadline
from handoff.vocabulary import QUEUE_ACTIVE_STATUSES

log = logging.getLogger(__name__)

#: Rows claimed per sweep; the rest wait for the next one (a sweep stays a short transaction).
BATCH: Final = 500
KIND_ZH: Final = {"first_response": "首次响应", "next_response": "再次回复", "resolution": "解决"}
CATEGORY_ZH: Final = {
    "quality": "商品质量",
    "logistics": "物流配送",
    "after_sales": "售后服务",
    "other": "其他",
}
URGENCY_ZH: Final = {"urgent": "紧急", "normal": "普通"}
#: Who hears of an unowned case's warning: every agent working the queue.
AGENTS: Final = "agents"


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did."""

    tracked: int
    alerts: list[Alert]


def _claim(session: Session, ids: list[int], now: datetime, *, breach: bool) -> set[int]:
    """Mark the breach (or warning) of these rows as sent, where nobody has; the rows marked.

    A breach also marks the warning: a sweeper that was down past a deadline sends the
    breach only, not a stale warning first. A warning is claimed only before the breach.
    """
    if not ids:
        return set()
    if breach:
        condition = [CaseDeadline.breached_at.is_(None), CaseDeadline.due_at <= now]
        values: dict[str, Any] = {
            "breached_at": now,
            "warned_at": func.coalesce(CaseDeadline.warned_at, now),
        }
    else:
        condition = [
            CaseDeadline.warned_at.is_(None),
            CaseDeadline.warn_at <= now,
            CaseDeadline.due_at > now,
        ]
        values = {"warned_at": now}
    claimed = session.execute(
        update(CaseDeadline)
        .where(CaseDeadline.id.in_(ids), *condition)
        .values(values)
        .returning(CaseDeadline.id)
        .execution_options(synchronize_session=False)
    )
    return set(claimed.scalars())


def _owners(session: Session, case_ids: set[int]) -> dict[int, str]:
    """The agent who has each case's chat now, for the cases that have one."""
    rows = session.execute(
        select(HandoffEntry.case_id, HandoffEntry.claimed_by).where(
            HandoffEntry.case_id.in_(case_ids),
            HandoffEntry.status.in_(QUEUE_ACTIVE_STATUSES),
            HandoffEntry.claimed_by.is_not(None),
        )
    ).all()
    return {case_id: str(owner) for case_id, owner in rows}


def _detail(case: Case, deadline: CaseDeadline, owner: str | None, now: datetime) -> dict[str, Any]:
    product = case.order.product if case.order is not None else None
    return {
        "case_number": case.case_number,
        "deadline_kind": deadline.kind,
        "urgency": case.urgency,
        "category": case.category,
        "product": product,
        "owner": owner,
        "due_at": as_utc(deadline.due_at).isoformat(),
    }


def _alert_rows(
    session: Session,
    case: Case,
    deadline: CaseDeadline,
    owner: str | None,
    *,
    breach: bool,
    now: datetime,
) -> list[dict[str, Any]]:
    """The alerts one claimed deadline raises (an urgent breach also notes the case)."""
    detail = _detail(case, deadline, owner, now)
    what = (
        f"工单 {case.case_number}（{CATEGORY_ZH.get(case.category, case.category)}，"
        f"{URGENCY_ZH.get(case.urgency, case.urgency)}）的{KIND_ZH[deadline.kind]}时限"
    )
    target = as_utc(deadline.due_at if breach else deadline.warn_at)
    detail["late_seconds"] = round(max(0.0, (now - target).total_seconds()), 3)
    kind = "sla_breach" if breach else "sla_warning"
    if breach:
        detail["message_zh"] = f"{what}已于 {format_zh(deadline.due_at)} 超时。"
        audience = [owner or AGENTS, SUPERVISORS]
    else:
        detail["message_zh"] = f"{what}将于 {format_zh(deadline.due_at)} 到期，请尽快处理。"
        audience = [owner or AGENTS]
    common = {"at": now, "case_id": case.id, "product": detail["product"]}
    rows = [
        alert_values(
            kind=kind,
            dedupe_key=f"{kind}:deadline:{deadline.id}",
            detail=detail,
            audience=audience,
            category=case.category,
            **common,
        )
    ]
    if breach and case.urgency == "urgent":
        escalation = {**detail, "message_zh": f"紧急{what}已超时，已升级给主管，请立即跟进。"}
        rows.append(
            alert_values(
                kind="escalation",
                dedupe_key=f"escalation:deadline:{deadline.id}",
                detail=escalation,
                audience=[SUPERVISORS],
                category=case.category,
                **common,
            )
        )
        record_event(
            session,
            case,
            actor="system",
            kind="note",
            at=now,
            detail={"text": f"{KIND_ZH[deadline.kind]}超时，已升级给主管"},
        )
    return rows


def due_statement(now: datetime, dialect: str, limit: int = BATCH) -> Select[tuple[CaseDeadline]]:
    """Unmet deadlines whose warning or breach is due and not yet sent, claimed for update."""
    statement = (
        select(CaseDeadline)
        .where(
            CaseDeadline.met_at.is_(None),
            or_(
                and_(CaseDeadline.warned_at.is_(None), CaseDeadline.warn_at <= now),
                and_(CaseDeadline.breached_at.is_(None), CaseDeadline.due_at <= now),
            ),
        )
        .order_by(CaseDeadline.due_at, CaseDeadline.id)
        .limit(limit)
    )
    if dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return statement


def due_deadlines(session: Session, now: datetime, limit: int = BATCH) -> list[CaseDeadline]:
    """The due rows of :func:`due_statement`, on the session's database."""
    return list(session.scalars(due_statement(now, session.get_bind().dialect.name, limit)))


def sweep(session: Session, policy: DeadlinePolicy, now: datetime) -> SweepResult:
    """One sweep in the caller's transaction: track deadlines, then warn and alert once.

    A batch of due rows costs a handful of statements, whatever its size: claim the
    breaches, then the warnings (conditional updates), load the cases and owners, insert
    the alerts. Only the rows a claim changed raise anything.
    """
    now = as_utc(now)
    tracked = track_deadlines(session, policy, now)
    due = {deadline.id: deadline for deadline in due_deadlines(session, now)}
    breached = _claim(session, list(due), now, breach=True)
    warned = _claim(session, [i for i in due if i not in breached], now, breach=False)
    claimed = [due[i] for i in sorted(breached | warned, key=lambda i: (due[i].due_at, i))]
    case_ids = {deadline.case_id for deadline in claimed}
    cases = {
        case.id: case
        for case in session.scalars(
            select(Case).options(selectinload(Case.order)).where(Case.id.in_(case_ids))
        )
    }
    owners = _owners(session, case_ids) if case_ids else {}
    rows: list[dict[str, Any]] = []
    for deadline in claimed:
        case = cases.get(deadline.case_id)
        if case is not None:
            breach = deadline.id in breached
            owner = owners.get(case.id)
            rows += _alert_rows(session, case, deadline, owner, breach=breach, now=now)
    raised = raise_alerts(session, rows)
    if raised:
        log.info("sweeper raised %d alert(s)", len(raised))
    return SweepResult(tracked=tracked, alerts=raised)
