"""One lock per conversation in this gateway process, kept only while someone needs it.

Why: the gateway routes a conversation's messages one at a time (the assistant sees them in
order, a rating typed as "已结束服务" shows waits for the resumed assistant). A plain
``dict[str, asyncio.Lock]`` kept one lock for every conversation the process ever served, so
a gateway that ran for weeks through a sales event held millions of them. Here an entry lives
while a task holds or waits for it and is dropped with the last one.

Within one process only: across gateways the Rasa server's ticket lock (``turn_budget``)
still serves a conversation's turns one at a time, in arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ConversationLocks:
    """``async with locks.held(conversation_id)``, or :meth:`acquire` / :meth:`release`."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        """Conversations someone holds or waits for right now."""
        return len(self._entries)

    async def acquire(self, conversation_id: str) -> None:
        entry = self._entries.setdefault(conversation_id, _Entry())
        entry.users += 1
        try:
            await entry.lock.acquire()
        except BaseException:  # cancelled while waiting: no longer a user
            self._leave(conversation_id, entry)
            raise

    def release(self, conversation_id: str) -> None:
        entry = self._entries[conversation_id]
        entry.lock.release()
        self._leave(conversation_id, entry)

    def _leave(self, conversation_id: str, entry: _Entry) -> None:
        entry.users -= 1
        if entry.users == 0:
            del self._entries[conversation_id]

    @contextlib.asynccontextmanager
    async def held(self, conversation_id: str) -> AsyncIterator[None]:
        await self.acquire(conversation_id)
        try:
            yield
        finally:
            self.release(conversation_id)
