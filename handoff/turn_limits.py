"""How long one conversation turn may take: the numbers Rasa's lock stores and the gateway share.

Why one place: a conversation's messages are handled one at a time under a ticket lock in
Rasa's lock store (SQLite for ``make run``, Redis for a cluster). Three limits must fit
inside each other or two turns of one conversation run at once, and the gateway, which
waits for each turn, must wait at least as long as a turn may legitimately take, or it tells
the shopper "failed" while the turn still happens (and the shopper's retry runs it twice):

- ``RASA_ACTION_TIMEOUT`` (90 s): one call to the action server (Rasa's own is 300 s);
- the turn budget, ``TICKET_LOCK_LIFETIME - TURN_MARGIN_SECONDS`` (140 s): a turn still
  running then is cancelled by the lock store (``rasa_extensions.turn_budget``);
- ``TICKET_LOCK_LIFETIME`` (150 s): the served ticket's lifetime, counted from the start of
  its turn, so only a Rasa process that died mid-turn lets its ticket run out;
- the gateway's wait for one turn, ``TICKET_LOCK_LIFETIME + TURN_MARGIN_SECONDS`` (160 s):
  by then Rasa has answered or cancelled the turn, whatever its actions did.

Standard library only: the Rasa server (``.venv-rasa``) imports it through
``rasa_extensions.turn_budget``, the gateway through its settings. Both read the same two
environment variables, so a cluster sets them once for every service.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

DEFAULT_ACTION_TIMEOUT_SECONDS: Final = 90.0
DEFAULT_LOCK_LIFETIME_SECONDS: Final = 150.0
#: Between the end of the turn budget and the ticket's expiry: the lock's release, a slow
#: event loop, clocks of two machines a little apart. Also the gateway's slack after it.
TURN_MARGIN_SECONDS: Final = 10.0
#: What the turn needs besides the action calls (tracker read and save, NLU, policies).
OWN_WORK_SECONDS: Final = 10.0
#: A waiting ticket lives this long after its last look at the queue (it looks every few
#: milliseconds): a waiter that died is skipped within seconds, a live one never expires.
WAITER_LIFETIME_SECONDS: Final = 10.0


@dataclass(frozen=True)
class TurnBudget:
    """The limits; :meth:`from_environment` reads and checks them."""

    action_timeout: float = DEFAULT_ACTION_TIMEOUT_SECONDS
    lock_lifetime: float = DEFAULT_LOCK_LIFETIME_SECONDS

    @property
    def turn_seconds(self) -> float:
        """How long a turn may hold the lock before the lock store cancels it."""
        return self.lock_lifetime - TURN_MARGIN_SECONDS

    @property
    def gateway_wait_seconds(self) -> float:
        """How long the gateway waits for Rasa's answer to one message: past the ticket's
        whole lifetime, so it never gives up on a turn Rasa may still be running."""
        return self.lock_lifetime + TURN_MARGIN_SECONDS

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
    def from_environment(
        cls, lock_lifetime: float | None = None, env: Mapping[str, str] | None = None
    ) -> TurnBudget:
        """``RASA_ACTION_TIMEOUT`` and ``TICKET_LOCK_LIFETIME`` (or ``lock_lifetime``)."""
        values = os.environ if env is None else env
        lifetime = lock_lifetime or _seconds(
            values, "TICKET_LOCK_LIFETIME", DEFAULT_LOCK_LIFETIME_SECONDS
        )
        timeout = _seconds(values, "RASA_ACTION_TIMEOUT", DEFAULT_ACTION_TIMEOUT_SECONDS)
        return cls(action_timeout=timeout, lock_lifetime=float(lifetime)).check()


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError as error:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from error
