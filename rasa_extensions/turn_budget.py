"""How long one conversation turn may hold the conversation's lock, and how that is enforced.

Why: a conversation's messages must be handled one at a time. Rasa's ticket lock lets the next
message in when the ticket of the turn in progress *expires* (``TICKET_LOCK_LIFETIME``,
60 s by default), while an action server call may take 300 s (Rasa's
``DEFAULT_REQUEST_TIMEOUT``): an action slower than a minute let the conversation's next
message run at the same time, on the same tracker, and one of the two turns' events was lost.

Three numbers, checked against each other when a lock store starts:

- ``RASA_ACTION_TIMEOUT`` (90 s): one call to the action server; :func:`install` makes Rasa
  use it instead of 300 s, so a hung action server ends the turn with an error;
- the turn budget, ``lock lifetime - TURN_MARGIN_SECONDS``: a turn still running then is
  cancelled (:func:`turn_deadline`; the shopper is told, nothing of it is saved);
- ``TICKET_LOCK_LIFETIME`` (150 s unless set): the holder's ticket, counted from the moment
  the turn starts. Only a Rasa process that died mid-turn lets its ticket run out.

So a live turn never outlasts its ticket, whatever its actions do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

log = logging.getLogger(f"rasa.{__name__}")

DEFAULT_ACTION_TIMEOUT_SECONDS: Final = 90.0
DEFAULT_LOCK_LIFETIME_SECONDS: Final = 150.0
#: Between the end of the turn budget and the ticket's expiry: the lock's release, a slow
#: event loop, clocks of two machines a little apart.
TURN_MARGIN_SECONDS: Final = 10.0
#: What the turn needs besides the action calls (tracker read and save, NLU, policies).
OWN_WORK_SECONDS: Final = 10.0


class TurnTimeout(RuntimeError):
    """A turn ran past its budget and was cancelled before its ticket could expire."""


@dataclass(frozen=True)
class TurnBudget:
    """The three limits; :meth:`from_environment` reads and checks them."""

    action_timeout: float = DEFAULT_ACTION_TIMEOUT_SECONDS
    lock_lifetime: float = DEFAULT_LOCK_LIFETIME_SECONDS

    @property
    def turn_seconds(self) -> float:
        """How long a turn may hold the lock before it is cancelled."""
        return self.lock_lifetime - TURN_MARGIN_SECONDS

    def check(self) -> TurnBudget:
        """Refuse limits under which an action call could outlive the lock (at start-up)."""
        if self.action_timeout <= 0 or self.lock_lifetime <= 0:
            raise ValueError(f"turn limits must be positive: {self}")
        if self.action_timeout + OWN_WORK_SECONDS > self.turn_seconds:
            raise ValueError(
                f"RASA_ACTION_TIMEOUT={self.action_timeout:g}s does not fit in the turn budget "
                f"({self.turn_seconds:g}s = TICKET_LOCK_LIFETIME {self.lock_lifetime:g}s - "
                f"{TURN_MARGIN_SECONDS:g}s): a slow action would outlive the conversation's "
                f"lock. Raise TICKET_LOCK_LIFETIME to at least "
                f"{self.action_timeout + OWN_WORK_SECONDS + TURN_MARGIN_SECONDS:g}s."
            )
        return self

    @classmethod
    def from_environment(cls, lock_lifetime: float | None = None) -> TurnBudget:
        """``RASA_ACTION_TIMEOUT`` and ``TICKET_LOCK_LIFETIME`` (or ``lock_lifetime``)."""
        lifetime = lock_lifetime or _seconds("TICKET_LOCK_LIFETIME", DEFAULT_LOCK_LIFETIME_SECONDS)
        timeout = _seconds("RASA_ACTION_TIMEOUT", DEFAULT_ACTION_TIMEOUT_SECONDS)
        return cls(action_timeout=timeout, lock_lifetime=float(lifetime)).check()


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError as error:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from error


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
