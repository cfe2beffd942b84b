"""``/webhooks/rest/health``, ``/ready`` and ``/metrics`` of the Rasa server.

They live on our REST channel's blueprint (Rasa 3.6 gives a channel its ``/webhooks/rest``
prefix; nothing else of ours can add routes), in every worker. The shape and the rules are
``handoff.ops.probes``: health says only "ok"; ready checks that the model is loaded, that
the tracker store answers a query (asked directly, under Rasa's fail-safe wrapper, which
would otherwise hide a dead database) and that the action server's ``/health`` answers; all
three are required. ``/metrics`` needs ``Authorization: Bearer $METRICS_TOKEN``; its route is
the action server's too (``handoff.ops.sanic_metrics``: the same Sanic, the same rules).

Why ready is not shared with the action server's: what it checks differs, and so does how (our
SQLite store's connection belongs to the event loop's thread, so its probe runs there).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from sanic import Blueprint, response
from sanic.request import Request

from handoff.ops.probes import HEALTH_BODY, readiness
from handoff.ops.sanic_metrics import metrics

log = logging.getLogger(f"rasa.{__name__}")
CHECK_SECONDS: Final = 3.0
REQUIRED: Final = frozenset({"model", "tracker_store", "action_server"})


def _probe_engine(engine: Any) -> None:
    """One trivial query through a SQLAlchemy engine (raises when it is unreachable)."""
    from sqlalchemy import text

    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def _probe_store(store: Any) -> None:
    if hasattr(store, "_connect"):
        # Ours on SQLite: the worker's one connection belongs to the event loop's thread
        # (sqlite3 refuses it in any other), so the probe runs here; a local SELECT 1 takes
        # no lock. Opening it from a thread made every later turn fall back to memory.
        store._connect().execute("SELECT 1").fetchone()
        return
    engine = getattr(store, "engine", None)
    if engine is not None:  # Rasa's SQLTrackerStore (PostgreSQL): pooled, thread-safe
        await asyncio.to_thread(_probe_engine, engine)


async def tracker_store_reachable(agent: Any) -> bool:
    store = getattr(agent, "tracker_store", None)
    store = getattr(store, "_tracker_store", store)  # under FailSafeTrackerStore
    if store is None:
        return False
    try:
        await asyncio.wait_for(_probe_store(store), CHECK_SECONDS)
    except Exception as error:
        log.warning("readiness: the tracker store is not reachable (%s)", type(error).__name__)
        return False
    return True


def action_health_url(webhook_url: str) -> str:
    """``http://host:5055/webhook`` → ``http://host:5055/health`` (rasa_sdk's open route)."""
    base = webhook_url.rstrip("/")
    return (base.removesuffix("/webhook") or base) + "/health"


async def action_server_reachable(agent: Any) -> bool:
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or not getattr(endpoint, "url", None):
        return True  # no custom actions configured: nothing to reach
    import aiohttp

    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CHECK_SECONDS)) as client,
            client.get(action_health_url(endpoint.url)) as answer,
        ):
            return answer.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        log.warning("readiness: the action server is not reachable (%s)", type(error).__name__)
        return False


async def health(_request: Request) -> response.HTTPResponse:
    return response.json(HEALTH_BODY)


async def ready(request: Request) -> response.HTTPResponse:
    agent = getattr(request.app.ctx, "agent", None)
    model = agent is not None and bool(agent.is_ready())
    store, actions = await asyncio.gather(
        tracker_store_reachable(agent), action_server_reachable(agent)
    )
    checks = {"model": model, "tracker_store": store, "action_server": actions}
    status, body = readiness(checks, REQUIRED)
    return response.json(body, status=status)


def add_routes(blueprint: Blueprint) -> None:
    """The three routes, under the channel's prefix."""
    blueprint.add_route(health, "/health", methods=["GET"])
    blueprint.add_route(ready, "/ready", methods=["GET"])
    blueprint.add_route(metrics, "/metrics", methods=["GET"])
