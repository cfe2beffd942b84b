"""Identity, persistence across restarts, the claim race, uploads and origins."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from handoff.gateway.app import make_app
from handoff.gateway.settings import Settings
from tests.gateway.conftest import (
    ASYNC,
    FakeRasa,
    GatewayClient,
    KeywordScreener,
    login,
    message_with,
    receive_until,
    shopper_query,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _say(client: GatewayClient, query: str, text: str, client_id: str) -> None:
    async with client.ws_connect(f"/ws?{query}") as ws:
        await ws.send_json({"type": "message", "client_id": client_id, "text": text})
        await receive_until(ws, lambda f: f["type"] == "ack")


@ASYNC
async def test_forged_signature_gets_an_anonymous_session(client: GatewayClient) -> None:
    await _say(client, shopper_query("shopper-1001"), "我的订单号是 2024112212345678", "x")
    forged = "shopper=shopper-1001&sig=" + "0" * 64
    async with client.ws_connect(f"/ws?{forged}") as ws:
        welcome = await receive_until(ws, lambda f: f["type"] == "welcome")
        history = await receive_until(ws, lambda f: f["type"] == "history")
    assert welcome["anonymous"] is True and welcome["anon"].startswith("anon-")
    assert history["messages"] == []  # nothing of shopper-1001's conversation
    async with client.ws_connect("/ws?shopper=shopper-1001") as ws:  # no signature at all
        assert (await receive_until(ws, lambda f: f["type"] == "welcome"))["anonymous"] is True


@ASYNC
async def test_anonymous_token_keeps_its_history_and_cannot_be_forged(
    client: GatewayClient, rasa: FakeRasa
) -> None:
    async with client.ws_connect("/ws") as ws:
        token = (await receive_until(ws, lambda f: f["type"] == "welcome"))["anon"]
        await ws.send_json({"type": "message", "client_id": "a", "text": "你好"})
        await receive_until(ws, message_with("请选择"))
    async with client.ws_connect(f"/ws?anon={token}") as ws:
        history = await receive_until(ws, lambda f: f["type"] == "history")
        assert any(m["text"] == "你好" for m in history["messages"])
    anon_id = token.split(".")[0]
    async with client.ws_connect(f"/ws?anon={anon_id}.{'f' * 64}") as ws:
        welcome = await receive_until(ws, lambda f: f["type"] == "welcome")
        history = await receive_until(ws, lambda f: f["type"] == "history")
    assert welcome["anon"] != token and history["messages"] == []
    assert rasa.received[0]["metadata"]["shopper_id"] == anon_id


@ASYNC
async def test_history_survives_an_app_restart(
    settings: Settings, aiohttp_client: Callable[..., Awaitable[GatewayClient]]
) -> None:
    first = await aiohttp_client(make_app(settings, screener=KeywordScreener()))
    async with first.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "m1", "text": "你好"})
        await receive_until(ws, message_with("请选择"))
    await first.close()
    second = await aiohttp_client(make_app(settings, screener=KeywordScreener()))
    async with second.ws_connect(f"/ws?{shopper_query()}") as ws:
        history = await receive_until(ws, lambda f: f["type"] == "history")
    texts = [(m["sender"], m["text"]) for m in history["messages"]]
    assert ("shopper", "你好") in texts and ("bot", "请选择") in texts
    after = history["messages"][0]["id"]
    async with second.ws_connect(f"/ws?{shopper_query()}&after={after}") as ws:
        newer = await receive_until(ws, lambda f: f["type"] == "history")
    assert [m["id"] for m in newer["messages"]] == [m["id"] for m in history["messages"][1:]]


@ASYNC
@pytest.mark.parametrize("round_", range(5))
async def test_concurrent_claims_have_exactly_one_winner(
    client: GatewayClient, settings: Settings, round_: int
) -> None:
    await _say(client, shopper_query(f"racer-{round_}"), "插座起火了", "r")
    await login(client, "alice")
    (waiting,) = (await (await client.get("/agent/api/queue")).json())["waiting"]
    sessions = []
    for name in ["alice", "bob"] * 6:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        response = await session.post(
            client.make_url("/agent/login"),
            data={"name": name, "password": "password-" + name},
            allow_redirects=False,
        )
        assert response.status == 302
        sessions.append(session)
    try:

        async def claim(session: aiohttp.ClientSession) -> tuple[int, str]:
            async with session.post(
                client.make_url("/agent/api/claim"), json={"entry_id": waiting["entry_id"]}
            ) as response:
                return response.status, await response.text()

        results = await asyncio.gather(*(claim(s) for s in sessions))
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (len(sessions) - 1)
    assert all("已经被" in json.loads(text)["error"] for status, text in results if status == 409)


@ASYNC
async def test_photo_upload_checks_type_and_size(client: GatewayClient) -> None:
    async def upload(data: bytes) -> aiohttp.ClientResponse:
        form = aiohttp.FormData()
        form.add_field("photo", data, filename="p.png", content_type="image/png")
        return await client.post(f"/api/upload?{shopper_query()}", data=form)

    assert (await upload(b"<svg onload=alert(1)>")).status == 415
    assert (await upload(PNG + b"\x00" * (6 * 1024 * 1024))).status == 413
    good = await upload(PNG)
    assert good.status == 200
    body = await good.json()
    photo = await client.get(body["url"])
    assert photo.status == 200 and photo.content_type == "image/png"
    assert (await client.get(f"/attachments/{body['attachment_id']}?t=bad")).status == 404
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json(
            {
                "type": "message",
                "client_id": "p",
                "text": "",
                "attachment_id": body["attachment_id"],
            }
        )
        sent = await receive_until(
            ws, lambda f: f["type"] == "message" and f["message"]["attachment"]
        )
        assert sent["message"]["sender"] == "shopper"
    async with client.ws_connect(f"/ws?{shopper_query('someone-else')}") as ws:
        await ws.send_json(
            {
                "type": "message",
                "client_id": "q",
                "text": "x",
                "attachment_id": body["attachment_id"],
            }
        )
        assert (await receive_until(ws, lambda f: f["type"] in {"error", "ack"}))["type"] == "error"


@ASYNC
async def test_foreign_origin_and_missing_login_are_refused(client: GatewayClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403
    assert (await client.get("/agent/api/queue")).status == 401
    page = await client.get("/agent", allow_redirects=False)
    assert page.status == 302
    wrong = await client.post("/agent/login", data={"name": "alice", "password": "nope-nope"})
    assert wrong.status == 401
    await login(client, "alice")
    foreign = await client.post(
        "/agent/api/claim", json={"entry_id": 1}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status == 403
    await client.post("/agent/logout", allow_redirects=False)
    assert (await client.get("/agent/api/queue")).status == 401


@ASYNC
async def test_storefront_embeds_a_signed_widget(client: GatewayClient) -> None:
    page = await (await client.get("/")).text()
    assert '<script src="/static/widget.js"' in page and "data-sig=" in page
    assert (await client.get("/static/widget.js")).status == 200


def test_agents_add_command(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from handoff.agents import authenticate
    from handoff.cli import main
    from handoff.db import make_engine, make_session_factory

    monkeypatch.setenv("DATABASE_URL", db_url)
    assert (
        main(["agents", "add", "carol", "--password", "secret-carol", "--display-name", "小C"]) == 0
    )
    assert main(["agents", "add", "Bad Name", "--password", "secret-carol"]) == 2
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            agent = authenticate(session, "carol", "secret-carol")
            assert agent is not None and agent.display_name == "小C"
            assert agent.password_hash.startswith("scrypt$")
            assert authenticate(session, "carol", "wrong-password") is None
    finally:
        engine.dispose()
