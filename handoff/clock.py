"""Time in one place: the store keeps UTC, shoppers read China Standard Time.

Every datetime in the store is timezone-aware UTC. Shoppers and agents are in mainland China,
which has no daylight saving time, so a fixed UTC+8 offset is exact and needs no tz database.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

UTC: Final = timezone.utc
CHINA_TZ: Final = timezone(timedelta(hours=8), "CST")


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; refuse naive ones, whose meaning is a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
    return value.astimezone(UTC)


def format_zh(value: datetime) -> str:
    """China-time wording for shoppers, e.g. ``11月23日 14:30``."""
    local = as_utc(value).astimezone(CHINA_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
