"""Service-level deadlines: how soon a case gets its first answer and its resolution.

Urgent cases (safety, threats, fraud, repeated failure, large loss, distress; see
../shared/triage-labels.md) must reach a person within the hour; ordinary ones within a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final, NamedTuple

from handoff.clock import as_utc
from handoff.vocabulary import URGENCIES


class SlaPolicy(NamedTuple):
    first_response: timedelta
    resolution: timedelta


SLA_POLICIES: Final[dict[str, SlaPolicy]] = {
    "urgent": SlaPolicy(first_response=timedelta(hours=1), resolution=timedelta(hours=24)),
    "normal": SlaPolicy(first_response=timedelta(hours=24), resolution=timedelta(hours=72)),
}


def sla_deadlines(urgency: str, opened_at: datetime) -> tuple[datetime, datetime]:
    """``(first_response_due, resolution_due)`` of a case of ``urgency`` opened then."""
    if urgency not in URGENCIES:
        raise ValueError(f"unknown urgency {urgency!r}; expected one of {URGENCIES}")
    policy = SLA_POLICIES[urgency]
    start = as_utc(opened_at)
    return start + policy.first_response, start + policy.resolution
