"""The emergency plan (应急预案) as data: declare, inform affected shoppers, route, close.

The seeds' steps map onto this module: *confirm the scope* (an incident is declared from a
surge alert, naming one product or category, with the alert's cases grouped under it);
*a response per category* and *keep customers informed* (the supervisor approves a message
that the assistant tells every affected shopper who writes in, once each, and their chats
go to the front of the queue for the chosen team); *summarise and improve* (closing needs a
summary and the improvements decided). Every step is a line of the incident's timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from handoff.clock import as_utc
from handoff.conflicts import insert_unless_duplicate
from handoff.events import record_event
from handoff.models import Case, HandoffEntry, Order
from handoff.serialize import iso
from handoff.supervision_models import (
    Alert,
    Incident,
    IncidentCase,
    IncidentEvent,
    IncidentNotice,
)
from handoff.vocabulary import CATEGORIES

MAX_MESSAGE_CHARS: Final = 500
MAX_TITLE_CHARS: Final = 100
#: Cases opened this long before the declaration still count as affected.
SCOPE_LOOKBACK: Final = timedelta(hours=48)
DEFAULT_MESSAGE_ZH: Final = (
    "我们已经注意到{what}的问题，正在加急处理，处理进展会第一时间告诉您。给您带来不便，非常抱歉。"
)


class IncidentError(ValueError):
    """A refused incident action; the message is Chinese and shown to the supervisor."""


def suggested_message(scope: str, value: str) -> str:
    """A first draft of the notice for the supervisor to edit and approve."""
    from handoff.reporting.compute import CATEGORY_ZH

    what = value if scope == "product" else f"{CATEGORY_ZH.get(value, value)}方面"
    return DEFAULT_MESSAGE_ZH.format(what=what)


def _event(
    session: Session, incident: Incident, at: datetime, actor: str, kind: str, **detail: Any
) -> None:
    session.add(
        IncidentEvent(incident_id=incident.id, at=as_utc(at), actor=actor, kind=kind, detail=detail)
    )


def _link(session: Session, incident: Incident, case_id: int, at: datetime) -> bool:
    return insert_unless_duplicate(
        session,
        IncidentCase,
        {"incident_id": incident.id, "case_id": case_id, "added_at": as_utc(at)},
    )


def _in_scope(scope: str, value: str) -> Any:
    return Order.product == value if scope == "product" else Case.category == value


def _scoped_cases(session: Session, scope: str, value: str, since: datetime) -> list[int]:
    return list(
        session.scalars(
            select(Case.id)
            .outerjoin(Order, Order.order_id == Case.order_id)
            .where(_in_scope(scope, value), Case.created_at >= since)
        )
    )


def declare(
    session: Session,
    *,
    by: str,
    now: datetime,
    message_zh: str,
    team: list[str],
    alert_id: int | None = None,
    scope: str | None = None,
    value: str | None = None,
    title: str | None = None,
) -> Incident:
    """Declare an incident from a surge alert (or a scope named by hand)."""
    alert = session.get(Alert, alert_id) if alert_id is not None else None
    if alert_id is not None and alert is None:
        raise IncidentError("没有这条警报。")
    if alert is not None:
        scope = str(alert.detail.get("scope", "product"))
        value = str(alert.detail.get(scope) or alert.product or alert.category)
    if scope not in ("product", "category") or not value:
        raise IncidentError("请选择受影响的商品或类别。")
    if scope == "category" and value not in CATEGORIES:
        raise IncidentError("没有这个类别。")
    message = " ".join(message_zh.split())[:MAX_MESSAGE_CHARS]
    if not message:
        raise IncidentError("请填写发给顾客的说明。")
    existing = session.scalars(
        select(Incident).where(
            Incident.status == "open", Incident.scope == scope, Incident.scope_value == value
        )
    ).first()
    if existing is not None:
        raise IncidentError(
            f"这个范围已有进行中的应急事件（#{existing.id}）。",
        )
    at = as_utc(now)
    incident = Incident(
        title=(title or "").strip()[:MAX_TITLE_CHARS] or f"{value} 投诉激增",
        status="open",
        scope=scope,
        scope_value=value,
        alert_id=alert.id if alert is not None else None,
        message_zh=message,
        team=[name.strip().lower() for name in team if name.strip()],
        declared_by=by,
        declared_at=at,
        improvements=[],
    )
    session.add(incident)
    session.flush()
    case_ids = set(_scoped_cases(session, scope, value, at - SCOPE_LOOKBACK))
    if alert is not None:
        case_ids.update(int(i) for i in alert.detail.get("case_ids", []))
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = at, by
    for case_id in sorted(case_ids):
        _link(session, incident, case_id, at)
    _event(session, incident, at, by, "declared", cases=len(case_ids), team=incident.team)
    _event(session, incident, at, by, "message_approved", message_zh=message)
    _raise_queue_priority(session, incident, at)
    return incident


def _raise_queue_priority(session: Session, incident: Incident, at: datetime) -> int:
    """Waiting chats of the incident's cases go to the front of the queue (urgent)."""
    entries = session.scalars(
        select(HandoffEntry)
        .join(IncidentCase, IncidentCase.case_id == HandoffEntry.case_id)
        .where(
            IncidentCase.incident_id == incident.id,
            HandoffEntry.status == "waiting",
            HandoffEntry.priority != "urgent",
        )
    ).all()
    for entry in entries:
        entry.priority = "urgent"
        if entry.case is not None:
            team = "、".join(incident.team) or "值班客服"
            record_event(
                session,
                entry.case,
                actor="system",
                kind="note",
                at=at,
                detail={"text": f"应急事件 #{incident.id}「{incident.title}」：请{team}优先处理"},
            )
    return len(entries)


def affecting(
    session: Session, shopper_id: str, now: datetime
) -> list[tuple[Incident, int | None]]:
    """Open incidents that affect this shopper, each with the shopper's case in scope (if any).

    Affected: a case linked to the incident, or a recent case or an order in its scope.
    """
    incidents = session.scalars(select(Incident).where(Incident.status == "open")).all()
    found: list[tuple[Incident, int | None]] = []
    for incident in incidents:
        since = as_utc(incident.declared_at) - SCOPE_LOOKBACK
        case_id = session.scalar(
            select(Case.id)
            .outerjoin(Order, Order.order_id == Case.order_id)
            .outerjoin(
                IncidentCase,
                (IncidentCase.case_id == Case.id) & (IncidentCase.incident_id == incident.id),
            )
            .where(
                Case.shopper_id == shopper_id,
                or_(
                    IncidentCase.case_id.is_not(None),
                    _in_scope(incident.scope, incident.scope_value) & (Case.created_at >= since),
                ),
            )
            .order_by(Case.id.desc())
            .limit(1)
        )
        has_order = incident.scope == "product" and (
            session.scalar(
                select(Order.order_id).where(
                    Order.shopper_id == shopper_id, Order.product == incident.scope_value
                )
            )
            is not None
        )
        if case_id is not None or has_order:
            found.append((incident, case_id))
    return found


def notice_for(
    session: Session, *, conversation_id: str, shopper_id: str, now: datetime
) -> list[str]:
    """The approved messages to tell this shopper now (each incident once per conversation).

    Telling is recorded (notice row, timeline line, the shopper's case linked) and the
    shopper's waiting chat is moved to the front of the queue.
    """
    at = as_utc(now)
    messages = []
    for incident, case_id in affecting(session, shopper_id, at):
        fresh = insert_unless_duplicate(
            session,
            IncidentNotice,
            {"incident_id": incident.id, "conversation_id": conversation_id, "told_at": at},
        )
        if not fresh:
            continue
        if case_id is not None:
            _link(session, incident, case_id, at)
        _event(
            session,
            incident,
            at,
            "bot",
            "shopper_told",
            conversation_id=conversation_id,
            case_id=case_id,
        )
        _raise_queue_priority(session, incident, at)
        messages.append(incident.message_zh)
    return messages


def add_note(session: Session, incident: Incident, text: str, *, by: str, now: datetime) -> None:
    """A line on the timeline (what was found, what was done)."""
    cleaned = " ".join(text.split())[:MAX_MESSAGE_CHARS]
    if not cleaned:
        raise IncidentError("请填写内容。")
    _event(session, incident, now, by, "note", text=cleaned)


def update_message(
    session: Session, incident: Incident, message_zh: str, *, by: str, now: datetime
) -> None:
    """Approve a new notice (shoppers told from now on hear the new one)."""
    if incident.status != "open":
        raise IncidentError("应急事件已结束。")
    message = " ".join(message_zh.split())[:MAX_MESSAGE_CHARS]
    if not message:
        raise IncidentError("请填写发给顾客的说明。")
    incident.message_zh = message
    _event(session, incident, now, by, "message_approved", message_zh=message)


def close(
    session: Session,
    incident: Incident,
    *,
    summary: str,
    improvements: list[str],
    by: str,
    now: datetime,
) -> None:
    """Close with the summary and the improvements decided (总结与改进); both are required."""
    if incident.status != "open":
        raise IncidentError("应急事件已经结束了。")
    cleaned = summary.strip()[:2000]
    decided = [i.strip()[:200] for i in improvements if i.strip()][:20]
    if not cleaned:
        raise IncidentError("请填写事件总结。")
    if not decided:
        raise IncidentError("请至少填写一条改进措施。")
    at = as_utc(now)
    incident.status, incident.closed_at = "closed", at
    incident.summary, incident.improvements = cleaned, decided
    _event(session, incident, at, by, "closed", summary=cleaned, improvements=decided)


def incident_dict(session: Session, incident: Incident, *, full: bool = False) -> dict[str, Any]:
    """An incident for the console; ``full`` adds the timeline and the cases."""
    linked = session.execute(
        select(Case.case_number, Case.status, Case.category, Case.description, Case.shopper_id)
        .join(IncidentCase, IncidentCase.case_id == Case.id)
        .where(IncidentCase.incident_id == incident.id)
        .order_by(Case.created_at)
    ).all()
    told = session.scalars(
        select(IncidentNotice.id).where(IncidentNotice.incident_id == incident.id)
    ).all()
    result: dict[str, Any] = {
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "scope": incident.scope,
        "scope_value": incident.scope_value,
        "alert_id": incident.alert_id,
        "message_zh": incident.message_zh,
        "team": list(incident.team),
        "declared_by": incident.declared_by,
        "declared_at": iso(incident.declared_at),
        "closed_at": iso(incident.closed_at),
        "summary": incident.summary,
        "improvements": list(incident.improvements),
        "case_count": len(linked),
        "shoppers_told": len(told),
    }
    if full:
        result["cases"] = [
            {"case_number": n, "status": s, "category": c, "description": d}
            for n, s, c, d, _ in linked
        ]
        result["timeline"] = [
            {"at": iso(e.at), "actor": e.actor, "kind": e.kind, "detail": e.detail}
            for e in session.scalars(
                select(IncidentEvent)
                .where(IncidentEvent.incident_id == incident.id)
                .order_by(IncidentEvent.at, IncidentEvent.id)
            )
        ]
    return result
