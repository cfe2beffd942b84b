"""The retention purge: chat text older than the retention period is deleted.

What goes: chat messages (the shopper's, the assistant's and the agents' words), uploaded
photos, and Rasa's tracker events (which repeat the words and the slots). What stays: orders
and cases, which the 电子商务法 (art. 31: transaction records at least three years) and the
shop's own books need. A case keeps its facts (order, category, urgency, deadlines, outcome,
rating, its own description and event history); only the transcript around it goes.

The period is ``HANDOFF_RETENTION_DAYS`` (default 180). The gateway's housekeeping runs the
purge once a day; ``python -m handoff retention purge [--days N] [--dry-run]`` runs it by
hand. Every purge that deletes something writes one audit row with the counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from handoff.chat_models import Attachment, Message
from handoff.clock import as_utc, utc_now
from handoff.db import transaction
from handoff.ops import audit, tracker_events
from handoff.serialize import iso

DEFAULT_RETENTION_DAYS: Final = 180
RETENTION_VARIABLE: Final = "HANDOFF_RETENTION_DAYS"


def retention_days(env: Mapping[str, str]) -> int:
    """``$HANDOFF_RETENTION_DAYS`` (a whole number of days, at least 1), else 180."""
    raw = env.get(RETENTION_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    days = int(raw)
    if days < 1:
        raise ValueError(f"{RETENTION_VARIABLE} must be at least 1 day, got {raw!r}")
    return days


@dataclass(frozen=True)
class PurgeResult:
    """What one purge removed (or, on a dry run, would remove)."""

    days: int
    cutoff: datetime
    dry_run: bool
    messages: int
    attachments: int
    tracker_events: int

    @property
    def total(self) -> int:
        return self.messages + self.attachments + self.tracker_events

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "cutoff": iso(self.cutoff)}


def _count_or_delete(session: Session, model: Any, cutoff: datetime, *, dry_run: bool) -> int:
    older = model.created_at < cutoff
    if dry_run:
        return int(session.scalar(select(func.count()).select_from(model).where(older)) or 0)
    statement = delete(model).where(older).execution_options(synchronize_session=False)
    result = session.execute(statement)
    return int(cast(CursorResult[Any], result).rowcount or 0)


def purge(
    factory: sessionmaker[Session],
    tracker_url: str,
    *,
    days: int,
    actor: str,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    """Delete the chat text older than ``days`` days (Rasa's events first, then ours).

    The tracker store is another database, so it cannot share our transaction; it goes first
    so that the audit row, written with our deletions, counts what really went.
    """
    if days < 1:
        raise ValueError("the retention period is at least one day")
    cutoff = (as_utc(now) if now is not None else utc_now()) - timedelta(days=days)
    events = tracker_events.delete_older_than(tracker_url, cutoff, dry_run=dry_run)
    with transaction(factory) as session:
        messages = _count_or_delete(session, Message, cutoff, dry_run=dry_run)
        attachments = _count_or_delete(session, Attachment, cutoff, dry_run=dry_run)
        result = PurgeResult(days, cutoff, dry_run, messages, attachments, events)
        if not dry_run and result.total:
            detail = {k: v for k, v in result.as_json().items() if k != "dry_run"}
            audit.record(session, actor=actor, action="purge", subject="chat_text", detail=detail)
    return result
