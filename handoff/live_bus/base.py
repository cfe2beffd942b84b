"""What a live bus offers the gateway (see :mod:`handoff.live_bus`)."""

from __future__ import annotations

from typing import Any, Final, Protocol

from handoff.live_bus.inbox import Inbox

Event = dict[str, Any]
#: "Re-read the database": what a view gets for a change that carries no data, and after
#: the bus was cut off (it may have missed anything meanwhile).
CHANGED: Final[Event] = {"type": "changed"}
RESYNC: Final[Event] = {"type": "resync"}


class LiveBus(Protocol):
    """Topics (a conversation id, ``queue``, ``alerts``) and the inboxes that follow them."""

    #: Whether views must also re-read the database on a timer to see other processes' work.
    polls_database: bool

    async def start(self) -> None:
        """Connect and start the background tasks (before the first view subscribes)."""

    async def close(self) -> None:
        """Stop the background tasks and disconnect."""

    async def subscribe(self, topic: str, inbox: Inbox) -> None:
        """Follow ``topic``; returns once events published from now on will arrive.

        A view subscribes first and reads the database second, so nothing falls between.
        """

    def unsubscribe(self, topic: str, inbox: Inbox) -> None:
        """Stop following ``topic`` (idempotent)."""

    def publish(self, topic: str, event: Event) -> None:
        """Tell every follower of ``topic``, in every process; never blocks.

        Called after the change was committed, so a follower that reads the database on
        receipt finds it.
        """

    async def flag(self, key: str, seconds: float) -> bool:
        """Set ``key`` for ``seconds`` unless it is set; True if this call set it."""
