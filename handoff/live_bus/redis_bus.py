"""Live updates between gateways over Redis pub/sub (``REDIS_URL``, ``make run-cluster``).

One channel per topic (``handoff:live:<topic>``), subscribed while a view of this process
follows the topic, so a gateway hears only about the conversations it serves. An event is
delivered to this process's views at once and published for the others (marked with this
process's id, so its echo is skipped). Publishing runs in one background task, in order,
retrying a failed publish of a message until Redis takes it.

redis-py's asyncio pub/sub does not resubscribe reliably after a reconnect (redis-py #2089,
#2417) and, when it does, says nothing about the messages missed meanwhile. So the
subscriptions have a supervisor of their own: internal retries are off, any error or a
missed ping ends the connection, and the supervisor opens a new one, subscribes to every
followed topic again and, as Redis confirms each, sends that topic's views a ``resync``:
they re-read the database, which holds everything they missed. A view subscribing to a
new topic waits for Redis's confirmation before it reads the database, so nothing
published in between is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any, Final

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from handoff.live_bus.base import RESYNC, Event
from handoff.live_bus.followers import Followers
from handoff.live_bus.inbox import DROPPABLE, Inbox

log = logging.getLogger(__name__)

CHANNEL_PREFIX: Final = "handoff:live:"
FLAG_PREFIX: Final = "handoff:flag:"
#: A quiet connection is pinged this often; one that stays silent for DEAD_SECONDS is dead.
PING_SECONDS: Final = 1.0
DEAD_SECONDS: Final = 3.0
#: How long a new subscription waits for Redis's confirmation before reading anyway (Redis
#: down: the resync after the reconnect covers what it misses).
CONFIRM_SECONDS: Final = 1.0
RECONNECT_FIRST: Final = 0.1
RECONNECT_CAP: Final = 1.0
#: Events waiting to be published while Redis is away; beyond, they are dropped (the
#: resync after the reconnect makes every view re-read the database anyway).
OUTBOX_LIMIT: Final = 10_000
CONNECT_TIMEOUT: Final = 2.0


def _channel(topic: str) -> str:
    return CHANNEL_PREFIX + topic


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBus:
    """Pub/sub between gateways; typing flags as Redis keys that expire."""

    polls_database = False

    def __init__(self, url: str) -> None:
        self.url = url
        self.instance = uuid.uuid4().hex[:12]
        self._followers = Followers()
        self._confirmed: dict[str, asyncio.Event] = {}
        self._resync_due: set[str] = set()
        self._commands: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._outbox: asyncio.Queue[tuple[str, str, bool]] = asyncio.Queue(OUTBOX_LIMIT)
        self._tasks: list[asyncio.Task[None]] = []
        self._client: Redis | None = None
        self._listener: Redis | None = None
        #: How many times the subscriptions were (re)established (the fault test reads it).
        self.connections = 0

    def _redis(self) -> Redis:
        # No retries inside redis-py: a lost connection must surface, so that the
        # supervisor knows to resubscribe and resync (see the module's docstring).
        client: Redis = Redis.from_url(
            self.url, socket_connect_timeout=CONNECT_TIMEOUT, retry=Retry(NoBackoff(), 0)
        )
        return client

    async def start(self) -> None:
        self._client = self._redis()
        self._listener = self._redis()
        self._tasks = [
            asyncio.create_task(self._supervise(), name="redis-bus-subscriptions"),
            asyncio.create_task(self._publish_in_order(), name="redis-bus-publisher"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for client in (self._client, self._listener):
            if client is not None:
                await client.aclose()

    # ------------------------------------------------------------------ following topics

    async def subscribe(self, topic: str, inbox: Inbox) -> None:
        if self._followers.add(topic, inbox):
            self._confirmed[topic] = asyncio.Event()
            self._commands.put_nowait(("subscribe", topic))
        confirmed = self._confirmed.get(topic)
        if confirmed is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(confirmed.wait(), CONFIRM_SECONDS)

    def unsubscribe(self, topic: str, inbox: Inbox) -> None:
        if self._followers.remove(topic, inbox):
            self._confirmed.pop(topic, None)
            self._commands.put_nowait(("unsubscribe", topic))

    async def _supervise(self) -> None:
        """Keep one subscribed connection, resubscribing and resyncing after every loss."""
        delay = RECONNECT_FIRST
        while True:
            assert self._listener is not None
            pubsub = self._listener.pubsub()
            established = self.connections
            try:
                await self._resubscribe(pubsub)
                pump = asyncio.create_task(self._pump(pubsub))
                try:
                    await self._read(pubsub)
                finally:
                    pump.cancel()
                    with contextlib.suppress(asyncio.CancelledError, RedisError, OSError):
                        await pump
            except (RedisError, OSError) as error:
                log.warning("Redis pub/sub connection lost (%s); reconnecting", error)
            finally:
                for confirmed in self._confirmed.values():
                    confirmed.clear()
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            # Quick after a connection that worked, then slower while Redis stays away.
            delay = RECONNECT_FIRST if self.connections > established else delay
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_CAP)

    async def _resubscribe(self, pubsub: PubSub) -> None:
        """Subscribe to this process's channel and every followed topic."""
        while not self._commands.empty():  # the full list below supersedes them
            self._commands.get_nowait()
        topics = list(self._followers.topics())
        self._resync_due = set(topics)
        await pubsub.subscribe(_channel(f"~{self.instance}"))
        if topics:
            await pubsub.subscribe(*[_channel(t) for t in topics])

    async def _pump(self, pubsub: PubSub) -> None:
        """Send the subscription changes of views that come and go, in order."""
        while True:
            verb, topic = await self._commands.get()
            if verb == "subscribe":
                await pubsub.subscribe(_channel(topic))
            elif topic not in self._confirmed:  # nobody followed it again meanwhile
                await pubsub.unsubscribe(_channel(topic))

    async def _read(self, pubsub: PubSub) -> None:
        """Deliver what arrives; ping when quiet; raise when the connection is dead."""
        loop = asyncio.get_running_loop()
        heard = loop.time()
        while True:
            message = await pubsub.get_message(timeout=PING_SECONDS)
            now = loop.time()
            if message is None:
                if now - heard > DEAD_SECONDS:
                    raise ConnectionError(f"no answer from Redis for {DEAD_SECONDS:.0f} s")
                await pubsub.ping()
                continue
            heard = now
            self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = _text(message.get("type"))
        channel = _text(message.get("channel") or "")
        if not channel.startswith(CHANNEL_PREFIX):
            return
        topic = channel.removeprefix(CHANNEL_PREFIX)
        if kind == "subscribe":
            if topic.startswith("~"):
                self.connections += 1
                if self.connections > 1:
                    log.warning("Redis pub/sub resubscribed (connection %d)", self.connections)
                return
            confirmed = self._confirmed.get(topic)
            if confirmed is not None:
                confirmed.set()
            if topic in self._resync_due:
                self._resync_due.discard(topic)
                self._followers.deliver(topic, RESYNC)
        elif kind == "message":
            try:
                envelope = json.loads(message["data"])
            except (TypeError, ValueError):
                log.warning("ignored a malformed live event on %s", channel)
                return
            if isinstance(envelope, dict) and envelope.get("o") != self.instance:
                event = envelope.get("e")
                if isinstance(event, dict):
                    self._followers.deliver(topic, event)

    # ------------------------------------------------------------------ publishing

    def publish(self, topic: str, event: Event) -> None:
        self._followers.deliver(topic, event)
        droppable = event.get("type") in DROPPABLE
        payload = json.dumps({"o": self.instance, "e": event}, ensure_ascii=False)
        try:
            self._outbox.put_nowait((topic, payload, droppable))
        except asyncio.QueueFull:
            if not droppable:
                log.error("live event for %s dropped: Redis has been away too long", topic)

    async def _publish_in_order(self) -> None:
        while True:
            topic, payload, droppable = await self._outbox.get()
            delay = RECONNECT_FIRST
            while True:
                try:
                    assert self._client is not None
                    await self._client.publish(_channel(topic), payload)
                    break
                except (RedisError, OSError) as error:
                    if droppable:
                        break
                    log.warning("could not publish a live event (%s); retrying", error)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RECONNECT_CAP)

    async def flag(self, key: str, seconds: float) -> bool:
        assert self._client is not None
        try:
            done = await self._client.set(
                FLAG_PREFIX + key, "1", px=max(1, int(seconds * 1000)), nx=True
            )
        except (RedisError, OSError):
            return True  # Redis away: better one typing notice too many than none
        return bool(done)
