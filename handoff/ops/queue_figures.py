"""The figures a scrape reads from the database: the handoff queue, waits, open alerts.

Read at scrape time rather than counted in one process, so every gateway instance reports
the same truth about the shared queue (take ``max`` across instances, not ``sum``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.clock import as_utc, utc_now
from handoff.models import HandoffEntry
from handoff.supervision_models import ALERT_KINDS, Alert
from handoff.vocabulary import PRIORITIES

#: Claims within this window make the "recent waits" figures.
RECENT_CLAIMS: Final = timedelta(hours=1)


@dataclass(frozen=True)
class QueueFigures:
    """Waiting and claimed conversations, how long they wait, and the unacknowledged alerts."""

    waiting: dict[str, int] = field(default_factory=dict)
    oldest_wait_seconds: dict[str, float] = field(default_factory=dict)
    claimed: int = 0
    #: Seconds from queued to claimed, over the last hour's claims: median, 90th, maximum.
    recent_waits: dict[str, float] = field(default_factory=dict)
    recent_claims: int = 0
    alerts_open: dict[str, int] = field(default_factory=dict)


def _quantile(ordered: list[float], q: float) -> float:
    """Nearest-rank quantile of an ascending list (not empty)."""
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def read_figures(session: Session, now: datetime | None = None) -> QueueFigures:
    """The current figures (a handful of aggregate queries)."""
    now = as_utc(now) if now is not None else utc_now()
    waiting = dict.fromkeys(PRIORITIES, 0)
    oldest = dict.fromkeys(PRIORITIES, 0.0)
    rows = session.execute(
        select(HandoffEntry.priority, func.count(), func.min(HandoffEntry.created_at))
        .where(HandoffEntry.status == "waiting")
        .group_by(HandoffEntry.priority)
    )
    for priority, count, first in rows:
        waiting[priority] = int(count)
        if first is not None:
            # SQLite's MIN() returns text, not the column's type: parse it back.
            started = first if isinstance(first, datetime) else datetime.fromisoformat(first)
            started = started if started.tzinfo else started.replace(tzinfo=now.tzinfo)
            oldest[priority] = max(0.0, (now - started).total_seconds())
    claimed = session.scalar(
        select(func.count()).select_from(HandoffEntry).where(HandoffEntry.status == "claimed")
    )
    claims = session.execute(
        select(HandoffEntry.created_at, HandoffEntry.claimed_at).where(
            HandoffEntry.claimed_at.is_not(None), HandoffEntry.claimed_at >= now - RECENT_CLAIMS
        )
    )
    waits = sorted(max(0.0, (c - q).total_seconds()) for q, c in claims)
    recent = (
        {"0.5": _quantile(waits, 0.5), "0.9": _quantile(waits, 0.9), "1": waits[-1]}
        if waits
        else {"0.5": 0.0, "0.9": 0.0, "1": 0.0}
    )
    alerts = dict.fromkeys(ALERT_KINDS, 0)
    open_alerts = session.execute(
        select(Alert.kind, func.count()).where(Alert.acknowledged_at.is_(None)).group_by(Alert.kind)
    )
    alerts.update({kind: int(count) for kind, count in open_alerts})
    return QueueFigures(waiting, oldest, int(claimed or 0), recent, len(waits), alerts)
