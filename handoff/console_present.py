"""Cases, orders and queue entries as the console shows them: Chinese names beside the codes.

The console renders these dicts; it never prints a code. Codes stay in the dict for the
pickers and filters (which send them back), each next to its ``*_zh`` name. Times are ISO
strings for the console to count with and format in Beijing time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.case_history import history_line
from handoff.chat_models import Agent, Message
from handoff.clock import CHINA_TZ, as_utc
from handoff.models import Case, Order
from handoff.serialize import iso
from handoff.vocabulary_zh import name_zh, reasons_zh

ANON_PREFIX: Final = "anon-"
#: Shopper messages that say nothing about the problem: never a queue card's complaint text.
_CONTENTLESS: Final = frozenset(
    {"转人工", "人工", "人工客服", "找人工", "你好", "您好", "在吗", "hi", "hello", "谢谢"}
)


def shopper_label(shopper_id: str) -> str:
    """What an agent calls a shopper: the shop's id, or 访客 + four characters for anonymous."""
    if shopper_id.startswith(ANON_PREFIX):
        return f"访客 {shopper_id[len(ANON_PREFIX) :][:4].upper()}"
    return shopper_id


def agent_names(session: Session) -> dict[str, str]:
    """Login name → display name of every agent."""
    return {a.name: a.display_name for a in session.scalars(select(Agent))}


def beijing_zh(value: Any) -> str | None:
    """``12月2日 09:22`` in Beijing time."""
    if value is None:
        return None
    local = as_utc(value).astimezone(CHINA_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def order_view(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "product": order.product,
        "amount_yuan": str(order.amount_yuan),
        "status_zh": order.status,  # the order system's own Chinese state
        "ordered_zh": beijing_zh(order.ordered_at),
    }


def category_corrected(case: Case) -> bool:
    """Whether an agent changed the model's category (its confidence then means nothing)."""
    return any(e.kind == "triage_corrected" and "category" in e.detail for e in case.events)


def case_agent(case: Case) -> str | None:
    """Login name of the agent who last took the case."""
    for event in reversed(case.events):
        if event.kind == "claimed" and event.actor.startswith("agent:"):
            return event.actor.removeprefix("agent:")
    return None


def case_view(case: Case, names: Mapping[str, str], *, history: bool = True) -> dict[str, Any]:
    """One case for the console; ``history`` adds the readable audit trail."""
    corrected = category_corrected(case)
    agent = case_agent(case)
    view: dict[str, Any] = {
        "id": case.id,
        "case_number": case.case_number,
        "conversation_id": case.conversation_id,
        "shopper_id": case.shopper_id,
        "shopper_zh": shopper_label(case.shopper_id),
        "order_id": case.order_id,
        "order": order_view(case.order) if case.order is not None else None,
        "description": case.description,
        "category": case.category,
        "category_zh": name_zh("category", case.category),
        "category_corrected": corrected,
        "category_confidence": None if corrected else round(case.category_confidence, 2),
        "urgency": case.urgency,
        "urgency_zh": name_zh("urgency", case.urgency),
        "reasons_zh": reasons_zh(list(case.triage_reasons or [])),
        "status": case.status,
        "status_zh": name_zh("status", case.status),
        "agent": agent,
        "agent_zh": names.get(agent, agent) if agent else None,
        "created_at": iso(case.created_at),
        "created_zh": beijing_zh(case.created_at),
        "first_response_due": iso(case.first_response_due),
        "first_response_due_zh": beijing_zh(case.first_response_due),
        "first_response_at": iso(case.first_response_at),
        "resolution_due": iso(case.resolution_due),
        "resolution_due_zh": beijing_zh(case.resolution_due),
        "resolved_zh": beijing_zh(case.resolved_at),
        "resolution": case.resolution,
        "resolution_zh": name_zh("resolution", case.resolution, "") if case.resolution else None,
        "resolution_note": case.resolution_note,
        "rating": case.rating,
        "rating_comment": case.rating_comment,
    }
    if history:
        view["history"] = [history_line(e, names) for e in case.events]
    return view


def complaint_text(session: Session, conversation_id: str, case: Case | None) -> str:
    """What the shopper complained about: the case's description, else their last real message.

    "转人工" or "你好" tells the agent nothing; the newest message with content does.
    """
    if case is not None and case.description.strip():
        return case.description
    recent = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.sender == "shopper")
        .order_by(Message.id.desc())
        .limit(20)
    )
    fallback = ""
    for message in recent:
        text = (message.display_text or message.text or "").strip()
        if not text or text.startswith("/"):
            continue
        fallback = fallback or text
        if text.lower().strip("!！?？。. ") not in _CONTENTLESS and len(text) >= 4:
            return text
    return fallback
