"""The in-process bus: one gateway process (``make run``), or several on one SQLite file.

Another process's changes reach a view only through its periodic re-read of the database
(``polls_database``), as before the Redis bus existed.
"""

from __future__ import annotations

import time

from handoff.live_bus.base import Event
from handoff.live_bus.followers import Followers
from handoff.live_bus.inbox import Inbox


class LocalBus:
    """Delivers at once to this process's followers; typing flags in a dict."""

    polls_database = True

    def __init__(self) -> None:
        self._followers = Followers()
        self._flags: dict[str, float] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def subscribe(self, topic: str, inbox: Inbox) -> None:
        self._followers.add(topic, inbox)

    def unsubscribe(self, topic: str, inbox: Inbox) -> None:
        self._followers.remove(topic, inbox)

    def publish(self, topic: str, event: Event) -> None:
        self._followers.deliver(topic, event)

    async def flag(self, key: str, seconds: float) -> bool:
        now = time.monotonic()
        if self._flags.get(key, 0.0) > now:
            return False
        if len(self._flags) > 10_000:  # forget the expired ones now and then
            self._flags = {k: until for k, until in self._flags.items() if until > now}
        self._flags[key] = now + seconds
        return True
