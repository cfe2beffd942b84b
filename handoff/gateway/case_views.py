"""The 工单 side of the console: search, one case's page, notes, corrections, reopening, and
opening a case for a chat that has none.

A case page works whether or not anyone is chatting: notes and corrections need no claimed
chat. Reopening a resolved case puts its conversation back with the agent who reopened it,
so they can write to the shopper at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from handoff.case_search import CaseQuery, search_cases
from handoff.case_work import add_note, correct_triage, set_status
from handoff.cases import TriageSummary, UnknownOrderError, find_case, open_case
from handoff.clock import utc_now
from handoff.console_present import agent_names, case_view, complaint_text
from handoff.events import record_event
from handoff.gateway.access import json_error, request_agent, requires_role
from handoff.gateway.agent_views import json_body
from handoff.gateway.hub import QUEUE_TOPIC
from handoff.gateway.keys import GATEWAY
from handoff.gateway.service import AgentRef, Gateway
from handoff.messages import messages_after, store_message
from handoff.models import Case
from handoff.orders import normalize_order_id
from handoff.queue import active_entry, claim_entry, queue_for_human
from handoff.vocabulary import CASE_STATUSES, CATEGORIES, URGENCIES
from handoff.vocabulary_zh import name_zh

MAX_SEARCH_CHARS = 100


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise json_error("筛选条件不正确。", 400)
    return value


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise json_error("日期格式不正确。", 400) from None


def _page(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        raise json_error("页码不正确。", 400) from None


def parse_case_query(params: Any) -> CaseQuery:
    """The 工单 page's query string as a :class:`CaseQuery`; bad values are a 400."""
    return CaseQuery(
        text=str(params.get("q", ""))[:MAX_SEARCH_CHARS],
        status=_choice(params.get("status"), CASE_STATUSES),
        category=_choice(params.get("category"), CATEGORIES),
        urgency=_choice(params.get("urgency"), URGENCIES),
        agent=(params.get("agent") or "").strip().lower()[:64] or None,
        opened_from=_day(params.get("from")),
        opened_to=_day(params.get("to")),
        page=_page(params.get("page")),
    )


@requires_role("agent", "supervisor")
async def list_cases(request: web.Request) -> web.Response:
    query = parse_case_query(request.query)

    def work(session: Session) -> dict[str, Any]:
        total, cases = search_cases(session, query)
        names = agent_names(session)
        return {
            "total": total,
            "page": query.page,
            "page_size": query.page_size,
            "cases": [case_view(c, names, history=False) for c in cases],
        }

    return web.json_response(await request.app[GATEWAY].db(work))


def _case_or_404(session: Session, key: str) -> Case:
    case = find_case(session, key)
    if case is None:
        raise json_error("没有找到这个工单。", 404)
    return case


def case_page(gateway: Gateway, session: Session, agent: AgentRef, key: str) -> dict[str, Any]:
    """One case with its full history, rating, transcript and live chat (if any)."""
    case = _case_or_404(session, key)
    names = agent_names(session)
    entry = active_entry(session, case.conversation_id)
    claimed_by = (entry.claimed_by or "").removeprefix("agent:") if entry else ""
    return {
        **case_view(case, names),
        "chat": None
        if entry is None
        else {
            "status_zh": name_zh("queue_status", entry.status),
            "claimed_by_zh": names.get(claimed_by, claimed_by) if claimed_by else None,
            "mine": entry.claimed_by == agent.actor,
        },
        "messages": [
            gateway.message_dict(m) for m in messages_after(session, case.conversation_id)
        ],
    }


@requires_role("agent", "supervisor")
async def show_case(request: web.Request) -> web.Response:
    agent = request_agent(request)
    gateway = request.app[GATEWAY]
    key = request.match_info["case_number"]
    return web.json_response(await gateway.db(lambda s: case_page(gateway, s, agent, key)))


def _apply(session: Session, agent: AgentRef, key: str, action: str, body: dict[str, Any]) -> str:
    case = _case_or_404(session, key)
    if action == "note":
        text = str(body.get("text", "")).strip()
        if not text:
            raise json_error("请先写下备注内容。", 400)
        add_note(session, case, text[:2000], actor=agent.actor)
    elif action == "correct":
        category = _choice(body.get("category") or None, CATEGORIES)
        urgency = _choice(body.get("urgency") or None, URGENCIES)
        correct_triage(session, case, actor=agent.actor, category=category, urgency=urgency)
    elif action == "reopen":
        if case.status != "resolved":
            raise json_error("这个工单还没有解决，不需要重新打开。", 409)
        set_status(session, case, "in_progress", actor=agent.actor)
        if active_entry(session, case.conversation_id) is None:
            entry = queue_for_human(
                session,
                case,
                conversation_id=case.conversation_id,
                shopper_id=case.shopper_id,
                reason="reopened",
                priority=case.urgency,
            )
            claim_entry(session, entry, agent=agent.actor)
            store_message(
                session,
                conversation_id=case.conversation_id,
                shopper_id=case.shopper_id,
                sender="system",
                text=f"您的工单 {case.case_number} 已重新打开，人工客服 {agent.display_name}"
                " 会继续为您处理。",
            )
    else:
        raise web.HTTPNotFound()
    return case.conversation_id


@requires_role("agent")
async def case_action(request: web.Request) -> web.Response:
    """note / correct / reopen on a case page."""
    agent = request_agent(request)
    gateway = request.app[GATEWAY]
    key, action = request.match_info["case_number"], request.match_info["action"]
    body = await json_body(request)
    conversation_id = await gateway.db(lambda s: _apply(s, agent, key, action, body))
    gateway.hub.changed(conversation_id, {"type": "case_changed"})
    gateway.hub.changed(QUEUE_TOPIC)
    return web.json_response({"ok": True, "conversation_id": conversation_id})


def _open_for_chat(
    session: Session, agent: AgentRef, conversation_id: str, body: dict[str, Any]
) -> str:
    entry = active_entry(session, conversation_id)
    if entry is None or entry.status != "claimed" or entry.claimed_by != agent.actor:
        raise json_error("请先接手这个会话，再为它创建工单。", 409)
    if entry.case is not None:
        raise json_error(f"这个会话已有工单 {entry.case.case_number}。", 409)
    category = _choice(body.get("category") or None, CATEGORIES)
    urgency = _choice(body.get("urgency") or None, URGENCIES) or entry.priority
    if category is None:
        raise json_error("请选择工单分类。", 400)
    description = str(body.get("description") or "").strip()[:2000]
    description = description or complaint_text(session, conversation_id, None) or "（人工创建）"
    raw_order = str(body.get("order_id") or "").strip()
    order_id = normalize_order_id(raw_order) if raw_order else None
    if raw_order and order_id is None:
        raise json_error("订单号格式不正确。", 400)
    try:
        case, _ = open_case(
            session,
            conversation_id=conversation_id,
            shopper_id=entry.shopper_id,
            order_id=order_id,
            description=description,
            triage=TriageSummary(
                category=category,
                category_confidence=1.0,
                urgency=urgency,
                urgency_score=1.0 if urgency == "urgent" else 0.0,
            ),
            dedupe_key=f"console:{entry.id}",
        )
    except UnknownOrderError:
        raise json_error("没有找到这个订单号。", 400) from None
    queue_for_human(
        session,
        case,
        conversation_id=conversation_id,
        shopper_id=entry.shopper_id,
        reason=entry.reason,
        priority=entry.priority,
    )
    set_status(session, case, "in_progress", actor=agent.actor)
    record_event(
        session,
        case,
        actor=agent.actor,
        kind="claimed",
        at=utc_now(),
        detail={"queue_entry_id": entry.id},
    )
    return case.case_number


@requires_role("agent")
async def create_case(request: web.Request) -> web.Response:
    """A case for the claimed chat that has none (转人工 without a complaint form)."""
    agent = request_agent(request)
    gateway = request.app[GATEWAY]
    conversation_id = request.match_info["conversation_id"]
    body = await json_body(request)
    number = await gateway.db(lambda s: _open_for_chat(s, agent, conversation_id, body))
    gateway.hub.changed(conversation_id, {"type": "case_changed"})
    gateway.hub.changed(QUEUE_TOPIC)
    return web.json_response({"ok": True, "case_number": number})
