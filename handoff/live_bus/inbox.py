"""One live view's bounded queue of events.

Events wait here between the bus and the view's socket. A socket whose reader is slow or
gone stops draining it; the queue then drops typing notices first (they are stale in two
seconds anyway) and, when it is still full of messages, gives up on the view: it calls
``on_overflow`` (the socket is cut) and holds nothing more. The widget reconnects and resumes
from its last message number, so a cut loses nothing; an unbounded queue would instead
grow until the gateway runs out of memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Final

log = logging.getLogger(__name__)

#: Events one view may have waiting: a few hundred messages is minutes of a busy chat.
DEFAULT_LIMIT: Final = 256
DROPPABLE: Final = frozenset({"typing"})
#: Events a view takes at a time (see :meth:`Inbox.wait`).
BATCH: Final = 16
Delivery = tuple[str, dict[str, Any]]


def _droppable(event: dict[str, Any]) -> bool:
    return event.get("type") in DROPPABLE


class Inbox:
    """Events for one view: ``(topic, event)`` pairs, at most ``limit`` of them."""

    def __init__(
        self, limit: int = DEFAULT_LIMIT, on_overflow: Callable[[], None] | None = None
    ) -> None:
        self.limit = limit
        self.on_overflow = on_overflow
        self.dropped = 0
        self.overflowed = False
        #: The most events ever waiting at once (the fault test reads it from the log).
        self.high_water = 0
        self._events: deque[Delivery] = deque()
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._events)

    def put(self, topic: str, event: dict[str, Any]) -> None:
        """Queue an event; never blocks (the bus delivers to many views in a row)."""
        if self.overflowed:
            return
        if event.get("type") in {"changed", "resync"} and (topic, event) in self._events:
            return  # one pending "re-read" says it all
        if len(self._events) >= self.limit:
            if _droppable(event):  # a typing notice that finds the queue full: not queued
                self.dropped += 1
                return
            if not self._drop_waiting_typing():
                self._overflow()
                return
        self._events.append((topic, event))
        self.high_water = max(self.high_water, len(self._events))
        self._ready.set()

    def _drop_waiting_typing(self) -> bool:
        """Make room by dropping the oldest waiting typing notice; False if there is none."""
        for index, (_topic, waiting) in enumerate(self._events):
            if _droppable(waiting):
                del self._events[index]
                self.dropped += 1
                return True
        return False

    def _overflow(self) -> None:
        self.overflowed = True
        waiting = len(self._events)
        self._events.clear()
        self._ready.set()
        log.warning(
            "live view closed: it stopped reading with %d events waiting (limit %d)",
            waiting,
            self.limit,
        )
        if self.on_overflow is not None:
            self.on_overflow()

    def wake(self) -> None:
        """Make the next :meth:`wait` return at once (the view has work of its own)."""
        self._ready.set()

    async def wait(self, timeout: float) -> list[Delivery]:
        """Wait for events or ``timeout`` seconds; return (and remove) up to :data:`BATCH`.

        A small batch keeps what the view has taken but not yet sent small too, so the
        limit bounds nearly everything pending for it.
        """
        if not self._events:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout)
        self._ready.clear()
        count = min(BATCH, len(self._events))
        events = [self._events.popleft() for _ in range(count)]
        if self._events:
            self._ready.set()
        return events
