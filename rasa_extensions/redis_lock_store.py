"""Conversation locks in Redis for Rasa servers on several machines: atomic, expiring, async.

Why not Rasa's ``RedisLockStore``: it reads a conversation's lock with GET and writes it back
with SET, so two Rasa servers taking a ticket at the same moment can both be served at once
(the fix was reverted upstream, rasa #11256 / #11428); it uses a blocking client on the event
loop, and its keys never expire. This store keeps Rasa's ticket discipline (messages of one
conversation are served one at a time, in the order they arrived) with every step one Lua
script, which Redis runs atomically:

- **issue**: ``INCR`` a per-conversation counter for the ticket number and queue the ticket
  (a sorted set scored by number; each member carries a random token, so a ticket number
  reused after a Redis restart can never release someone else's ticket);
- **poll**: drop expired tickets, then either the ticket is first in line (served: its expiry
  becomes *now + lock lifetime*, counted from the start of the turn, not from its arrival) or
  it is still waiting (its expiry is renewed by ``WAITER_LIFETIME_SECONDS``, so a waiter that
  died is skipped within seconds, and a live one never expires however long it waits);
- **release**: remove the ticket; the queue's keys disappear when it is empty.

Times are Redis's own clock (``TIME``), so Rasa servers with skewed clocks agree. Every key
expires (``KEY_TTL``) when nobody touches it. The turn budget (``turn_budget``) bounds how long
a served turn runs, so a live turn never outlasts its ticket; creating the store also bounds
Rasa's action calls by ``RASA_ACTION_TIMEOUT``.

Configured in an endpoints file (``bot/endpoints-cluster.yml``)::

    lock_store:
      type: rasa_extensions.redis_lock_store.RedisTicketLockStore
      url: ${REDIS_URL}            # redis://:password@host:6379/0 (rediss:// for TLS)
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import turn_budget

log = logging.getLogger(f"rasa.{__name__}")

DEFAULT_KEY_PREFIX: Final = "shop:lock:"
#: A waiting ticket lives this long after its last poll (polls come every few milliseconds).
WAITER_LIFETIME_SECONDS: Final = turn_budget.WAITER_LIFETIME_SECONDS
#: A conversation's keys vanish after a day without messages (the counter included).
KEY_TTL_SECONDS: Final = 24 * 3600
#: Between two polls of a waiting message: short at first (a double send), then less often.
FIRST_WAIT_SECONDS: Final = 0.005
LONGEST_WAIT_SECONDS: Final = 0.05
#: How long a Redis that does not answer is retried before the turn fails with LockError.
REDIS_RETRY_SECONDS: Final = 5.0
#: The poll script's answers besides a waiting ticket's place in line (0 = served).
SERVED: Final = 0
LOST: Final = -1

# Keys: KEYS[1] counter, KEYS[2] queue (sorted set: member "number:token", score number),
# KEYS[3] expiries (hash: member -> Unix ms). Hash-tagged on the conversation, so all three
# live in one slot of a Redis Cluster.
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function keep(ttl) for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end end
"""
ISSUE_SCRIPT: Final = (
    _NOW
    + """
local number = redis.call('INCR', KEYS[1])
local member = number .. ':' .. ARGV[1]
redis.call('ZADD', KEYS[2], number, member)
redis.call('HSET', KEYS[3], member, now + tonumber(ARGV[2]))
keep(ARGV[3])
return member
"""
)
POLL_SCRIPT: Final = (
    _NOW
    + """
local expiries = redis.call('HGETALL', KEYS[3])
for i = 1, #expiries, 2 do
  if tonumber(expiries[i + 1]) < now then
    redis.call('HDEL', KEYS[3], expiries[i])
    redis.call('ZREM', KEYS[2], expiries[i])
  end
end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then return -1 end
local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
if first == ARGV[1] then
  redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[3]))
  keep(ARGV[4])
  return 0
end
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[2]))
keep(ARGV[4])
return redis.call('ZRANK', KEYS[2], ARGV[1])
"""
)
RELEASE_SCRIPT: Final = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[2], KEYS[3]) end
return 1
"""


@dataclass(frozen=True)
class _Keys:
    counter: str
    queue: str
    expiries: str

    @classmethod
    def of(cls, prefix: str, conversation_id: str) -> _Keys:
        tagged = f"{prefix}{{{conversation_id}}}"
        return cls(f"{tagged}:counter", f"{tagged}:queue", f"{tagged}:expiries")

    def as_list(self) -> list[str]:
        return [self.counter, self.queue, self.expiries]


class RedisTicketLockStore(LockStore):
    """Rasa's ticket locks, one atomic Lua script per step, on ``redis.asyncio``."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        url: str | None = None,
        key_prefix: str | None = None,
        lock_lifetime: float | None = None,
    ) -> None:
        """``url`` or the endpoint's ``url`` or ``$REDIS_URL``; the limits of ``turn_budget``.

        Also makes Rasa's action calls of this process honour ``RASA_ACTION_TIMEOUT``: the
        lock's guarantee depends on it.
        """
        kwargs: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        configured_url = endpoint_config.url if endpoint_config is not None else None
        self.url = url or configured_url or os.environ.get("REDIS_URL", "")
        if not self.url:
            raise ValueError("RedisTicketLockStore needs a Redis URL (url: or $REDIS_URL)")
        self.key_prefix = key_prefix or str(kwargs.get("key_prefix") or DEFAULT_KEY_PREFIX)
        configured_lifetime = lock_lifetime or kwargs.get("lock_lifetime")
        self.budget = turn_budget.TurnBudget.from_environment(
            float(configured_lifetime) if configured_lifetime else None
        )
        turn_budget.install(self.budget)
        self._client: Any = None
        self._scripts: dict[str, Any] = {}
        self._client_loop: asyncio.AbstractEventLoop | None = None
        super().__init__()

    def _redis(self) -> Any:
        """This event loop's client (Sanic's workers run their own loops, after a fork)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            import redis.asyncio

            self._client = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30
            )
            self._scripts = {
                name: self._client.register_script(source)
                for name, source in (
                    ("issue", ISSUE_SCRIPT),
                    ("poll", POLL_SCRIPT),
                    ("release", RELEASE_SCRIPT),
                )
            }
            self._client_loop = loop
        return self._client

    async def _run(self, script: str, keys: _Keys, *args: Any) -> Any:
        """Run one script, retrying a Redis that is restarting for REDIS_RETRY_SECONDS."""
        import redis.exceptions

        self._redis()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REDIS_RETRY_SECONDS
        pause = 0.05
        while True:
            try:
                return await self._scripts[script](keys=keys.as_list(), args=list(args))
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
                if loop.time() + pause > deadline:
                    raise LockError(f"Redis lock store unavailable: {error}") from error
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)

    @staticmethod
    def _milliseconds(seconds: float) -> int:
        return int(seconds * 1000)

    async def issue(self, conversation_id: str) -> str:
        """Queue a ticket for the conversation; its member name (``number:token``)."""
        keys = _Keys.of(self.key_prefix, conversation_id)
        member = await self._run(
            "issue",
            keys,
            secrets.token_hex(8),
            self._milliseconds(WAITER_LIFETIME_SECONDS),
            self._milliseconds(KEY_TTL_SECONDS),
        )
        return member.decode() if isinstance(member, bytes) else str(member)

    async def poll(self, conversation_id: str, ticket: str) -> int:
        """:data:`SERVED` (0), :data:`LOST` (-1) or the ticket's place in line (1, 2, …)."""
        keys = _Keys.of(self.key_prefix, conversation_id)
        place = await self._run(
            "poll",
            keys,
            ticket,
            self._milliseconds(WAITER_LIFETIME_SECONDS),
            self._milliseconds(self.budget.lock_lifetime),
            self._milliseconds(KEY_TTL_SECONDS),
        )
        return int(place)

    async def release(self, conversation_id: str, ticket: str) -> None:
        """Remove the ticket (served or abandoned); the next in line is served."""
        await self._run("release", _Keys.of(self.key_prefix, conversation_id), ticket)

    async def _wait_until_served(self, conversation_id: str, ticket: str) -> None:
        pause = FIRST_WAIT_SECONDS
        while True:
            place = await self.poll(conversation_id, ticket)
            if place == SERVED:
                return
            if place == LOST:
                raise LockError(
                    f"the ticket of a message of {conversation_id} vanished while it waited "
                    "(Redis restarted or lost its data)"
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_WAIT_SECONDS)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float | None = None,
        wait_time_in_seconds: float | None = None,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation for one turn, in arrival order, within the turn budget.

        Rasa's arguments are accepted and ignored: the lifetime is the configured one
        (``turn_budget``), and waiting polls back off on their own.
        """
        ticket = await self.issue(conversation_id)
        try:
            await self._wait_until_served(conversation_id, ticket)
            with turn_budget.turn_deadline(self.budget.turn_seconds, conversation_id):
                yield TicketLock(conversation_id)
        finally:
            # Shielded: a turn cancelled at the very end must still free the conversation.
            await asyncio.shield(self._release_quietly(conversation_id, ticket))

    async def _release_quietly(self, conversation_id: str, ticket: str) -> None:
        try:
            await self.release(conversation_id, ticket)
        except LockError:
            log.exception(
                "could not release a ticket of %s; it expires in %.0f s at most",
                conversation_id,
                self.budget.lock_lifetime,
            )

    # Rasa's synchronous primitives would block the event loop on Redis; nothing in Rasa 3.6
    # calls them once ``lock`` is overridden (agent, processor and server use ``lock`` only).

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        raise NotImplementedError("RedisTicketLockStore is used through lock() only")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("RedisTicketLockStore is used through lock() only")

    def delete_lock(self, conversation_id: str) -> None:
        raise NotImplementedError("RedisTicketLockStore is used through lock() only")

    def __getstate__(self) -> dict[str, Any]:
        """Picklable for Sanic's worker start: each process opens its own client."""
        return {**self.__dict__, "_client": None, "_scripts": {}, "_client_loop": None}
