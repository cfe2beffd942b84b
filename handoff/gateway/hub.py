"""In-process wake-ups for live views, with the database as the truth.

A live view (a shopper's widget, an agent's console) waits on its :class:`Subscription`, then
re-reads the database for what is new. A change made by this instance wakes it at once; a
change made by another instance is found by the periodic re-read (``poll_seconds``), so two
instances can serve side by side without a message broker. Typing indicators are the one
thing that is not stored: they are ephemeral and stay within an instance.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from typing import Any, Final

QUEUE_TOPIC: Final = "queue"


class Subscription:
    """What one live view waits on: a wake-up flag and ephemeral notices."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.notices: list[dict[str, Any]] = []

    async def wait(self, timeout: float) -> list[dict[str, Any]]:
        """Wait for a wake-up or the timeout; return (and clear) the notices."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.event.wait(), timeout)
        self.event.clear()
        notices, self.notices = self.notices, []
        return notices


class Hub:
    """Topics (a conversation id, or :data:`QUEUE_TOPIC`) and their subscriptions."""

    def __init__(self) -> None:
        self._topics: dict[str, set[Subscription]] = defaultdict(set)

    def subscribe(self, topic: str, subscription: Subscription) -> None:
        self._topics[topic].add(subscription)

    def unsubscribe(self, topic: str, subscription: Subscription) -> None:
        subscribers = self._topics.get(topic)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._topics[topic]

    def changed(self, topic: str, notice: dict[str, Any] | None = None) -> None:
        """Wake every subscriber of ``topic``, optionally with an ephemeral notice."""
        for subscription in self._topics.get(topic, ()):
            if notice is not None:
                subscription.notices.append(notice)
            subscription.event.set()
