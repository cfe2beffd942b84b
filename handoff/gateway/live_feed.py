"""What one live view has shown of one conversation, by message number.

Shared by the widget's and the console's sockets. The view follows the conversation's topic
first, then opens the feed (the history it resumes from); from then on every announced
message goes through :meth:`ConversationFeed.take`: a number already shown is a copy (a
replay and a live event overlapping, a publish retried) and is dropped; the next number is
shown; a number further on means some event never arrived (another gateway's, published
while Redis was away) and the database fills the gap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from handoff.gateway.keys import GATEWAY, SETTINGS

if TYPE_CHECKING:
    from handoff.gateway.service import Gateway

Rendered = dict[str, Any]


class ConversationFeed:
    """The highest message number a view has shown, and how to show the next ones."""

    def __init__(self, gateway: Gateway, conversation_id: str) -> None:
        self.gateway = gateway
        self.conversation_id = conversation_id
        self.shown = 0
        #: Copies dropped (the fault tests count what reaches the client instead).
        self.duplicates = 0

    def _note(self, messages: list[Rendered]) -> list[Rendered]:
        fresh = [m for m in messages if int(m["seq"]) > self.shown]
        self.duplicates += len(messages) - len(fresh)
        if fresh:
            self.shown = max(int(m["seq"]) for m in fresh)
        return fresh

    async def opening(self, *, after_seq: int = 0, after_id: int = 0) -> list[Rendered]:
        """The history a view starts with: after ``after_seq`` (or the old ``after`` id),
        else the newest messages."""
        if after_seq <= 0 and after_id > 0:
            after_seq = await self.gateway.seq_of_message(self.conversation_id, after_id)
        if after_seq > 0:
            self.shown = after_seq
            return await self.catch_up()
        return self._note(await self.gateway.history(self.conversation_id))

    async def catch_up(self) -> list[Rendered]:
        """Everything numbered above what was shown, from the database."""
        return self._note(await self.gateway.history_after_seq(self.conversation_id, self.shown))

    async def take(self, message: Rendered) -> list[Rendered]:
        """An announced message: [] for a copy, [it] when next, the gap filled otherwise."""
        seq = message.get("seq")
        if not isinstance(seq, int):
            return await self.catch_up()
        if seq <= self.shown:
            self.duplicates += 1
            return []
        if seq == self.shown + 1:
            self.shown = seq
            return [message]
        return await self.catch_up()


def cut_connection(request: web.Request) -> Callable[[], None]:
    """What an overflowing inbox calls: drop the TCP connection of a socket that never
    reads (a close frame would only queue behind everything it did not read)."""

    def cut() -> None:
        transport = request.transport
        if transport is not None:
            transport.abort()

    return cut


def refresh_seconds(request: web.Request) -> float:
    """How often a view re-reads on its own: every second when the bus cannot tell it about
    other processes (in-process bus), else only for what no event announces (queue
    positions, agents going offline)."""
    settings = request.app[SETTINGS]
    if request.app[GATEWAY].hub.bus.polls_database:
        return settings.poll_seconds
    return settings.live_refresh_seconds
