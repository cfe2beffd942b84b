"""The action server's ``/ready`` and ``/metrics``, its action metrics and its JSON logs.

rasa_sdk serves ``/health`` itself. Ready checks what an action needs: the case store
answers a query and the triage model is loaded (loaded by the first probe if no action has
needed it yet, so the first shopper does not wait for it); both are required. ``/metrics``
needs ``Authorization: Bearer $METRICS_TOKEN`` (the Rasa server's route too,
``handoff.ops.sanic_metrics``) and shows:

- ``shop_action_calls_total{action,outcome}`` — ``ok``, ``rejected`` (a form's validation
  refused), ``not_found``, ``failed``;
- ``shop_action_seconds{action}`` — how long each action took (histogram).

A middleware names the call's conversation (``sender_id``) for the log records
(``LOG_FORMAT=json``); ``action_server_auth`` refuses unauthenticated calls before it runs.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import zlib
from dataclasses import dataclass
from typing import Any, Final

import pluggy
from sanic import Sanic, response

from handoff.ops.json_logs import bind_conversation, use_log_format
from handoff.ops.probes import readiness
from handoff.ops.sanic_metrics import metrics

hookimpl = pluggy.HookimplMarker("rasa_sdk")
log = logging.getLogger(__name__)

ACTION_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
OUTCOMES: Final = {200: "ok", 400: "rejected", 404: "not_found"}
REQUIRED: Final = frozenset({"database", "triage_model"})


@dataclass(frozen=True)
class ActionMetrics:
    calls: Any
    seconds: Any


@functools.lru_cache(maxsize=1)
def action_metrics() -> ActionMetrics:
    """This process's metric objects, on the default registry (multiprocess-aware)."""
    from prometheus_client import Counter, Histogram

    return ActionMetrics(
        calls=Counter("shop_action_calls", "Action calls", ["action", "outcome"]),
        seconds=Histogram(
            "shop_action_seconds", "Seconds per action call", ["action"], buckets=ACTION_BUCKETS
        ),
    )


def action_call(body: bytes, encoding: str | None) -> dict[str, Any]:
    """The action call's JSON (Rasa may deflate it); {} when it is not one."""
    try:
        raw = zlib.decompress(body) if encoding == "deflate" else body
        parsed = json.loads(raw or b"{}")
    except (ValueError, zlib.error):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _check_database() -> None:
    from sqlalchemy import text

    from actions.resources import session_factory

    with session_factory()() as session:
        session.execute(text("SELECT 1"))


def _check_triage_model() -> None:
    from actions.resources import triage_model

    triage_model()


async def _passes(name: str, check: Any) -> bool:
    try:
        await asyncio.to_thread(check)
    except Exception as error:
        log.warning("readiness: %s check failed (%s)", name, type(error).__name__)
        return False
    return True


async def ready(_request: Any) -> response.HTTPResponse:
    database, model = await asyncio.gather(
        _passes("database", _check_database), _passes("triage_model", _check_triage_model)
    )
    status, body = readiness({"database": database, "triage_model": model}, REQUIRED)
    return response.json(body, status=status)


async def start_call(request: Any) -> None:
    """Before ``/webhook``: note the time, the action and its conversation.

    Every request rebinds the conversation: Sanic serves a keep-alive connection's requests
    in one task, so the previous request's value would otherwise carry over.
    """
    if request.path != "/webhook":
        bind_conversation(None)
        return
    call = action_call(request.body or b"", request.headers.get("Content-Encoding"))
    request.ctx.ops_started = time.perf_counter()
    request.ctx.ops_action = str(call.get("next_action") or "unknown")
    bind_conversation(str(call.get("sender_id") or "") or None)


async def finish_call(request: Any, answer: Any) -> None:
    """After ``/webhook``: count and time the call (an action name only if it exists)."""
    started = getattr(request.ctx, "ops_started", None)
    if started is None or answer.status == 401:  # refused callers name no action of ours
        return
    outcome = OUTCOMES.get(answer.status, "failed")
    action = "unknown" if outcome == "not_found" else request.ctx.ops_action
    figures = action_metrics()
    figures.calls.labels(action, outcome).inc()
    figures.seconds.labels(action).observe(time.perf_counter() - started)


@hookimpl(trylast=True)  # after action_server_auth: its check runs first
def attach_sanic_app_extensions(app: Sanic) -> None:
    """Routes, middlewares, metric objects and the log format."""
    use_log_format()
    action_metrics()
    app.add_route(ready, "/ready", methods=["GET"])
    app.add_route(metrics, "/metrics", methods=["GET"])
    app.register_middleware(start_call, "request")
    app.register_middleware(finish_call, "response")
