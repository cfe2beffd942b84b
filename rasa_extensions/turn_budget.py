"""How one conversation turn is kept inside its lock, in the Rasa server (both lock stores).

Why: a conversation's messages must be handled one at a time. Rasa's ticket lock lets the next
message in when the ticket of the turn in progress *expires* (``TICKET_LOCK_LIFETIME``,
60 s by default), while an action server call may take 300 s (Rasa's
``DEFAULT_REQUEST_TIMEOUT``): an action slower than a minute let the conversation's next
message run at the same time, on the same tracker, and one of the two turns' events was lost.

The numbers (``RASA_ACTION_TIMEOUT`` 90 s, the turn budget 140 s, ``TICKET_LOCK_LIFETIME``
150 s) and their check live in ``handoff.turn_limits``, which the gateway reads too (it
waits for a turn a little longer than its ticket lives). Here is their enforcement, used
by ``sqlite_lock_store`` and ``redis_lock_store`` alike:

- :func:`install` makes Rasa's action calls use ``RASA_ACTION_TIMEOUT`` instead of 300 s, so
  a hung action server ends the turn with an error;
- :func:`turn_deadline` cancels a turn still running at the end of the turn budget (the
  shopper is told, nothing of it is saved), before its ticket can expire.

So a live turn never outlasts its ticket, whatever its actions do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from handoff.turn_limits import (
    DEFAULT_ACTION_TIMEOUT_SECONDS,
    DEFAULT_LOCK_LIFETIME_SECONDS,
    OWN_WORK_SECONDS,
    TURN_MARGIN_SECONDS,
    WAITER_LIFETIME_SECONDS,
    TurnBudget,
)

__all__ = [
    "DEFAULT_ACTION_TIMEOUT_SECONDS",
    "DEFAULT_LOCK_LIFETIME_SECONDS",
    "OWN_WORK_SECONDS",
    "TURN_MARGIN_SECONDS",
    "WAITER_LIFETIME_SECONDS",
    "TurnBudget",
    "TurnTimeout",
    "install",
    "turn_deadline",
]

log = logging.getLogger(f"rasa.{__name__}")


class TurnTimeout(RuntimeError):
    """A turn ran past its budget and was cancelled before its ticket could expire."""


def install(budget: TurnBudget) -> None:
    """Bound every action server call of this process by ``budget.action_timeout``.

    Rasa passes its module constant ``DEFAULT_REQUEST_TIMEOUT`` (300 s) to each action call
    and to the endpoint's client session; both read the module global at call time.
    """
    from rasa.core.actions import action
    from rasa.utils import endpoints

    for module in (action, endpoints):
        if not hasattr(module, "DEFAULT_REQUEST_TIMEOUT"):
            raise RuntimeError(
                f"{module.__name__} has no DEFAULT_REQUEST_TIMEOUT: this Rasa is not the "
                "version rasa_extensions.turn_budget was written for"
            )
        module.DEFAULT_REQUEST_TIMEOUT = budget.action_timeout


@contextlib.contextmanager
def turn_deadline(seconds: float, conversation_id: str) -> Iterator[None]:
    """Cancel the current task if the block runs longer than ``seconds``; raise TurnTimeout.

    Like Python 3.11's ``asyncio.timeout`` (this is 3.10): the cancellation lands at the
    turn's next ``await`` (an action call, a tracker read), the ``CancelledError`` is turned
    into :class:`TurnTimeout` here, and a cancellation from anyone else passes through.
    """
    task = asyncio.current_task()
    assert task is not None, "turn_deadline needs a running task"
    fired = False

    def cancel() -> None:
        nonlocal fired
        fired = True
        task.cancel()

    handle = asyncio.get_running_loop().call_later(seconds, cancel)
    try:
        yield
    except asyncio.CancelledError as cancelled:
        if not fired:
            raise
        log.error(
            "turn of %s ran past its %.0f s budget and was cancelled", conversation_id, seconds
        )
        raise TurnTimeout(f"turn of {conversation_id} exceeded {seconds:.0f}s") from cancelled
    finally:
        handle.cancel()
