"""The Chinese names people read for every code the case store keeps.

One table for the server and the console: the console loads it from
``/agent/api/vocabulary`` at start, and server-side text (history lines, queue cards) is
written from it, so a category reads 商品质量 everywhere and never ``quality``. The codes are
the closed sets of :mod:`handoff.vocabulary`; a test checks that every code has a name.
"""

from __future__ import annotations

from typing import Final

from handoff.status_text import RESOLUTION_NAMES_ZH as SHOPPER_RESOLUTION_NAMES_ZH
from triage_model.labels import CATEGORY_NAMES_ZH, TRIGGER_NAMES_ZH

__all__ = [
    "CASE_STATUS_NAMES_ZH",
    "CATEGORY_NAMES_ZH",
    "EVENT_KIND_NAMES_ZH",
    "PRIORITY_NAMES_ZH",
    "QUEUE_REASON_NAMES_ZH",
    "QUEUE_STATUS_NAMES_ZH",
    "RESOLUTION_NAMES_ZH",
    "ROLE_NAMES_ZH",
    "SHOPPER_RESOLUTION_NAMES_ZH",
    "TRIGGER_NAMES_ZH",
    "TRIGGER_SHORT_NAMES_ZH",
    "URGENCY_NAMES_ZH",
    "name_zh",
    "reason_zh",
    "reasons_zh",
    "vocabulary_zh",
]

URGENCY_NAMES_ZH: Final = {"urgent": "紧急", "normal": "普通"}
PRIORITY_NAMES_ZH: Final = URGENCY_NAMES_ZH

CASE_STATUS_NAMES_ZH: Final = {
    "open": "待接手",
    "in_progress": "处理中",
    "pending_shopper": "等待顾客回复",
    "resolved": "已解决",
}

#: What the agent chose (the shopper reads :data:`SHOPPER_RESOLUTION_NAMES_ZH`).
RESOLUTION_NAMES_ZH: Final = {
    "refund": "退款",
    "return": "退货退款",
    "exchange": "换货",
    "compensation": "补偿",
    "explanation": "解释说明",
    "other": "其他",
}

QUEUE_STATUS_NAMES_ZH: Final = {"waiting": "排队中", "claimed": "处理中", "done": "已结束"}

#: Why a conversation was queued (``HandoffEntry.reason``).
QUEUE_REASON_NAMES_ZH: Final = {
    "urgent_message": "紧急消息",
    "shopper_request": "顾客要求人工",
    "urgent_complaint": "紧急投诉",
    "reopened": "工单重新打开",
}

#: Card-sized names of the six urgency triggers.
TRIGGER_SHORT_NAMES_ZH: Final = {
    "safety_health": "人身安全",
    "external_threat": "外部投诉",
    "fraud_security": "欺诈/账户安全",
    "repeated_failure": "多次未解决",
    "large_loss": "重大损失",
    "severe_distress": "情绪激动",
}

EVENT_KIND_NAMES_ZH: Final = {
    "opened": "创建工单",
    "handed_to_human": "转人工",
    "priority_raised": "升为紧急",
    "claimed": "接手",
    "first_response": "首次回复",
    "status_changed": "修改状态",
    "triage_corrected": "修正分类",
    "note": "添加备注",
    "resolved": "解决",
    "reopened": "重新打开",
    "rated": "顾客评价",
}

ROLE_NAMES_ZH: Final = {
    "agent": "客服",
    "trainer": "训练师",
    "supervisor": "主管",
    "admin": "管理员",
}

_TABLES: Final = {
    "category": CATEGORY_NAMES_ZH,
    "urgency": URGENCY_NAMES_ZH,
    "priority": PRIORITY_NAMES_ZH,
    "status": CASE_STATUS_NAMES_ZH,
    "resolution": RESOLUTION_NAMES_ZH,
    "queue_status": QUEUE_STATUS_NAMES_ZH,
    "queue_reason": QUEUE_REASON_NAMES_ZH,
    "trigger": TRIGGER_SHORT_NAMES_ZH,
    "event": EVENT_KIND_NAMES_ZH,
    "role": ROLE_NAMES_ZH,
}


def name_zh(kind: str, code: str | None, default: str = "未知") -> str:
    """The Chinese name of ``code`` in the table ``kind``; ``default`` for a missing code.

    An unknown code reads as ``default`` rather than the code itself, so a value added to
    the store without a name here never puts English on an agent's screen.
    """
    if code is None:
        return default
    return _TABLES[kind].get(code, default)


def reason_zh(reason: str) -> str:
    """``safety_health:rule:冒烟`` → ``人身安全·冒烟``; a model-only reason names the trigger.

    The evidence of a rule is the shopper's own words (冒烟, 12315, 曝光), which tell the agent
    more than the trigger's name; the model's evidence is a probability and is left out.
    """
    trigger, _, rest = reason.partition(":")
    source, _, evidence = rest.partition(":")
    name = TRIGGER_SHORT_NAMES_ZH.get(trigger, "其他原因")
    if source == "rule" and evidence.strip():
        return f"{name}·{evidence.strip()[:12]}"
    return name


def reasons_zh(reasons: list[str]) -> list[str]:
    """One entry per trigger with its rules' words: ``["人身安全·冒烟、烫伤", "外部投诉·12315"]``.

    The triage stores a rule reason per matched pattern and often a model reason for the
    same trigger as well; an agent needs each trigger once, with the shopper's words.
    """
    words: dict[str, list[str]] = {}
    for reason in reasons:
        trigger, _, rest = reason.partition(":")
        source, _, evidence = rest.partition(":")
        found = words.setdefault(trigger, [])
        evidence = evidence.strip()[:12]
        if source == "rule" and evidence and evidence not in found:
            found.append(evidence)
    return [
        f"{TRIGGER_SHORT_NAMES_ZH.get(trigger, '其他原因')}"
        + (f"·{'、'.join(found[:3])}" if found else "")
        for trigger, found in words.items()
    ]


def vocabulary_zh() -> dict[str, dict[str, str]]:
    """Every table, for the console (``GET /agent/api/vocabulary``)."""
    return {kind: dict(table) for kind, table in _TABLES.items()}
