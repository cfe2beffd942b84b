"""Rasa's REST channel, accepting only the gateway, plus a settling step in every Rasa worker.

Same name ("rest"), same URL (``POST /webhooks/rest/webhook``), same request and answer as
Rasa's, with three differences:

- **Only the gateway may post.** The assistant believes ``metadata.shopper_id`` (whose cases
  it lists, whose orders it accepts), so a request must carry the gateway's HMAC signature
  (``channel_auth``; secret ``RASA_CHANNEL_SECRET``). Anything else gets a 401, so neither a
  neighbour on the network nor a web page posting ``text/plain`` cross-site can speak for a
  shopper. Without a configured secret every request is refused (fail closed).
- **A declared body shape and the gateway's limit.** A body that is not
  ``{"sender", "message", "metadata"}`` gets a 400, a message over 2,000 characters a 413 with a
  Chinese message saying the limit (Rasa's own channel answered 500 to a JSON list, and spent
  17 s on 100,000 characters).
- **No raw text in the log** when a turn fails: only its length (Rasa's channel logs the
  whole message, phone numbers included); the logging filter masks the rest.

It also serves the Rasa server's ``/webhooks/rest/health``, ``/ready`` and ``/metrics``
(``ops_routes``), counts and times each turn (``metrics``) and names the turn's conversation
in the log records (``LOG_FORMAT=json``, ``handoff.ops.json_logs``).

``bot/credentials.yml`` names this class instead of ``rest:``; a channel's blueprint is also the
one place Rasa 3.6 lets our code run in each worker after ``load_agent_on_start`` (a
``before_server_start`` listener) has loaded the model.

Why settle: a loaded Rasa worker holds millions of long-lived objects (Rasa's imports,
TensorFlow among them, the model graph, jieba's dictionary). Python's full garbage collection walks
all of them; measured under 20 conversations always in flight, one such collection stopped a
worker for about 500 ms and every turn queued on it waited that long, which was the whole of
the benchmark's p99. ``gc.freeze()`` moves what exists after start-up out of the collector's
sight, so later full collections walk only what conversations allocate. Before freezing, one
parse runs through the model so the objects it creates lazily on first use are frozen too
(and the first shopper after a restart does not wait for them).

The same step installs ``action_result_validation`` (the action server's answers checked with
a validator built once) and ``event_type_lookup`` (event classes found by name in a
dictionary), since this is where our code runs in each worker before it serves.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request

from handoff.log_masking import install_log_masking
from handoff.ops.json_logs import bind_conversation, release, use_log_format
from rasa_extensions import action_result_validation, event_type_lookup, ops_routes
from rasa_extensions.channel_auth import (
    SIGNATURE_HEADER,
    UNSIGNED_ZH,
    Refused,
    parse_body,
    signature_valid,
)
from rasa_extensions.metrics import observe_turn, rasa_metrics
from rasa_extensions.turn_budget import TurnTimeout

#: Under Rasa's logger, so that ``rasa run``'s log level (``--verbose``, ``--debug``) applies.
log = logging.getLogger(f"rasa.{__name__}")

#: Parsed once per worker before freezing: a short complaint exercises every NLU component.
WARM_UP_TEXT = "我买的电饭煲不加热了，订单号 2024112212345678"


async def settle_worker(app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
    """Install the two lookups, warm the model up with one parse, freeze the heap."""
    install_log_masking()
    use_log_format()  # LOG_FORMAT=json
    rasa_metrics()  # every metric shows from the start, at 0
    action_result_validation.install()
    event_type_lookup.install()
    agent = getattr(app.ctx, "agent", None)
    if agent is not None and agent.is_ready():
        try:
            await agent.parse_message(WARM_UP_TEXT)
        except Exception:  # a warm-up is worth nothing next to a worker that serves
            log.exception("warm-up parse failed; the worker serves anyway")
    gc.collect()
    gc.freeze()
    log.info("worker settled: %d objects frozen", gc.get_freeze_count())


class SettledRestInput(RestInput):
    """Rasa's REST channel for the gateway only; each worker settles after start-up."""

    def __init__(self, secret: str | None = None) -> None:
        self.secret = os.environ.get("RASA_CHANNEL_SECRET", "") if secret is None else secret

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SettledRestInput:
        """The secret comes from the environment, never from ``credentials.yml``."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's two REST routes, with the checks above, and :func:`settle_worker`."""
        install_log_masking()
        use_log_format()
        if not self.secret:
            log.error("RASA_CHANNEL_SECRET is not set: the REST channel refuses every message")
        blueprint = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        async def receive(request: Request) -> response.HTTPResponse:
            body = request.body or b""
            if not signature_valid(self.secret, request.headers.get(SIGNATURE_HEADER, ""), body):
                return response.json({"error": "unauthorised", "message_zh": UNSIGNED_ZH}, 401)
            try:
                message = parse_body(body)
            except Refused as refused:
                error = {"error": "bad_request", "message_zh": refused.message_zh}
                return response.json(error, status=refused.status)
            collector = CollectingOutputChannel()
            token, started, outcome = bind_conversation(message.sender), time.perf_counter(), "ok"
            try:
                await on_new_message(
                    UserMessage(
                        message.text,
                        collector,
                        message.sender,
                        input_channel=self.name(),
                        metadata=message.metadata,
                    )
                )
            except (asyncio.CancelledError, TurnTimeout):
                # TurnTimeout: the lock store cancelled a turn at the end of its budget.
                outcome = "timeout"
                log.error("turn of %s timed out (%d characters)", message.sender, len(message.text))
            except Exception:
                outcome = "failed"
                log.exception(
                    "turn of %s failed (%d characters)", message.sender, len(message.text)
                )
            finally:
                observe_turn(outcome, time.perf_counter() - started)
                release(token)
            return response.json(collector.messages)

        blueprint.add_route(health, "/", methods=["GET"])
        blueprint.add_route(receive, "/webhook", methods=["POST"])
        ops_routes.add_routes(blueprint)  # /health, /ready, /metrics (rasa_extensions.ops_routes)
        blueprint.after_server_start(settle_worker)
        return blueprint
