"""Chinese names of the trainer workbench's codes (the page never shows a code)."""

from __future__ import annotations

from typing import Final

#: What each intent means, in a trainer's words.
INTENT_NAMES_ZH: Final = {
    "greet": "打招呼",
    "goodbye": "告别",
    "thanks": "感谢",
    "complain": "投诉 / 反映问题",
    "give_order_number": "提供订单号",
    "no_order_number": "没有订单号",
    "check_progress": "查询进度",
    "request_human": "转人工",
    "affirm": "肯定 / 确认",
    "deny": "否定",
    "rate_service": "评价服务",
    "out_of_scope": "与客服无关",
    "bot_challenge": "问是不是机器人",
    "ask_capabilities": "问能做什么",
    "send_photo": "发送图片",
}

REASON_NAMES_ZH: Final = {
    "agent_correction": "客服修正过",
    "fallback": "助手没听懂",
    "low_confidence": "意图置信度低",
    "ambiguous": "两个意图难分",
    "rephrased": "顾客随后换了说法",
    "asked_for_human": "顾客随后要求转人工",
    "low_category_confidence": "分类置信度低",
    "urgency_borderline": "紧急程度临界",
}

ITEM_KIND_NAMES_ZH: Final = {"intent": "意图", "triage": "投诉分类"}
ITEM_STATUS_NAMES_ZH: Final = {"open": "待处理", "labelled": "已标注", "ignored": "已忽略"}
ACTION_NAMES_ZH: Final = {
    "confirm": "确认",
    "relabel": "改标",
    "ignore": "忽略",
    "undo": "撤销",
    "import": "导入",
}
JOB_STATUS_NAMES_ZH: Final = {
    "queued": "排队中",
    "running": "训练中",
    "succeeded": "已完成",
    "failed": "失败",
}
VERSION_STATUS_NAMES_ZH: Final = {
    "candidate": "候选",
    "promoted": "上线过",
    "discarded": "已丢弃",
    "unregistered": "旧版本",
}
CHANGE_KIND_NAMES_ZH: Final = {"fixed": "改对了", "broken": "改错了", "changed": "仍然不对"}
SET_NAMES_ZH: Final = {"heldout": "留出测试集", "recent": "近期对话（复核后留出）"}


def training_vocabulary() -> dict[str, dict[str, str]]:
    """The tables the 训练 page reads (beside the console's own vocabulary)."""
    return {
        "intent": dict(INTENT_NAMES_ZH),
        "review_reason": dict(REASON_NAMES_ZH),
        "item_kind": dict(ITEM_KIND_NAMES_ZH),
        "item_status": dict(ITEM_STATUS_NAMES_ZH),
        "review_action": dict(ACTION_NAMES_ZH),
        "job_status": dict(JOB_STATUS_NAMES_ZH),
        "version_status": dict(VERSION_STATUS_NAMES_ZH),
        "change_kind": dict(CHANGE_KIND_NAMES_ZH),
        "eval_set": dict(SET_NAMES_ZH),
    }
