"""The background job that schedules a follow-up for every new resolution."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from handoff.followups.store import DEFAULT_DELAY, schedule_followups


def followup_delay(env: Mapping[str, str] | None = None) -> timedelta:
    """``HANDOFF_FOLLOWUP_DAYS`` (default 3; fractions allowed, e.g. 0.01 for a demo)."""
    env = os.environ if env is None else env
    raw = env.get("HANDOFF_FOLLOWUP_DAYS", "").strip()
    if not raw:
        return DEFAULT_DELAY
    days = float(raw)
    if days < 0:
        raise ValueError("HANDOFF_FOLLOWUP_DAYS must not be negative")
    return timedelta(days=days)


def followup_job(delay: timedelta | None = None) -> Callable[[Session, datetime], int]:
    """Schedule follow-ups; raises no alerts itself (returns 0)."""
    wait = delay if delay is not None else followup_delay()

    def job(session: Session, now: datetime) -> int:
        schedule_followups(session, now, wait)
        return 0

    return job
