"""Which agents are online: reported by an open console, read by every gateway.

Presence decides what a waiting shopper is told (排队中 with an expected wait, or 客服暂时不
在线，您可以留言) and what the console's colleague list shows, so every gateway instance must
read the same answer whichever instance the agent's console is connected to. Two stores:

- **The database** (``make run``, no ``REDIS_URL``): the ``agents.last_seen_at`` column,
  written by each console's heartbeat (:data:`HEARTBEAT_SECONDS`), online for
  :data:`~handoff.agents.PRESENCE_WINDOW` after the last one (``handoff.agents``).
- **Redis** (``REDIS_URL`` set, a cluster): one key, a sorted set of agent names scored by
  the moment each one's presence runs out (now + the window, on Redis's clock, so gateways
  with skewed clocks agree); a heartbeat renews the agent's entry and the key's expiry, a
  read is the entries not yet run out. An agent whose console went away drops out within
  the window, and the key itself expires when no console reports. The database is not
  written every 20 s per open console.

A view asks :meth:`Presence.online` first (a Redis round trip, or nothing) and hands the
answer, an :class:`OnlineAgents`, to the synchronous code that computes the state in its
database session, where the database store reads its column.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from sqlalchemy.orm import Session, sessionmaker

from handoff import agents as agent_store
from handoff.db import transaction

log = logging.getLogger(__name__)

#: How often an open console reports (well inside the window, so one late beat is harmless).
HEARTBEAT_SECONDS: Final = 20.0
#: An agent counts as online this long after their console's last report.
WINDOW_SECONDS: Final = agent_store.PRESENCE_WINDOW.total_seconds()
REDIS_KEY: Final = "handoff:presence:agents"

# KEYS[1] the sorted set; ARGV[1] the window in ms; ARGV[2] the agent's name.
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""
SEEN_SCRIPT: Final = (
    _NOW
    + """
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""
)
ONLINE_SCRIPT: Final = (
    _NOW
    + """
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
"""
)


class OnlineAgents(Protocol):
    """Who is online, as the state computations read it inside their database session."""

    def names(self, session: Session, now: datetime | None = None) -> frozenset[str]:
        """The login names of the agents online at ``now`` (default: now)."""


class InDatabase:
    """Presence is the ``agents.last_seen_at`` column: read it in the caller's session."""

    def names(self, session: Session, now: datetime | None = None) -> frozenset[str]:
        return frozenset(a.name for a in agent_store.online_agents(session, now=now))


@dataclass(frozen=True)
class Known:
    """Presence read beforehand (from Redis): the session is not asked."""

    online: frozenset[str]

    def names(self, session: Session, now: datetime | None = None) -> frozenset[str]:
        return self.online


#: What the state computations use when nobody says otherwise (one machine, SQLite).
IN_DATABASE: Final = InDatabase()


class Presence(Protocol):
    """Where consoles report and views read presence."""

    async def start(self) -> None:
        """Connect (before the first view)."""

    async def close(self) -> None:
        """Disconnect."""

    async def seen(self, agent_id: int, name: str) -> None:
        """The agent's console is open now (its heartbeat)."""

    async def online(self) -> OnlineAgents:
        """Who is online, for the state computations that follow."""


class DatabasePresence:
    """The column ``agents.last_seen_at`` (``make run``; also what SQLite alone can share)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def seen(self, agent_id: int, name: str) -> None:
        def work() -> None:
            with transaction(self.factory) as session:
                agent_store.touch(session, agent_id)

        await asyncio.to_thread(work)

    async def online(self) -> OnlineAgents:
        return IN_DATABASE


class RedisPresence:
    """One expiring Redis key (see the module's docstring) shared by every gateway."""

    def __init__(self, url: str, window_seconds: float = WINDOW_SECONDS) -> None:
        self.url = url
        self.window_ms = max(1, int(window_seconds * 1000))
        self._client: Any = None
        self._scripts: dict[str, Any] = {}
        #: The last answer Redis gave and when (loop time): used while Redis is away, for at
        #: most one window, so a Redis restart does not tell every shopper nobody is online.
        self._last: frozenset[str] = frozenset()
        self._last_at = float("-inf")

    async def start(self) -> None:
        import redis.asyncio

        self._client = redis.asyncio.Redis.from_url(
            self.url, socket_timeout=2, socket_connect_timeout=2
        )
        self._scripts = {
            "seen": self._client.register_script(SEEN_SCRIPT),
            "online": self._client.register_script(ONLINE_SCRIPT),
        }

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def seen(self, agent_id: int, name: str) -> None:
        from redis.exceptions import RedisError

        try:
            await self._scripts["seen"](keys=[REDIS_KEY], args=[self.window_ms, name])
        except (RedisError, OSError) as error:  # the next heartbeat tries again
            log.warning("presence of %s not recorded in Redis (%s)", name, error)

    async def online(self) -> OnlineAgents:
        from redis.exceptions import RedisError

        loop = asyncio.get_running_loop()
        try:
            names = await self._scripts["online"](keys=[REDIS_KEY], args=[])
        except (RedisError, OSError) as error:
            if loop.time() - self._last_at > self.window_ms / 1000:
                self._last = frozenset()
            log.warning("presence not read from Redis (%s); using the last answer", error)
            return Known(self._last)
        self._last = frozenset(_text(n) for n in names)
        self._last_at = loop.time()
        return Known(self._last)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def make_presence(redis_url: str, factory: sessionmaker[Session]) -> Presence:
    """Redis keys when ``redis_url`` is set, else the database column."""
    if redis_url:
        return RedisPresence(redis_url)
    return DatabasePresence(factory)
