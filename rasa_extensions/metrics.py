"""The Rasa server's Prometheus metrics (served by ``rasa_extensions.ops_routes``).

- ``shop_rasa_turns_total{outcome}`` — turns the REST channel handled: ``ok``, ``failed``
  (the turn raised), ``timeout`` (cancelled);
- ``shop_rasa_turn_seconds`` — how long each took (lock wait, NLU, policies, actions);
- ``shop_tracker_store_fallbacks_total{operation}`` — times a tracker store failed and Rasa
  would have fallen back (``FailSafeTrackerStore``): ``save`` or ``retrieve``. The tracker
  store code calls :func:`record_tracker_store_fallback`; any value above 0 is an incident.

The objects are made on first use, on prometheus-client's default registry, so that
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, one file per Sanic worker) sums every
worker; :func:`rasa_metrics` is called when a worker starts so all three appear at 0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Final

#: The counter's name as the exposition shows it (prometheus-client appends ``_total``).
TRACKER_STORE_FALLBACKS: Final = "shop_tracker_store_fallbacks_total"
TURN_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
TURN_OUTCOMES: Final = ("ok", "failed", "timeout")
FALLBACK_OPERATIONS: Final = ("save", "retrieve")


@dataclass(frozen=True)
class RasaMetrics:
    turns: Any
    turn_seconds: Any
    fallbacks: Any


@functools.lru_cache(maxsize=1)
def rasa_metrics() -> RasaMetrics:
    """This process's metric objects (created once)."""
    from prometheus_client import Counter, Histogram

    metrics = RasaMetrics(
        turns=Counter("shop_rasa_turns", "Turns the REST channel handled", ["outcome"]),
        turn_seconds=Histogram(
            "shop_rasa_turn_seconds", "Seconds per REST channel turn", buckets=TURN_BUCKETS
        ),
        fallbacks=Counter(
            TRACKER_STORE_FALLBACKS.removesuffix("_total"),
            "Tracker store failures (Rasa's fail-safe fallback)",
            ["operation"],
        ),
    )
    for outcome in TURN_OUTCOMES:
        metrics.turns.labels(outcome)
    for operation in FALLBACK_OPERATIONS:
        metrics.fallbacks.labels(operation)
    return metrics


def record_tracker_store_fallback(operation: str) -> None:
    """Count one tracker store failure; ``operation`` is ``save`` or ``retrieve``."""
    if operation not in FALLBACK_OPERATIONS:
        raise ValueError(f"operation must be one of {FALLBACK_OPERATIONS}, got {operation!r}")
    rasa_metrics().fallbacks.labels(operation).inc()


def observe_turn(outcome: str, seconds: float) -> None:
    """Count and time one REST channel turn."""
    metrics = rasa_metrics()
    metrics.turns.labels(outcome).inc()
    metrics.turn_seconds.observe(seconds)
