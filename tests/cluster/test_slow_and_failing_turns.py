"""What a shopper sees when a real turn is slow, and when the tracker store fails under it.

The first of the package's real Rasa servers (``tests/cluster/conftest.py``, on the cluster's
configuration, ``bot/endpoints-cluster.yml``: the PostgreSQL tracker store and the Redis ticket
locks), their real action server, and the gateway in this process in front of it, with a
widget socket:

- the action server stalled for 70 s (SIGSTOP: a real, slow action server; longer than the
  60 s the gateway used to wait): the widget keeps showing the bot typing, reads one kind
  稍等 line, then gets the real answer; no "failed" message while Rasa still ran the turn;
- the tracker store's PostgreSQL stopped: the turn fails loudly, counted on Rasa's
  ``/metrics`` (``shop_tracker_store_fallbacks_total``) and logged once the store's retries
  (``TRACKER_STORE_RETRY_SECONDS``, 20 s as configured) are spent, and the shopper reads a
  kind Chinese line asking to send again, never a silently forked conversation; once the
  database is back, the same conversation carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient

from handoff.gateway.app import make_app
from handoff.gateway.identity import Identity
from handoff.gateway.service import BOT_DOWN_ZH, BOT_SILENT_ZH, WAIT_NOTICE_ZH
from handoff.gateway.settings import Settings
from tests.cluster.rasa_cluster import RasaCluster
from tests.cluster.services import PostgresServer
from tests.gateway.conftest import SECRET, KeywordScreener, shopper_query

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
GatewayClient = TestClient[web.Request, web.Application]

#: Longer than the gateway's old 60 s wait for Rasa, shorter than the 90 s action timeout.
STALL_SECONDS = 70.0
#: How long a frame may take to come on a loaded machine, beyond the stall.
FRAME_SECONDS = 60.0
FORK_SIGNS = ("InMemoryTrackerStore", "Falling back")
FALLBACK_LINE = re.compile(
    r'^shop_tracker_store_fallbacks_total\{operation="(\w+)"\} ([0-9.e+]+)$', re.MULTILINE
)


@pytest_asyncio.fixture
async def gateway(
    cluster: RasaCluster, aiohttp_client: Callable[..., Awaitable[GatewayClient]]
) -> AsyncIterator[GatewayClient]:
    """The gateway on the action server's case store, talking to the real Rasa."""
    rasa = cluster.servers[0]
    settings = Settings(
        secret=SECRET,
        database_url=rasa.database_url,
        rasa_url=rasa.rasa_url,
        rasa_token=rasa.secrets["RASA_TOKEN"],
        rasa_channel_secret=rasa.secrets["RASA_CHANNEL_SECRET"],
    )
    yield await aiohttp_client(make_app(settings, screener=KeywordScreener()))


@contextlib.asynccontextmanager
async def widget(client: GatewayClient, shopper: str) -> AsyncIterator[Frames]:
    async with client.ws_connect(f"/ws?{shopper_query(shopper)}") as ws:
        frames = Frames(ws)
        await frames.until(lambda f: f["type"] == "history")
        yield frames


class Frames:
    """Every frame of one widget socket, kept, with a wait for the next matching one."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seen: list[tuple[float, dict[str, Any]]] = []

    async def until(
        self, predicate: Callable[[dict[str, Any]], bool], seconds: float = FRAME_SECONDS
    ) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            while True:
                frame: dict[str, Any] = await self.ws.receive_json()
                self.seen.append((time.monotonic(), frame))
                if predicate(frame):
                    return frame

        return await asyncio.wait_for(read(), seconds)

    async def read_for(self, seconds: float) -> None:
        """Keep reading (and answering the gateway's pings) for ``seconds``."""
        with contextlib.suppress(asyncio.TimeoutError):
            await self.until(lambda _frame: False, seconds)

    def texts(self, sender: str | None = None) -> list[str]:
        return [
            f["message"]["text"]
            for _, f in self.seen
            if f["type"] == "message" and (sender is None or f["message"]["sender"] == sender)
        ]


def from_(sender: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] == "message" and f["message"]["sender"] == sender


def answer_or_failure(frame: dict[str, Any]) -> bool:
    """The bot's answer, or the gateway telling the shopper the turn failed."""
    if from_("bot")(frame):
        return True
    return from_("system")(frame) and frame["message"]["text"] in {BOT_DOWN_ZH, BOT_SILENT_ZH}


def fallbacks(cluster: RasaCluster) -> dict[str, float]:
    """``shop_tracker_store_fallbacks_total`` by operation, from Rasa's own ``/metrics``."""
    request = urllib.request.Request(
        f"{cluster.servers[0].rasa_url}/webhooks/rest/metrics",
        headers={"Authorization": f"Bearer {cluster.servers[0].secrets['METRICS_TOKEN']}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read().decode()
    return {operation: float(value) for operation, value in FALLBACK_LINE.findall(body)}


def assert_no_fork(cluster: RasaCluster) -> None:
    logs = cluster.logs()
    for sign in FORK_SIGNS:
        assert sign not in logs, f"Rasa fell back to an in-memory tracker ({sign!r})"


async def test_a_70_second_turn_keeps_the_shopper_informed_and_is_answered(
    cluster: RasaCluster, gateway: GatewayClient
) -> None:
    async with widget(gateway, f"slow-{secrets.token_hex(3)}") as frames:
        await frames.ws.send_json({"type": "message", "client_id": "hi", "text": "你好"})
        await frames.until(from_("bot"))  # the session has started, the action server works
        os.killpg(cluster.actions.pid, signal.SIGSTOP)
        try:
            sent = time.monotonic()
            await frames.ws.send_json(
                {"type": "message", "client_id": "slow", "text": "我的投诉到哪了"}
            )
            notice = await frames.until(lambda f: WAIT_NOTICE_ZH in str(f.get("message")))
            assert notice["message"]["sender"] == "system"
            await frames.read_for(max(0.0, STALL_SECONDS - (time.monotonic() - sent)))
        finally:
            os.killpg(cluster.actions.pid, signal.SIGCONT)
        # A failure told during the stall counts too (the gateway used to give up at 60 s).
        early = [f for at, f in frames.seen if at >= sent and answer_or_failure(f)]
        answer = early[0] if early else await frames.until(answer_or_failure)
        answered = time.monotonic()

    assert answer["message"]["sender"] == "bot", answer  # the real answer, not a failure
    assert answered - sent >= STALL_SECONDS  # it really was a turn longer than 60 s
    during = [
        at
        for at, f in frames.seen
        if f["type"] == "typing" and f["who"] == "bot" and sent <= at <= answered
    ]
    gaps = [later - earlier for earlier, later in zip([sent, *during], [*during, answered])]
    assert max(gaps) < 6.0, "the typing indicator (shown 6 s per notice) went out mid-turn"
    system = frames.texts("system")
    assert system.count(WAIT_NOTICE_ZH) == 1
    assert BOT_DOWN_ZH not in system and BOT_SILENT_ZH not in system
    assert_no_fork(cluster)


async def test_a_tracker_store_outage_is_counted_logged_and_told_to_the_shopper(
    cluster: RasaCluster, gateway: GatewayClient, postgres_server: PostgresServer
) -> None:
    before = fallbacks(cluster)
    shopper = f"outage-{secrets.token_hex(3)}"
    async with widget(gateway, shopper) as frames:
        await frames.ws.send_json({"type": "message", "client_id": "a", "text": "你好"})
        await frames.until(from_("bot"))
        await asyncio.to_thread(postgres_server.stop, "immediate")
        try:
            await frames.ws.send_json({"type": "message", "client_id": "b", "text": "在吗"})
            # The store retries for 20 s, so the 稍等 notice (at 8 s) comes first.
            told = await frames.until(
                lambda f: from_("system")(f) and f["message"]["text"] != WAIT_NOTICE_ZH
            )
            counted = await asyncio.to_thread(fallbacks, cluster)
        finally:
            await asyncio.to_thread(postgres_server.start)
        await frames.ws.send_json({"type": "message", "client_id": "c", "text": "你好"})
        await frames.until(
            lambda f: from_("bot")(f) and f["message"]["seq"] > told["message"]["seq"]
        )

    assert told["message"]["text"] == BOT_SILENT_ZH  # kind, in Chinese: send it again
    assert counted.get("retrieve", 0) >= before.get("retrieve", 0) + 1
    assert "tracker store: retrieve of" in cluster.logs()  # the operator's line, with the id
    conversation_id = Identity(shopper_id=shopper, anonymous=False).conversation_id
    events = await asyncio.to_thread(cluster.tracker_events, conversation_id)
    user_texts = [e.get("text") for e in events if e["event"] == "user"]
    assert user_texts == ["你好", "你好"]  # the failed turn left nothing; no fork, no fresh start
    assert_no_fork(cluster)
