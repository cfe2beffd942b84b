"""A tracker store that fails says so: no silent in-memory fork of the conversation.

Why: Rasa wraps every tracker store in ``FailSafeTrackerStore``. When a save fails it keeps
the conversation in one process's memory, and when a read fails it starts a fresh tracker;
both only log. During a database outage a conversation then forks: the shopper is greeted
anew, or the turns answered meanwhile vanish when the next message reads the database again,
and nobody is told.

Our stores (SQLite and PostgreSQL) go through :func:`guarded` instead:

- a connection-level error (the database restarting) is retried with back-off for
  ``TRACKER_STORE_RETRY_SECONDS`` (20 s), each pause an ``await``, so other conversations
  keep going; a save retried after a lost commit appends only what is missing;
- anything else, or an outage longer than that, is logged as an error with the conversation
  id, counted (``shop_tracker_store_fallbacks_total{operation}``, ``rasa_extensions.metrics``),
  and raised as :class:`TrackerStoreUnavailable`: the turn fails, the REST channel answers
  nothing and the gateway tells the shopper to send again; nothing is kept in memory.

:func:`refuse_fail_safe` makes Rasa's ``Agent`` use such a store directly, unwrapped.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from collections.abc import Callable
from typing import Any, Final, TypeVar

log = logging.getLogger(f"rasa.{__name__}")

DEFAULT_RETRY_SECONDS: Final = 20.0
FIRST_PAUSE_SECONDS: Final = 0.1
LONGEST_PAUSE_SECONDS: Final = 2.0

Result = TypeVar("Result")


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store could not read or save a conversation; the turn must fail."""


def retry_seconds() -> float:
    raw = os.environ.get("TRACKER_STORE_RETRY_SECONDS", "").strip()
    return float(raw) if raw else DEFAULT_RETRY_SECONDS


def count_failure(operation: str) -> None:
    """Count one failure on the Rasa server's metrics, where they are installed."""
    try:
        metrics = importlib.import_module("rasa_extensions.metrics")
    except ImportError:  # the metrics module (and prometheus-client) is optional
        return
    metrics.record_tracker_store_fallback(operation)


async def guarded(
    operation: str,
    conversation_id: str,
    call: Callable[[], Result],
    transient: tuple[type[BaseException], ...] = (),
) -> Result:
    """``call()``, retrying ``transient`` errors; else log, count and raise.

    ``operation`` is ``save`` or ``retrieve`` (the metric's label).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + retry_seconds()
    pause, attempts = FIRST_PAUSE_SECONDS, 0
    while True:
        attempts += 1
        try:
            result = call()
        except transient as error:
            if loop.time() + pause <= deadline:
                if attempts == 1:
                    log.warning(
                        "tracker store: %s of %s failed (%s); retrying for up to %.0f s",
                        operation,
                        conversation_id,
                        type(error).__name__,
                        retry_seconds(),
                    )
                await asyncio.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
                continue
            _fail(operation, conversation_id, error, attempts)
        except Exception as error:
            _fail(operation, conversation_id, error, attempts)
        if attempts > 1:
            log.warning(
                "tracker store: %s of %s succeeded after %d attempts",
                operation,
                conversation_id,
                attempts,
            )
        return result


def _fail(operation: str, conversation_id: str, error: BaseException, attempts: int) -> None:
    count_failure(operation)
    log.error(
        "tracker store: %s of %s failed after %d attempt(s); the turn fails (no in-memory "
        "fallback): %s",
        operation,
        conversation_id,
        attempts,
        error,
    )
    raise TrackerStoreUnavailable(f"{operation} of {conversation_id} failed: {error}") from error


#: Rasa's own ``Agent._create_tracker_store``, kept by :func:`refuse_fail_safe`.
rasa_create_tracker_store: Callable[[Any, Any], Any] | None = None


def _create_tracker_store(store: Any, domain: Any) -> Any:
    """``Agent._create_tracker_store``: ours unwrapped, any other store as Rasa wraps it."""
    if getattr(store, "refuses_fail_safe", False):
        store.domain = domain
        return store
    assert rasa_create_tracker_store is not None
    return rasa_create_tracker_store(store, domain)


def refuse_fail_safe() -> None:
    """Let Rasa's Agent use our stores unwrapped (others keep Rasa's ``FailSafeTrackerStore``).

    ``Agent._create_tracker_store`` is where Rasa 3.6 wraps the configured store; our
    stores carry ``refuses_fail_safe = True``. Called when one of them is built, which Rasa
    does just before it builds the Agent.
    """
    global rasa_create_tracker_store
    from rasa.core.agent import Agent

    current = Agent.__dict__.get("_create_tracker_store")
    if not isinstance(current, staticmethod):
        raise RuntimeError(
            "rasa.core.agent.Agent has no static _create_tracker_store: this Rasa is not the "
            "version rasa_extensions.tracker_store_failures was written for"
        )
    if current.__func__ is _create_tracker_store:
        return
    rasa_create_tracker_store = current.__func__
    Agent._create_tracker_store = staticmethod(_create_tracker_store)
