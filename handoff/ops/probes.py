"""What every service's ``/health``, ``/ready`` and ``/metrics`` have in common.

- ``/health`` answers ``{"status": "ok"}`` while the process serves HTTP: nothing else, so it
  may stay open to a load balancer or an orchestrator without telling anyone anything.
- ``/ready`` runs the service's checks and answers ``{"status": "ready" | "degraded" |
  "not_ready", "checks": {name: "ok" | "down"}}``: 503 when a check the service cannot serve
  without is down, 200 otherwise. No error text, host, version or count: the reasons go to
  the log (masked), not to whoever asks.
- ``/metrics`` needs ``Authorization: Bearer <METRICS_TOKEN>`` (``handoff.service_secrets``);
  without a configured token every request is refused (fail closed).

Standard library only: the Rasa server and the action server import it too.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Mapping
from typing import Any, Final

HEALTH_BODY: Final = {"status": "ok"}
METRICS_REFUSED_ZH: Final = "读取监控指标需要凭据：请在 Authorization 头中提供 METRICS_TOKEN。"
BEARER: Final = "bearer "


def readiness(checks: Mapping[str, bool], required: Collection[str]) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) for the checks' outcomes; ``required`` ones down make it 503."""
    states = {name: "ok" if passed else "down" for name, passed in checks.items()}
    if any(not checks[name] for name in required if name in checks):
        return 503, {"status": "not_ready", "checks": states}
    status = "ready" if all(checks.values()) else "degraded"
    return 200, {"status": status, "checks": states}


def bearer_token_valid(expected: str, authorization: str) -> bool:
    """Constant-time check of an ``Authorization: Bearer`` header; empty ``expected`` fails."""
    if not expected or authorization[: len(BEARER)].lower() != BEARER:
        return False
    supplied = authorization[len(BEARER) :].strip().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(expected.encode(), supplied)


def metrics_refusal() -> dict[str, str]:
    """The 401 body of a ``/metrics`` request without the token."""
    return {"error": "unauthorised", "message_zh": METRICS_REFUSED_ZH}
