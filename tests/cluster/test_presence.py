"""Agents' presence in a cluster: a Redis key with a short expiry, shared by every gateway.

Two real gateway processes (``python -m handoff serve``) on one real PostgreSQL database and
one real Redis (tests/cluster/services.py). An agent's console is open on the first gateway
only; a shopper waiting in the queue is connected to the second. What the second tells the
shopper (queued with someone online, or 留言 with nobody online) and its console's colleague
list come from the Redis key the first gateway's console heartbeat writes, not from the
database (which a cluster does not write every 20 s per open console).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from handoff.agents import PRESENCE_WINDOW, add_agent
from handoff.chat_models import Agent
from handoff.db import make_session_factory, prepare_database, transaction
from handoff.gateway.identity import Identity, sign_shopper
from handoff.presence import REDIS_KEY, Known, RedisPresence
from handoff.queue import queue_for_human
from tests.cluster.services import PostgresServer, RedisServer
from tests.servers import TRIAGE_MODEL, Servers, new_secrets, start_gateway

pytestmark = pytest.mark.slow

#: The secret ``tests.servers.start_gateway`` gives its gateways.
GATEWAY_SECRET = b"browser-test-secret"
SHOPPER = "shopper-presence"
#: A view re-reads what no event announces every live_refresh_seconds (5 s); generous.
STATE_SECONDS = 30.0


@dataclass(frozen=True)
class TwoGateways:
    urls: list[str]
    database_url: str


@pytest.fixture
def two_gateways(
    tmp_path: Path, postgres_server: PostgresServer, redis_server: RedisServer
) -> Iterator[TwoGateways]:
    if not TRIAGE_MODEL.exists():
        pytest.skip("no triage model at models/triage/latest: run `make train`")
    redis_server.start()  # a previous test may have left it stopped
    redis_server.command("FLUSHALL")
    url = postgres_server.create_database(driver="psycopg")
    engine = prepare_database(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        add_agent(session, "alice", "password-alice", "Alice")
        queue_for_human(
            session,
            None,
            conversation_id=Identity(shopper_id=SHOPPER, anonymous=False).conversation_id,
            shopper_id=SHOPPER,
            reason="shopper_request",
            priority="normal",
        )
    servers = Servers(  # no assistant: nothing here talks to Rasa
        "http://127.0.0.1:9", "", url, factory, tmp_path / "rasa.log", new_secrets()
    )
    env = {"REDIS_URL": redis_server.url()}
    urls: list[str] = []
    starts = []
    try:
        for number in range(2):
            folder = tmp_path / f"gateway-{number}"
            folder.mkdir()
            start = start_gateway(folder, servers, extra_env=env)
            starts.append(start)
            urls.append(next(start))
        yield TwoGateways(urls, url)
    finally:
        for start in starts:
            start.close()
        engine.dispose()


def last_seen_in_database(database_url: str) -> Any:
    engine = prepare_database(database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(Agent.last_seen_at).where(Agent.name == "alice"))
    finally:
        engine.dispose()


async def login(session: aiohttp.ClientSession, base: str) -> str:
    """Alice's session cookie (any gateway accepts it: sessions are in the database)."""
    async with session.post(
        f"{base}/agent/login",
        data={"name": "alice", "password": "password-alice"},
        allow_redirects=False,
    ) as response:
        assert response.status == 302, await response.text()
        return response.cookies["handoff_session"].value


async def shopper_state(
    session: aiohttp.ClientSession, base: str, wanted: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The widget's first ``state`` frame matching ``wanted``, on the gateway at ``base``."""
    sig = sign_shopper(GATEWAY_SECRET, SHOPPER, int(time.time()) + 3600)
    ws_url = base.replace("http", "ws") + f"/ws?shopper={SHOPPER}&sig={sig}"
    async with session.ws_connect(ws_url) as ws:

        async def read() -> dict[str, Any]:
            while True:
                frame: dict[str, Any] = await ws.receive_json()
                if frame["type"] == "state" and wanted(frame):
                    return frame

        return await asyncio.wait_for(read(), STATE_SECONDS)


def presence_entries(redis_server: RedisServer) -> dict[str, float]:
    """The presence key's members and the Unix ms at which each runs out."""
    raw = redis_server.command("ZRANGE", REDIS_KEY, "0", "-1", "WITHSCORES").split()
    return {raw[i]: float(raw[i + 1]) for i in range(0, len(raw), 2)}


def redis_now_ms(redis_server: RedisServer) -> float:
    seconds, micros = redis_server.command("TIME").split()
    return int(seconds) * 1000 + int(micros) / 1000


def test_an_agent_online_on_one_gateway_is_online_on_the_other_through_redis(
    two_gateways: TwoGateways, redis_server: RedisServer
) -> None:
    first, second = two_gateways.urls

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            # Nobody online yet: the shopper on the second gateway may leave a message.
            await shopper_state(session, second, lambda f: f["state"] == "offline")

            cookie = await login(session, first)
            console = await session.ws_connect(
                first.replace("http", "ws") + "/agent/ws",
                headers={"Cookie": f"handoff_session={cookie}", "Origin": first},
            )
            try:
                await console.receive_json()  # the first queue frame: the heartbeat ran
                entries = presence_entries(redis_server)
                assert set(entries) == {"alice"}
                runs_out_in = entries["alice"] - redis_now_ms(redis_server)
                window_ms = PRESENCE_WINDOW.total_seconds() * 1000
                assert 0 < runs_out_in <= window_ms  # a short expiry, on Redis's clock
                assert 0 < int(redis_server.command("PTTL", REDIS_KEY)) <= window_ms

                queued = await shopper_state(session, second, lambda f: f["state"] == "queued")
                assert "排队中" in queued["text"]
                async with session.get(
                    f"{second}/agent/api/queue", headers={"Cookie": f"handoff_session={cookie}"}
                ) as response:
                    agents = (await response.json())["agents"]
                assert {a["name"]: a["online"] for a in agents}["alice"] is True
            finally:
                await console.close()

            # The console went away and its entry ran out (as it does one window later):
            # the second gateway, reading Redis, tells the shopper nobody is online.
            redis_server.command("DEL", REDIS_KEY)
            offline = await shopper_state(session, second, lambda f: f["state"] == "offline")
            assert "客服暂时不在线" in offline["text"]

    asyncio.run(scenario())

    assert last_seen_in_database(two_gateways.database_url) is None  # not written every 20 s


def test_an_entry_runs_out_one_window_after_the_last_heartbeat(redis_server: RedisServer) -> None:
    """The expiry itself, with a window of half a second instead of a minute."""
    redis_server.start()
    redis_server.command("FLUSHALL")

    async def scenario() -> list[frozenset[str]]:
        presence = RedisPresence(redis_server.url(), window_seconds=0.5)
        await presence.start()
        try:
            await presence.seen(1, "alice")
            await presence.seen(2, "bob")
            seen = [await online_names(presence)]
            await asyncio.sleep(0.3)
            await presence.seen(2, "bob")  # bob's console is still open
            await asyncio.sleep(0.35)
            seen.append(await online_names(presence))
            await asyncio.sleep(0.6)
            seen.append(await online_names(presence))
            return seen
        finally:
            await presence.close()

    assert asyncio.run(scenario()) == [{"alice", "bob"}, {"bob"}, frozenset()]
    assert redis_server.command("EXISTS", REDIS_KEY) == "0"  # the key itself expired too


def test_while_redis_is_away_the_last_answer_stands(redis_server: RedisServer) -> None:
    """A Redis restart must not tell every waiting shopper that nobody is online."""
    redis_server.start()
    redis_server.command("FLUSHALL")

    async def scenario() -> tuple[frozenset[str], frozenset[str]]:
        presence = RedisPresence(redis_server.url())
        await presence.start()
        try:
            await presence.seen(1, "alice")
            before = await online_names(presence)
            redis_server.stop()
            try:
                await presence.seen(1, "alice")  # logged, not raised
                during = await online_names(presence)
            finally:
                redis_server.start()
            return before, during
        finally:
            await presence.close()

    assert asyncio.run(scenario()) == ({"alice"}, {"alice"})


async def online_names(presence: RedisPresence) -> frozenset[str]:
    known = await presence.online()
    assert isinstance(known, Known)  # read from Redis, not left to the database
    return known.online
