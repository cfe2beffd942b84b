"""Which triage results make the gateway call a human before the assistant sees the message."""

from __future__ import annotations

import pytest

from handoff.cases import TriageSummary
from handoff.gateway.service import needs_human_now


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
        # A model-only "urgent" (e.g. on "我的投诉处理到哪了") goes to the assistant's flow.
        (triage("urgent", ["external_threat:model:0.93"]), False),
        (triage("normal", ["safety_health:rule:冒烟"]), False),
        (None, False),
    ],
)
def test_only_rule_backed_urgency_bypasses_the_assistant(
    result: TriageSummary | None, expected: bool
) -> None:
    assert needs_human_now(result) is expected
