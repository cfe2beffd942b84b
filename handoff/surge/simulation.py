"""Synthetic complaint streams, to measure the detector's delay and its false alarms.

A shop like the demo's: ``products`` products with Zipf-like popularity sharing ``per_day``
complaints a day, in four categories, with the demo history's hour-of-day shape. Two weeks
warm the baseline up, then a month is watched. The detector is evaluated at every arrival
(the count in the window only grows then), as the scan does every few seconds, with the
same cool-down as the scan: a target alarms again only after ``COOLDOWN`` hours.
"""

from __future__ import annotations

import bisect
import random
import statistics
from dataclasses import dataclass
from typing import Final

from handoff.surge.detector import SurgeTest, hour_profile

WARMUP_HOURS: Final = 14 * 24
MONTH_HOURS: Final = 30 * 24
COOLDOWN: Final = 6.0
# The demo history's complaints per China hour (handoff.demo_history.HOUR_WEIGHTS).
# fmt: off
DIURNAL: Final = (
    1, 1, 0.5, 0.3, 0.3, 0.3, 0.6, 1.2, 2, 3, 4, 4.5,
    4, 3.5, 3.5, 3.5, 3.5, 3, 3, 3.5, 4.5, 5, 4.5, 2.5,
)
# fmt: on
CATEGORIES: Final = ("quality", "logistics", "after_sales", "other")


@dataclass(frozen=True)
class Shop:
    """Arrival times (hours since a China midnight) per product, and each product's category."""

    products: dict[str, list[float]]
    category_of: dict[str, str]

    def categories(self) -> dict[str, list[float]]:
        merged: dict[str, list[float]] = {c: [] for c in CATEGORIES}
        for product, times in self.products.items():
            merged[self.category_of[product]].extend(times)
        return {c: sorted(t) for c, t in merged.items()}


def _arrivals(rng: random.Random, per_hour: float, hours: float) -> list[float]:
    """A Poisson process with the diurnal shape and mean ``per_hour``, by thinning."""
    peak = max(DIURNAL) / (sum(DIURNAL) / 24)
    times: list[float] = []
    t = 0.0
    while True:
        t += rng.expovariate(per_hour * peak)
        if t >= hours:
            return times
        shape = DIURNAL[int(t) % 24] / (sum(DIURNAL) / 24)
        if rng.random() < shape / peak:
            times.append(t)


def normal_shop(
    rng: random.Random,
    *,
    products: int = 40,
    per_day: float = 20.0,
    hours: float = WARMUP_HOURS + MONTH_HOURS,
) -> Shop:
    """Normal traffic, no surge."""
    weights = [1 / (rank + 1) ** 0.7 for rank in range(products)]
    total = sum(weights)
    streams, category_of = {}, {}
    for rank, weight in enumerate(weights):
        name = f"product-{rank:02d}"
        streams[name] = _arrivals(rng, per_day / 24 * weight / total, hours)
        category_of[name] = CATEGORIES[rank % len(CATEGORIES)]
    return Shop(streams, category_of)


def with_surge(
    shop: Shop, rng: random.Random, product: str, start: float, per_hour: float, hours: float
) -> Shop:
    """``shop`` with ``per_hour`` extra complaints about ``product`` from ``start`` on."""
    extra, t = [], start
    while True:
        t += rng.expovariate(per_hour)
        if t >= start + hours:
            break
        extra.append(t)
    streams = dict(shop.products)
    streams[product] = sorted(streams[product] + extra)
    return Shop(streams, shop.category_of)


def alarm_times(
    times: list[float], test: SurgeTest, profile: list[float], *, watch_from: float
) -> list[float]:
    """When the detector alarms on one target's arrival times (with the cool-down)."""
    window = test.window.total_seconds() / 3600
    baseline = test.baseline.total_seconds() / 3600
    alarms: list[float] = []
    for index, t in enumerate(times):
        if t < watch_from or (alarms and t - alarms[-1] < COOLDOWN):
            continue
        recent = index + 1 - bisect.bisect_right(times, t - window)
        base_from = bisect.bisect_left(times, t - window - baseline)
        base_to = bisect.bisect_left(times, t - window)
        factor = profile[int(t - window / 2) % 24]
        if test.assess(recent, base_to - base_from, baseline, factor).surge:
            alarms.append(t)
    return alarms


def _profile(shop: Shop) -> list[float]:
    hours = [int(t) % 24 for times in shop.products.values() for t in times if t < WARMUP_HOURS]
    return hour_profile(hours)


def false_alarms_per_month(seed: int, test: SurgeTest | None = None) -> int:
    """Alarms over a simulated month of normal traffic, products and categories together."""
    test = test or SurgeTest()
    shop = normal_shop(random.Random(seed))
    profile = _profile(shop)
    targets = list(shop.products.values()) + list(shop.categories().values())
    return sum(len(alarm_times(t, test, profile, watch_from=WARMUP_HOURS)) for t in targets)


@dataclass(frozen=True)
class DelayResult:
    """Detection delays (minutes) over trials, and how many surges were missed."""

    delays: list[float]
    missed: int

    @property
    def median(self) -> float:
        return statistics.median(self.delays) if self.delays else float("inf")

    @property
    def worst(self) -> float:
        return max(self.delays) if self.delays else float("inf")


def detection_delay(
    per_hour: float,
    *,
    trials: int = 40,
    seed: int = 1,
    product_rank: int = 10,
    duration_hours: float = 3.0,
    test: SurgeTest | None = None,
) -> DelayResult:
    """Minutes from the start of a surge of ``per_hour`` extra complaints about one
    mid-ranked product to the first alarm naming that product or its category."""
    test = test or SurgeTest()
    rng = random.Random(seed)
    delays, missed = [], 0
    for _ in range(trials):
        shop = normal_shop(rng)
        product = f"product-{product_rank:02d}"
        start = WARMUP_HOURS + rng.uniform(0, MONTH_HOURS - duration_hours)
        surged = with_surge(shop, rng, product, start, per_hour, duration_hours)
        profile = _profile(surged)
        targets = [surged.products[product], surged.categories()[surged.category_of[product]]]
        first = [
            a
            for times in targets
            for a in alarm_times(times, test, profile, watch_from=start)
            if a < start + duration_hours
        ]
        if first:
            delays.append((min(first) - start) * 60)
        else:
            missed += 1
    return DelayResult(delays, missed)
