"""The gateway's Prometheus metrics, at ``GET /metrics`` behind ``METRICS_TOKEN``.

Each app gets its own registry (two apps in one test process do not share counts):

- ``shop_gateway_turns_total{outcome}`` — turns relayed to the assistant: ``answered``,
  ``silent`` (Rasa answered nothing), ``unavailable``, ``failed``;
  ``shop_gateway_turn_seconds`` — their latency as the shopper waits for it (histogram);
- ``shop_http_request_seconds{route,method,status}`` — every HTTP request but the sockets;
- ``shop_websockets_open`` — shopper and agent sockets of this instance;
- from the database at scrape time (the same on every instance): ``shop_queue_waiting
  {priority}``, ``shop_queue_claimed``, ``shop_queue_oldest_wait_seconds{priority}``,
  ``shop_queue_recent_wait_seconds{quantile}`` (queued → claimed, last hour; quantile 1 is
  the longest) with ``shop_queue_recent_claims``, ``shop_alerts_unacknowledged{kind}``;
- ``shop_retention_purged_total{what}`` — rows the daily purge deleted;
- ``shop_socket_events_dropped_total{kind}`` — events a slow socket's bounded queue dropped.

The Rasa server's (``rasa_extensions.metrics``) and the action server's
(``rasa_sdk_plugins.ops_routes``) are listed in the README.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from handoff.gateway.keys import GATEWAY, SETTINGS, SOCKETS
from handoff.gateway.rasa import Assistant, AssistantUnavailable, BotReply
from handoff.ops.probes import bearer_token_valid, metrics_refusal
from handoff.ops.queue_figures import QueueFigures, read_figures

#: Turn latency buckets (seconds): a turn is ~0.1–0.5 s, a slow one seconds, a stuck one 60.
TURN_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
REQUEST_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class GatewayMetrics:
    """The gateway's metric objects on one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.turns = Counter(
            "shop_gateway_turns", "Turns relayed to the assistant", ["outcome"], registry=r
        )
        self.turn_seconds = Histogram(
            "shop_gateway_turn_seconds",
            "Seconds from relaying a message to the assistant's answer",
            buckets=TURN_BUCKETS,
            registry=r,
        )
        self.requests = Histogram(
            "shop_http_request_seconds",
            "HTTP requests by route template",
            ["route", "method", "status"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.websockets = Gauge("shop_websockets_open", "Open WebSockets", registry=r)
        self.waiting = Gauge(
            "shop_queue_waiting", "Conversations waiting for an agent", ["priority"], registry=r
        )
        self.claimed = Gauge("shop_queue_claimed", "Conversations an agent serves", registry=r)
        self.oldest_wait = Gauge(
            "shop_queue_oldest_wait_seconds",
            "How long the longest-waiting conversation has waited",
            ["priority"],
            registry=r,
        )
        self.recent_wait = Gauge(
            "shop_queue_recent_wait_seconds",
            "Queued-to-claimed seconds over the last hour's claims",
            ["quantile"],
            registry=r,
        )
        self.recent_claims = Gauge(
            "shop_queue_recent_claims", "Claims in the last hour", registry=r
        )
        self.alerts_open = Gauge(
            "shop_alerts_unacknowledged", "Alerts nobody acknowledged yet", ["kind"], registry=r
        )
        self.purged = Counter(
            "shop_retention_purged", "Rows deleted by the retention purge", ["what"], registry=r
        )
        self.socket_drops = Counter(
            "shop_socket_events_dropped",
            "Events dropped from a slow socket's bounded queue",
            ["kind"],
            registry=r,
        )
        for outcome in ("answered", "silent", "unavailable", "failed"):
            self.turns.labels(outcome)

    def set_figures(self, figures: QueueFigures, sockets: int) -> None:
        """Copy a database snapshot into the gauges."""
        self.websockets.set(sockets)
        for priority, count in figures.waiting.items():
            self.waiting.labels(priority).set(count)
        for priority, seconds in figures.oldest_wait_seconds.items():
            self.oldest_wait.labels(priority).set(seconds)
        self.claimed.set(figures.claimed)
        for quantile, seconds in figures.recent_waits.items():
            self.recent_wait.labels(quantile).set(seconds)
        self.recent_claims.set(figures.recent_claims)
        for kind, count in figures.alerts_open.items():
            self.alerts_open.labels(kind).set(count)


METRICS: Final = web.AppKey("metrics", GatewayMetrics)


class MeteredAssistant:
    """An :class:`Assistant` that counts and times every turn it relays."""

    def __init__(self, inner: Assistant, metrics: GatewayMetrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def message(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[BotReply]:
        started = time.perf_counter()
        outcome = "failed"
        try:
            replies = await self.inner.message(conversation_id, text, metadata)
            outcome = "answered" if replies else "silent"
            return replies
        except AssistantUnavailable:
            outcome = "unavailable"
            raise
        finally:
            self.metrics.turns.labels(outcome).inc()
            self.metrics.turn_seconds.observe(time.perf_counter() - started)

    async def pause(self, conversation_id: str) -> None:
        await self.inner.pause(conversation_id)

    async def hand_back(self, conversation_id: str, *, resolved: bool) -> list[BotReply]:
        return await self.inner.hand_back(conversation_id, resolved=resolved)


def _route_label(request: web.Request) -> str:
    """The route's template (``/agent/api/cases/{case_number}``), never the raw path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def observe_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time each request by its route template."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if isinstance(response, web.WebSocketResponse):
            status = 0  # a socket's "duration" is its lifetime: not a request latency
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        metrics = request.app.get(METRICS)
        if metrics is not None and status:
            metrics.requests.labels(_route_label(request), request.method, str(status)).observe(
                time.perf_counter() - started
            )


async def metrics_view(request: web.Request) -> web.Response:
    """``GET /metrics``: the Prometheus text, for a bearer of ``METRICS_TOKEN`` only."""
    expected = request.app[SETTINGS].metrics_token
    if not bearer_token_valid(expected, request.headers.get("Authorization", "")):
        return web.json_response(
            metrics_refusal(), status=401, headers={"WWW-Authenticate": "Bearer"}
        )
    metrics = request.app[METRICS]
    figures = await request.app[GATEWAY].db(read_figures)
    metrics.set_figures(figures, len(request.app[SOCKETS]))
    body = generate_latest(metrics.registry)
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def install(app: web.Application) -> GatewayMetrics:
    """Give ``app`` its registry, the request middleware and ``GET /metrics``."""
    metrics = GatewayMetrics()
    app[METRICS] = metrics
    app.middlewares.append(observe_requests)
    app.router.add_get("/metrics", metrics_view)
    return metrics
