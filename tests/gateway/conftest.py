"""Fixtures for the gateway: a temporary database, a fake Rasa server, a keyword screener.

The fake Rasa is the outside world of these tests: it speaks Rasa's HTTP API and, like the
real action server, queues a conversation for a human when the shopper types 转人工.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from handoff.agents import add_agent
from handoff.cases import TriageSummary
from handoff.db import make_session_factory, prepare_database, transaction
from handoff.gateway.app import make_app
from handoff.gateway.identity import sign_shopper
from handoff.gateway.settings import Settings
from handoff.queue import queue_for_human

#: pytest-aiohttp runs on pytest-asyncio in strict mode: mark every test module with this.
ASYNC = pytest.mark.asyncio
SECRET = b"test-secret"
WAIT = 30.0  # generous: the machine may be loaded; nothing asserts on time


class KeywordScreener:
    """Urgent when the text names smoke or a burn: deterministic and instant."""

    async def screen(self, text: str) -> TriageSummary | None:
        urgent = any(word in text for word in ("冒烟", "烫伤", "起火"))
        return TriageSummary(
            category="quality",
            category_confidence=0.9,
            urgency="urgent" if urgent else "normal",
            urgency_score=0.95 if urgent else 0.05,
            reasons=["safety_health:rule:冒烟"] if urgent else [],
        )


@dataclass
class FakeRasa:
    """Records what the gateway asked; answers like the shop assistant would."""

    db_url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    paused: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    #: Answer this many messages with 503, as a Rasa server still loading its model does.
    unavailable: int = 0
    #: Answer this many messages with an empty list, as Rasa does when a turn raised.
    silent: int = 0
    #: Seconds each message takes, as a turn with a slow action does.
    delay: float = 0.0

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.post("/webhooks/rest/webhook", self.webhook),
                web.post("/conversations/{cid}/tracker/events", self.events),
                web.post("/conversations/{cid}/trigger_intent", self.trigger),
            ]
        )
        return app

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.unavailable > 0:
            self.unavailable -= 1
            return web.json_response({"error": "loading"}, status=503)
        self.received.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        sender = body["sender"]
        if sender in self.paused:
            return web.json_response([])
        if self.silent > 0:
            self.silent -= 1
            return web.json_response([])
        if "转人工" in body["message"]:
            shopper = body["metadata"]["shopper_id"]
            await asyncio.to_thread(self._queue, sender, shopper)
            self.paused.add(sender)
            return web.json_response(
                [{"recipient_id": sender, "text": "好的，正在为您转接人工客服"}]
            )
        return web.json_response(
            [
                {"recipient_id": sender, "text": "您好，请问有什么可以帮您？"},
                {
                    "recipient_id": sender,
                    "text": "请选择",
                    "buttons": [{"title": "我要投诉", "payload": "/complain"}],
                    "custom": {"kind": "menu"},
                },
            ]
        )

    def _queue(self, conversation_id: str, shopper_id: str) -> None:
        engine = prepare_database(self.db_url)
        try:
            with transaction(make_session_factory(engine)) as session:
                queue_for_human(
                    session,
                    None,
                    conversation_id=conversation_id,
                    shopper_id=shopper_id,
                    reason="shopper_request",
                    priority="normal",
                )
        finally:
            engine.dispose()

    async def events(self, request: web.Request) -> web.Response:
        body = await request.json()
        events = body if isinstance(body, list) else [body]
        cid = request.match_info["cid"]
        for event in events:
            self.calls.append(f"{event['event']}:{cid}")
            if event["event"] == "pause":
                self.paused.add(cid)
            if event["event"] == "resume":
                self.paused.discard(cid)
        return web.json_response({"events": []})

    async def trigger(self, request: web.Request) -> web.Response:
        body = await request.json()
        cid = request.match_info["cid"]
        self.calls.append(f"trigger:{body['name']}:{json.dumps(body['entities'])}:{cid}")
        return web.json_response(
            {
                "tracker": {},
                "messages": [
                    {"recipient_id": cid, "text": "人工客服已经处理完毕"},
                    {
                        "recipient_id": cid,
                        "text": "请为本次服务打分（1–5 分）",
                        "buttons": [
                            {"title": str(n), "payload": f'/rate_service{{"rating": {n}}}'}
                            for n in range(1, 6)
                        ],
                    },
                ],
            }
        )


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = prepare_database(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            for name in ("alice", "bob"):
                add_agent(session, name, "password-" + name, name.title())
    finally:
        engine.dispose()
    return url


@pytest_asyncio.fixture
async def fake_rasa(
    db_url: str, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> tuple[FakeRasa, str]:
    fake = FakeRasa(db_url)
    server = await aiohttp_server(fake.app())
    return fake, str(server.make_url("")).rstrip("/")


@pytest.fixture
def settings(db_url: str, fake_rasa: tuple[FakeRasa, str]) -> Settings:
    return Settings(secret=SECRET, database_url=db_url, rasa_url=fake_rasa[1], poll_seconds=0.2)


@pytest.fixture
def rasa(fake_rasa: tuple[FakeRasa, str]) -> FakeRasa:
    return fake_rasa[0]


GatewayClient = TestClient[web.Request, web.Application]


@pytest_asyncio.fixture
async def client(
    settings: Settings, aiohttp_client: Callable[..., Awaitable[GatewayClient]]
) -> GatewayClient:
    return await aiohttp_client(make_app(settings, screener=KeywordScreener()))


def shopper_query(shopper: str = "shopper-1001") -> str:
    return f"shopper={shopper}&sig={sign_shopper(SECRET, shopper, int(time.time()) + 3600)}"


async def receive_until(
    ws: aiohttp.ClientWebSocketResponse, predicate: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The first frame matching ``predicate`` (others are skipped)."""

    async def loop() -> dict[str, Any]:
        while True:
            frame = await ws.receive_json()
            if predicate(frame):
                return frame

    return await asyncio.wait_for(loop(), WAIT)


def message_with(text: str, sender: str | None = None) -> Callable[[dict[str, Any]], bool]:
    def match(frame: dict[str, Any]) -> bool:
        message = frame.get("message") or {}
        return (
            frame.get("type") == "message"
            and text in message.get("text", "")
            and (sender is None or message.get("sender") == sender)
        )

    return match


async def login(client: GatewayClient, name: str) -> None:
    response = await client.post(
        "/agent/login",
        data={"name": name, "password": "password-" + name},
        allow_redirects=False,
    )
    assert response.status == 302, await response.text()
