"""A case's audit trail as lines an agent reads: "09:22 演示客服 添加备注：请先冷水冲洗".

The events keep codes and old/new values (for trainers and reports); this module is the one
place that turns them into Chinese, in Beijing time, with agents' display names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from handoff.clock import CHINA_TZ, as_utc
from handoff.models import CaseEvent
from handoff.serialize import iso
from handoff.vocabulary_zh import (
    CASE_STATUS_NAMES_ZH,
    CATEGORY_NAMES_ZH,
    EVENT_KIND_NAMES_ZH,
    QUEUE_REASON_NAMES_ZH,
    RESOLUTION_NAMES_ZH,
    URGENCY_NAMES_ZH,
    reasons_zh,
)

FIXED_ACTORS_ZH: Final = {"bot": "智能客服", "shopper": "顾客", "system": "系统"}
_NOTE_PREVIEW_CHARS: Final = 200


def actor_zh(actor: str, agent_names: Mapping[str, str]) -> str:
    """``agent:demo`` → the agent's display name (演示客服); bot/shopper/system in Chinese."""
    if actor.startswith("agent:"):
        name = actor.removeprefix("agent:")
        return agent_names.get(name, name)
    return FIXED_ACTORS_ZH.get(actor, "系统")


def _change(table: Mapping[str, str], change: Any) -> str:
    if not isinstance(change, dict):
        return ""
    before = table.get(str(change.get("from")), "未知")
    after = table.get(str(change.get("to")), "未知")
    return f"{before} → {after}"


def event_text_zh(kind: str, detail: Mapping[str, Any]) -> str:
    """What happened, in one Chinese phrase (no codes, no JSON)."""
    name = EVENT_KIND_NAMES_ZH.get(kind, "其他操作")
    if kind == "opened":
        category = CATEGORY_NAMES_ZH.get(str(detail.get("category")), "未分类")
        urgency = URGENCY_NAMES_ZH.get(str(detail.get("urgency")), "普通")
        reasons = reasons_zh([str(r) for r in detail.get("triage_reasons") or []])
        why = f"（{'、'.join(reasons)}）" if reasons else ""
        order = f"，订单 {detail['order_id']}" if detail.get("order_id") else ""
        return f"{name}：{category}，{urgency}{why}{order}"
    if kind in {"handed_to_human", "priority_raised"}:
        reason = QUEUE_REASON_NAMES_ZH.get(str(detail.get("reason")), "")
        return f"{name}：{reason}" if reason else name
    if kind in {"status_changed", "reopened"}:
        return f"{name}：{_change(CASE_STATUS_NAMES_ZH, detail)}"
    if kind == "triage_corrected":
        parts = []
        if "category" in detail:
            parts.append(f"分类 {_change(CATEGORY_NAMES_ZH, detail['category'])}")
        if "urgency" in detail:
            parts.append(f"紧急程度 {_change(URGENCY_NAMES_ZH, detail['urgency'])}")
        return f"{name}：{'，'.join(parts)}" if parts else name
    if kind == "note":
        return f"{name}：{str(detail.get('text', ''))[:_NOTE_PREVIEW_CHARS]}"
    if kind == "resolved":
        outcome = RESOLUTION_NAMES_ZH.get(str(detail.get("resolution")), "其他")
        note = f"，说明：{detail['note']}" if detail.get("note") else ""
        return f"{name}：{outcome}{note}"
    if kind == "rated":
        comment = f"，“{detail['comment']}”" if detail.get("comment") else ""
        return f"{name}：{detail.get('rating')} 分{comment}"
    return name


def history_line(event: CaseEvent, agent_names: Mapping[str, str]) -> dict[str, Any]:
    """One history row: Beijing date and time, who, what, and the line as a whole."""
    local = as_utc(event.at).astimezone(CHINA_TZ)
    time_zh = f"{local:%H:%M}"
    who = actor_zh(event.actor, agent_names)
    text = event_text_zh(event.kind, event.detail or {})
    return {
        "at": iso(event.at),
        "date_zh": f"{local.month}月{local.day}日",
        "time_zh": time_zh,
        "actor_zh": who,
        "kind": event.kind,
        "text_zh": text,
        "line_zh": f"{time_zh} {who} {text}",
    }
