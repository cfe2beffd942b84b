"""A one-sided Poisson test on the last hour's complaints against a target's own baseline.

For a product (or category) the baseline rate is its complaints per hour over the previous
two weeks, scaled by the hour of day (shoppers complain four times as much at 21:00 as at
04:00; the shape comes from all complaints, since one product has too few to have its own),
and never below a floor (a product with no history still has some chance of a complaint).
The last hour is a surge when seeing that many complaints by chance has probability below
``alpha`` and there are at least ``min_count`` of them. No fixed "N complaints" threshold:
a best-seller needs many more complaints to count as a surge than a product nobody buys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

WINDOW: Final = timedelta(hours=1)
BASELINE: Final = timedelta(days=14)
ALPHA: Final = 2e-5
MIN_COUNT: Final = 3
#: The lowest baseline assumed for any target: about one complaint a fortnight.
FLOOR_PER_HOUR: Final = 1 / (14 * 24)


def poisson_tail(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected)."""
    if count <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    term = math.exp(-expected)
    below = term
    for k in range(1, count):
        term *= expected / k
        below += term
    return max(0.0, 1.0 - below)


@dataclass(frozen=True)
class Assessment:
    """The test's verdict on one target's last window."""

    count: int
    expected: float
    p_value: float
    surge: bool


@dataclass(frozen=True)
class SurgeTest:
    """The test's parameters (settings, with defaults that keep false alarms rare)."""

    window: timedelta = WINDOW
    baseline: timedelta = BASELINE
    alpha: float = ALPHA
    min_count: int = MIN_COUNT
    floor_per_hour: float = FLOOR_PER_HOUR

    def assess(
        self, recent: int, baseline_count: int, baseline_hours: float, hour_factor: float = 1.0
    ) -> Assessment:
        """Test ``recent`` complaints in the window against ``baseline_count`` over
        ``baseline_hours``; ``hour_factor`` scales for the time of day (1 = average)."""
        rate = max(
            baseline_count / baseline_hours if baseline_hours > 0 else 0.0, self.floor_per_hour
        )
        expected = rate * hour_factor * self.window.total_seconds() / 3600
        p_value = poisson_tail(recent, expected)
        return Assessment(
            count=recent,
            expected=expected,
            p_value=p_value,
            surge=recent >= self.min_count and p_value < self.alpha,
        )


def hour_profile(hours_of_complaints: list[int], smoothing: float = 1.0) -> list[float]:
    """Relative complaint volume per China hour (mean 1), from the hours complaints came in."""
    counts = [smoothing] * 24
    for hour in hours_of_complaints:
        counts[hour % 24] += 1
    mean = sum(counts) / 24
    return [c / mean for c in counts]
