"""Constants and builders shared by the case-store tests (immutable; fixtures are in conftest)."""

from __future__ import annotations

from datetime import datetime, timezone

from handoff.cases import TriageSummary

NOW = datetime(2024, 11, 23, 6, 30, tzinfo=timezone.utc)  # 14:30 in Beijing
RICE_COOKER = "2024112212345678"
DEMO_SHOPPER = "demo-shopper"


def triage(urgency: str = "normal", category: str = "quality") -> TriageSummary:
    """A triage result as the model would give it."""
    score = 0.91 if urgency == "urgent" else 0.12
    reasons = ["safety_health"] if urgency == "urgent" else []
    return TriageSummary(category, 0.87, urgency, score, reasons)
