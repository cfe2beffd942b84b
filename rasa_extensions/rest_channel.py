"""Rasa's REST channel, plus one settling step in every Rasa worker once its model is loaded.

The channel itself is Rasa's, unchanged: same name ("rest"), same URL
(``POST /webhooks/rest/webhook``), same request and answer. ``bot/credentials.yml`` names
this class instead of ``rest:`` only because a channel's blueprint is the one place Rasa 3.6
lets our code run in each worker after ``load_agent_on_start`` (a ``before_server_start``
listener) has loaded the model.

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
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic

from rasa_extensions import action_result_validation, event_type_lookup

#: Under Rasa's logger, so that ``rasa run``'s log level (``--verbose``, ``--debug``) applies.
log = logging.getLogger(f"rasa.{__name__}")

#: Parsed once per worker before freezing: a short complaint exercises every NLU component.
WARM_UP_TEXT = "我买的电饭煲不加热了，订单号 2024112212345678"


async def settle_worker(app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
    """Install the two lookups, warm the model up with one parse, freeze the heap."""
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
    """Rasa's REST channel whose blueprint also settles each worker after start-up."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST blueprint with :func:`settle_worker` as an after-start listener."""
        blueprint: Blueprint = super().blueprint(on_new_message)
        blueprint.after_server_start(settle_worker)
        return blueprint
