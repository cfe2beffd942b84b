"""Everything :mod:`handoff.ops` adds to the gateway app, in one call from the app factory.

``/health`` and ``/ready`` (open), ``/metrics`` (``METRICS_TOKEN``), the request-timing,
conversation-naming and audit middlewares. The assistant is wrapped by the factory itself
(:class:`handoff.ops.metrics.MeteredAssistant`), where it is built.
"""

from __future__ import annotations

from aiohttp import web

from handoff.ops import health, metrics
from handoff.ops.audit_reads import audit_reads
from handoff.ops.log_context import name_conversation


def install(app: web.Application) -> metrics.GatewayMetrics:
    """Add the routes and middlewares to ``app`` (before it starts); its metrics."""
    app.middlewares.append(name_conversation)
    gateway_metrics = metrics.install(app)
    app.middlewares.append(audit_reads)
    app.router.add_get("/health", health.health)
    app.router.add_get("/ready", health.ready)
    return gateway_metrics
