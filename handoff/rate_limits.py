"""Rate limits per shopper, per account and per address, counted in the database.

Fixed windows: a hit increments the counter of ``(key, window start)`` in one atomic upsert,
so every gateway instance sees the same count (the state lives in the database, like the
rest). A refused hit is told how many seconds remain in its window. The limits are generous
for a person and tight for a script: a shopper types a message every few seconds, not 200 a
second; an agent mistypes a password a few times, not twenty.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Final, cast

from sqlalchemy import CursorResult, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from handoff.limit_models import RateCounter


@dataclass(frozen=True)
class Limit:
    """At most ``hits`` per ``window_seconds`` for each key of this ``name``."""

    name: str
    hits: int
    window_seconds: int


MESSAGES_PER_SHOPPER: Final = Limit("msg-shopper", 20, 20)
MESSAGES_PER_ADDRESS: Final = Limit("msg-addr", 120, 60)
UPLOADS_PER_SHOPPER: Final = Limit("upload-shopper", 10, 600)
UPLOADS_PER_ADDRESS: Final = Limit("upload-addr", 60, 600)
LOGINS_PER_ACCOUNT: Final = Limit("login-account", 10, 900)
LOGINS_PER_ADDRESS: Final = Limit("login-addr", 30, 900)
#: Windows older than this are deleted by :func:`forget_old_windows`.
LONGEST_WINDOW_SECONDS: Final = 3600

TOO_FAST_ZH: Final = "您发送得太快了，请 {seconds} 秒后再试。"
TOO_MANY_LOGINS_ZH: Final = "登录尝试次数过多，请 {minutes} 分钟后再试。"


def _count_hit(session: Session, key: str, window_start: int) -> int:
    table = cast(Table, RateCounter.__table__)
    values = {"key": key, "window_start": window_start, "count": 1}
    dialect = session.get_bind().dialect.name
    if dialect in {"sqlite", "postgresql"}:
        module: Any = sqlite if dialect == "sqlite" else postgresql
        statement = (
            module.insert(table)
            .values(values)
            .on_conflict_do_update(
                index_elements=["key", "window_start"], set_={"count": table.c.count + 1}
            )
            .returning(table.c.count)
        )
        return int(session.execute(statement).scalar_one())
    row = session.get(RateCounter, (key, window_start), with_for_update=True)
    if row is None:
        session.add(RateCounter(**values))
        session.flush()
        return 1
    row.count += 1
    return row.count


def hit(session: Session, limit: Limit, subject: str, *, now: float | None = None) -> int | None:
    """Count one hit of ``subject`` against ``limit``; None if allowed, else seconds to wait."""
    current = time.time() if now is None else now
    window_start = int(current) - int(current) % limit.window_seconds
    count = _count_hit(session, f"{limit.name}:{subject}"[:200], window_start)
    if count <= limit.hits:
        return None
    return max(1, window_start + limit.window_seconds - int(current))


def hit_all(
    session: Session, checks: list[tuple[Limit, str]], *, now: float | None = None
) -> int | None:
    """Count a hit against every ``(limit, subject)``; the longest wait if any refuses."""
    waits = [hit(session, limit, subject, now=now) for limit, subject in checks]
    refused = [wait for wait in waits if wait is not None]
    return max(refused) if refused else None


def forget_old_windows(session: Session, *, now: float | None = None) -> int:
    """Delete counters whose window ended over an hour ago; the number deleted."""
    current = time.time() if now is None else now
    result = session.execute(
        delete(RateCounter).where(RateCounter.window_start < int(current) - LONGEST_WINDOW_SECONDS)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def current_count(session: Session, limit: Limit, subject: str, *, now: float | None = None) -> int:
    """Hits of ``subject`` in the current window (for tests and diagnostics)."""
    current = time.time() if now is None else now
    window_start = int(current) - int(current) % limit.window_seconds
    count = session.scalar(
        select(RateCounter.count).where(
            RateCounter.key == f"{limit.name}:{subject}"[:200],
            RateCounter.window_start == window_start,
        )
    )
    return int(count or 0)
