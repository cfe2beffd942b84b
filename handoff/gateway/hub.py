"""The gateway's side of the live bus: what changed, said after the change was committed.

A live view (a shopper's widget, an agent's console) follows topics with its
:class:`Subscription` and shows what arrives. The database is the truth: a stored message
is announced with its number in the conversation (``seq``), so a view shows it at once,
drops a copy it has shown, and reads the database when a number is missing; a change that
carries no data (``changed``) or a bus that was cut off (``resync``) makes the view re-read.
Which bus carries the events (in-process, or Redis between gateways) is the app's choice,
see :mod:`handoff.live_bus`. Typing notices are never stored: a flag that expires within
seconds (a Redis key on the Redis bus) keeps them to one per conversation and side every
couple of seconds, however many gateways and tabs are involved.
"""

from __future__ import annotations

from typing import Any, Final

from handoff.live_bus import Inbox, LiveBus, LocalBus
from handoff.live_bus.base import CHANGED

QUEUE_TOPIC: Final = "queue"
#: How long one typing notice stands for a side that keeps typing (the widget shows it for
#: six seconds after the last one, and a typing client sends one every couple of seconds).
TYPING_SECONDS: Final = 2.0


class Subscription(Inbox):
    """What one live view waits on (a bounded :class:`~handoff.live_bus.inbox.Inbox`)."""


class Hub:
    """Topics (a conversation id, :data:`QUEUE_TOPIC`, ``alerts``) over a live bus."""

    def __init__(self, bus: LiveBus | None = None) -> None:
        self.bus: LiveBus = bus if bus is not None else LocalBus()

    async def subscribe(self, topic: str, subscription: Subscription) -> None:
        """Follow ``topic``; once this returns, nothing announced later is missed."""
        await self.bus.subscribe(topic, subscription)

    def unsubscribe(self, topic: str, subscription: Subscription) -> None:
        self.bus.unsubscribe(topic, subscription)

    def changed(self, topic: str, notice: dict[str, Any] | None = None) -> None:
        """Tell the followers of ``topic`` to re-read, or give them an ephemeral notice."""
        self.bus.publish(topic, notice if notice is not None else CHANGED)

    def stored(self, conversation_id: str, message: dict[str, Any]) -> None:
        """Announce a committed message (as :meth:`Gateway.message_dict` renders it)."""
        self.bus.publish(conversation_id, {"type": "message", "message": message})

    async def typing(self, conversation_id: str, who: str) -> None:
        """Someone is typing: tell the other side, at most once per :data:`TYPING_SECONDS`."""
        if await self.bus.flag(f"typing:{conversation_id}:{who}", TYPING_SECONDS):
            self.changed(conversation_id, {"type": "typing", "who": who})
