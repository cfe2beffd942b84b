"""Which triage results make the gateway call a human before the assistant sees the message."""

from __future__ import annotations

import pytest

from handoff.cases import TriageSummary
from handoff.gateway.screening import summary_of
from handoff.gateway.service import needs_human_now
from triage_model.predictor import TriageModel


def triage(urgency: str, reasons: list[str]) -> TriageSummary:
    return TriageSummary(
        category="quality",
        category_confidence=0.9,
        urgency=urgency,
        urgency_score=0.95 if urgency == "urgent" else 0.05,
        reasons=reasons,
    )


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (triage("urgent", ["safety_health:rule:冒烟", "safety_health:model:1.00"]), True),
        (triage("urgent", ["fraud_security:rule:被盗"]), True),
        # The model alone is enough: an urgent message escalates whoever judged it.
        (triage("urgent", ["safety_health:model:0.98"]), True),
        (triage("normal", ["safety_health:rule:冒烟"]), False),
        (triage("normal", []), False),
        (None, False),  # text the model refuses (emoji only...) goes to the assistant
    ],
)
def test_every_urgent_result_bypasses_the_assistant(
    result: TriageSummary | None, expected: bool
) -> None:
    assert needs_human_now(result) is expected


# Ordinary turns of a conversation, before, during and after the complaint form: none of
# them is urgent, so the assistant answers them.
CHAT = [
    "我的投诉处理到哪了",
    "我的案件TS20261122001进展如何",
    "工单TS241125-3XYZ现在什么进展",
    "转人工",
    "订单号 2024112212345678",
    "您好，请问有人在吗",
    "嗯，不是这个，我改一下",
    "给你们打4分吧",
    "你是不是自动回复的",
    "我想投诉一个商品",
]


@pytest.mark.parametrize("text", CHAT)
def test_ordinary_chat_stays_with_the_assistant(model: TriageModel, text: str) -> None:
    result = summary_of(model.predict(text))
    assert not needs_human_now(result), result


# Urgent at any point of a conversation; the first two only the model recognises (no rule
# names their words), so they escalate only because the model's verdict counts.
URGENT = [
    ("safety_health", "在吗？宝宝喝了你们的奶粉以后嘴唇发紫，一直哭"),
    ("fraud_security", "转人工，刚才收到一个自称你们客服的电话，让我下载会议软件共享屏幕"),
    ("fraud_security", "转人工，我的账号被人盗了"),
    ("repeated_failure", "我的投诉处理到哪了？我已经问了四次了"),
]


@pytest.mark.parametrize(("trigger", "text"), URGENT)
def test_urgent_messages_in_a_conversation_escalate(
    model: TriageModel, trigger: str, text: str
) -> None:
    result = summary_of(model.predict(text))
    assert needs_human_now(result), result
    assert any(reason.startswith(f"{trigger}:") for reason in result.reasons), result


def test_a_model_only_urgent_complaint_escalates(model: TriageModel) -> None:
    result = summary_of(model.predict(URGENT[0][1]))
    assert [reason.split(":")[1] for reason in result.reasons] == ["model"]
    assert needs_human_now(result)
