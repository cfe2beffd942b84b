"""The deadline policy: targets per urgency, business hours, and when to warn.

Targets and hours are settings (environment variables, read once at start-up) because every
shop promises its own: ``HANDOFF_SLA_URGENT="first=1h,next=15m,resolution=24h"``,
``HANDOFF_SLA_NORMAL=...``, ``HANDOFF_BUSINESS_HOURS="09:00-21:00"`` (China time) and
``HANDOFF_BUSINESS_DAYS="1-5"`` (Monday = 1). Normal cases count business time only; urgent
ones (safety, threats, fraud...) count around the clock, since a fire does not wait for
Monday. The defaults match :mod:`handoff.sla` (the deadlines shoppers are told) with the
clock running all day, so a fresh install promises and measures the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Final

from handoff.clock import CHINA_TZ, as_utc
from handoff.sla import SLA_POLICIES

#: Warn when this share of a deadline's time has passed (the issue's 80%).
WARN_FRACTION: Final = 0.8
_DURATION: Final = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class PolicyError(ValueError):
    """A malformed setting (named in the message, so start-up fails with a clear reason)."""


@dataclass(frozen=True)
class Targets:
    """How long each kind of deadline allows, for one urgency."""

    first_response: timedelta
    next_response: timedelta
    resolution: timedelta

    def of(self, kind: str) -> timedelta:
        """The target of ``kind`` (first_response / next_response / resolution)."""
        value: timedelta = getattr(self, kind)
        return value


DEFAULT_TARGETS: Final = {
    "urgent": Targets(
        SLA_POLICIES["urgent"].first_response,
        timedelta(minutes=15),
        SLA_POLICIES["urgent"].resolution,
    ),
    "normal": Targets(
        SLA_POLICIES["normal"].first_response,
        timedelta(hours=2),
        SLA_POLICIES["normal"].resolution,
    ),
}


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours in China time on the given weekdays (1 = Monday ... 7 = Sunday)."""

    opens: time = time(0, 0)
    closes: time | None = None  # None: midnight, the end of the day
    days: frozenset[int] = field(default_factory=lambda: frozenset(range(1, 8)))

    @property
    def always_open(self) -> bool:
        return self.opens == time(0, 0) and self.closes is None and len(self.days) == 7

    def _window(self, day: datetime) -> tuple[datetime, datetime]:
        start = day.replace(hour=self.opens.hour, minute=self.opens.minute, second=0)
        if self.closes is None:
            end = day.replace(hour=0, minute=0, second=0) + timedelta(days=1)
        else:
            end = day.replace(hour=self.closes.hour, minute=self.closes.minute, second=0)
        return start, end

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of open time has passed after ``start``."""
        if self.always_open:
            return as_utc(start) + duration
        local = as_utc(start).astimezone(CHINA_TZ)
        remaining = duration
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        for _ in range(3700):  # ten years of days: a safe bound for any sane target
            if day.isoweekday() in self.days:
                window_start, window_end = self._window(day)
                begin = max(window_start, local)
                if begin < window_end:
                    available = window_end - begin
                    if remaining <= available:
                        return as_utc(begin + remaining)
                    remaining -= available
            day += timedelta(days=1)
            local = max(local, day)
        raise PolicyError("business hours never open: check HANDOFF_BUSINESS_DAYS")


@dataclass(frozen=True)
class DeadlinePolicy:
    """When a deadline of some kind and urgency warns and falls due."""

    targets: Mapping[str, Targets] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    hours: BusinessHours = field(default_factory=BusinessHours)
    #: Urgencies whose clock runs around the clock regardless of the business hours.
    round_the_clock: frozenset[str] = frozenset({"urgent"})
    warn_fraction: float = WARN_FRACTION

    def window(self, kind: str, urgency: str, started_at: datetime) -> tuple[datetime, datetime]:
        """``(warn_at, due_at)`` of a deadline of ``kind`` started at ``started_at``."""
        target = self.targets[urgency].of(kind)
        hours = BusinessHours() if urgency in self.round_the_clock else self.hours
        return (
            hours.add(started_at, target * self.warn_fraction),
            hours.add(started_at, target),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DeadlinePolicy:
        """Read the ``HANDOFF_SLA_*`` and ``HANDOFF_BUSINESS_*`` settings."""
        targets = {
            urgency: _parse_targets(env.get(f"HANDOFF_SLA_{urgency.upper()}", ""), default)
            for urgency, default in DEFAULT_TARGETS.items()
        }
        return cls(
            targets=targets,
            hours=_parse_hours(
                env.get("HANDOFF_BUSINESS_HOURS", ""), env.get("HANDOFF_BUSINESS_DAYS", "")
            ),
        )


def parse_duration(text: str) -> timedelta:
    """``90m``, ``1.5h``, ``2d``, ``1h30m`` → a timedelta; anything else raises PolicyError."""
    cleaned = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise PolicyError(f"not a duration: {text!r} (write e.g. 30m, 4h, 1.5d)")
    seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds <= 0:
        raise PolicyError(f"a deadline must be longer than zero: {text!r}")
    return timedelta(seconds=seconds)


def _parse_targets(text: str, default: Targets) -> Targets:
    if not text.strip():
        return default
    values = {"first": default.first_response, "next": default.next_response}
    values["resolution"] = default.resolution
    for item in text.split(","):
        key, _, value = item.partition("=")
        if key.strip() not in values:
            raise PolicyError(f"unknown SLA target {key.strip()!r}: use first, next, resolution")
        values[key.strip()] = parse_duration(value)
    return Targets(values["first"], values["next"], values["resolution"])


def _parse_time(text: str) -> time | None:
    hour, _, minute = text.strip().partition(":")
    if not (hour.isdigit() and (minute or "0").isdigit()):
        raise PolicyError(f"not a time of day: {text!r} (write e.g. 09:00)")
    if int(hour) == 24 and int(minute or 0) == 0:
        return None
    if not (0 <= int(hour) < 24 and 0 <= int(minute or 0) < 60):
        raise PolicyError(f"not a time of day: {text!r}")
    return time(int(hour), int(minute or 0))


def _parse_hours(hours: str, days: str) -> BusinessHours:
    opens, closes = time(0, 0), None
    if hours.strip():
        first, sep, second = hours.partition("-")
        start = _parse_time(first) if sep else None
        if not sep or start is None:
            raise PolicyError(f"HANDOFF_BUSINESS_HOURS must look like 09:00-21:00, got {hours!r}")
        opens, closes = start, _parse_time(second)
        if closes is not None and closes <= opens:
            raise PolicyError(f"business hours close before they open: {hours!r}")
    weekdays: set[int] = set()
    for item in (days or "1-7").split(","):
        low, sep, high = item.strip().partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise PolicyError(f"HANDOFF_BUSINESS_DAYS must look like 1-5 or 1,3,5, got {days!r}")
        weekdays.update(range(int(low), int(high if sep else low) + 1))
    if not weekdays or not weekdays <= set(range(1, 8)):
        raise PolicyError(f"weekdays are 1 (Monday) to 7 (Sunday), got {days!r}")
    return BusinessHours(opens, closes, frozenset(weekdays))
