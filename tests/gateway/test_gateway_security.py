"""Issue 9's findings against the gateway, one regression test each (through aiohttp_client on
a temporary database; only Rasa is the fake of tests/gateway/conftest.py)."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from handoff.chat_models import Message
from handoff.db import make_session_factory, prepare_database
from handoff.gateway.identity import sign, sign_shopper
from handoff.gateway.settings import Settings
from handoff.messages import MAX_TEXT_CHARS
from tests.gateway.conftest import (
    SECRET,
    GatewayClient,
    KeywordScreener,
    login,
    receive_until,
    shopper_query,
)


def _stored(db_url: str) -> list[Message]:
    engine = prepare_database(db_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(Message).order_by(Message.id)))
    finally:
        engine.dispose()


async def _alive(ws: aiohttp.ClientWebSocketResponse, client_id: str) -> dict[str, Any]:
    """The socket still answers: a message is acknowledged."""
    await ws.send_json({"type": "message", "client_id": client_id, "text": "你好"})
    return await receive_until(ws, lambda f: f["type"] == "ack" and f["client_id"] == client_id)


async def _error(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    return await receive_until(ws, lambda f: f["type"] == "error")


# ------------------------------------------------------------------ crashes on bad input


@pytest.mark.asyncio
async def test_a_huge_after_is_a_400_not_a_500(client: GatewayClient) -> None:
    response = await client.get(f"/ws?after={10**30}&{shopper_query()}")
    assert response.status == 400
    assert "message_zh" in await response.json()


@pytest.mark.parametrize(
    "frame",
    [
        "[" * 100_000 + "]" * 100_000,  # RecursionError before
        '{"a":' * 5000 + "1" + "}" * 5000,
        json.dumps({"type": "message", "client_id": "big", "attachment_id": 10**25}),
        json.dumps({"type": "message", "client_id": "b", "attachment_id": True}),
        json.dumps({"type": "message", "client_id": "s", "text": ["not", "text"]}),
        "not json",
        "null",
        json.dumps({"type": "hello?"}),
    ],
)
@pytest.mark.asyncio
async def test_a_bad_frame_gets_an_error_frame_and_the_socket_stays_open(
    client: GatewayClient, frame: str
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await receive_until(ws, lambda f: f["type"] == "history")
        await ws.send_str(frame)
        error = await _error(ws)
        assert error["code"] in {"bad_frame", "too_long"} and error["message_zh"]
        await _alive(ws, "after-bad-frame")


@pytest.mark.parametrize("entry_id", ["abc", [1], None, 10**30, True, 1.5, {"x": 1}])
@pytest.mark.asyncio
async def test_claim_with_a_bad_entry_id_is_a_400(client: GatewayClient, entry_id: Any) -> None:
    await login(client, "alice")
    response = await client.post("/agent/api/claim", json={"entry_id": entry_id})
    assert response.status == 400
    assert (await response.json())["message_zh"]


@pytest.mark.asyncio
async def test_claim_with_a_body_that_is_not_json_is_a_400(client: GatewayClient) -> None:
    await login(client, "alice")
    response = await client.post("/agent/api/claim", data=b"\xff\x00{")
    assert response.status == 400


@pytest.mark.parametrize("after", ["abc", -1, 10**30, None, [1]])
@pytest.mark.asyncio
async def test_a_bad_watch_frame_keeps_the_agent_socket_working(
    client: GatewayClient, after: Any
) -> None:
    await login(client, "alice")
    async with client.ws_connect("/agent/ws") as agent:
        await receive_until(agent, lambda f: f["type"] == "queue")
        await agent.send_json({"type": "watch", "conversation_id": "c-1", "after": after})
        assert (await receive_until(agent, lambda f: f["type"] == "error"))["code"] == "bad_frame"
        # Still pushing: a new queue entry shows up.
        async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
            await ws.send_json({"type": "message", "client_id": "h", "text": "转人工"})
            await receive_until(agent, lambda f: f["type"] == "queue" and bool(f["waiting"]))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"photo": 1}', "application/json"),
        (b"--x\r\n\r\n", "multipart/form-data"),  # no boundary
        (b"", "multipart/form-data; boundary=x"),  # empty
        (b"--x--\r\n", "multipart/form-data; boundary=x"),  # no part
        (b"garbage", "multipart/form-data; boundary=x"),
    ],
)
@pytest.mark.asyncio
async def test_a_malformed_upload_is_a_4xx(
    client: GatewayClient, body: bytes, content_type: str
) -> None:
    response = await client.post(
        f"/api/upload?{shopper_query()}", data=body, headers={"Content-Type": content_type}
    )
    assert 400 <= response.status < 500
    assert (await response.json())["message_zh"]


@pytest.mark.parametrize("attachment_id", [str(10**30), "-1", "abc", "0"])
@pytest.mark.asyncio
async def test_an_impossible_attachment_id_is_a_404(
    client: GatewayClient, attachment_id: str
) -> None:
    assert (await client.get(f"/attachments/{attachment_id}?t=x")).status == 404


@pytest.mark.asyncio
async def test_a_token_with_non_ascii_characters_is_refused_not_a_crash(
    client: GatewayClient,
) -> None:
    assert (await client.get("/attachments/1?t=令牌")).status == 404
    async with client.ws_connect("/ws?anon=anon-0.签名") as ws:
        welcome = await receive_until(ws, lambda f: f["type"] == "welcome")
        assert welcome["anonymous"] is True


# ------------------------------------------------------------------ over-long text


@pytest.mark.asyncio
async def test_an_over_long_message_is_refused_with_the_limit(
    client: GatewayClient, db_url: str
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json(
            {"type": "message", "client_id": "long", "text": "长" * (MAX_TEXT_CHARS + 1)}
        )
        error = await _error(ws)
        assert (error["code"], error["client_id"], error["limit"]) == (
            "too_long",
            "long",
            MAX_TEXT_CHARS,
        )
        assert str(MAX_TEXT_CHARS) in error["message"]
        # Exactly at the limit is fine, and stored whole.
        await ws.send_json({"type": "message", "client_id": "max", "text": "长" * MAX_TEXT_CHARS})
        await receive_until(ws, lambda f: f["type"] == "ack" and f["client_id"] == "max")
    assert [len(m.text) for m in _stored(db_url) if m.sender == "shopper"] == [MAX_TEXT_CHARS]


@pytest.mark.asyncio
async def test_an_over_long_agent_reply_is_refused_with_the_limit(client: GatewayClient) -> None:
    await login(client, "alice")
    response = await client.post(
        "/agent/api/conversations/c-1/reply", json={"text": "长" * (MAX_TEXT_CHARS + 1)}
    )
    assert response.status == 413
    assert str(MAX_TEXT_CHARS) in (await response.json())["message_zh"]


# ------------------------------------------------------------------ hygiene and payloads


@pytest.mark.asyncio
async def test_control_and_bidi_characters_are_stripped_emoji_kept(
    client: GatewayClient, db_url: str
) -> None:
    typed = "退款\u202e已到账\x00\u200b 👨\u200d👩\u200d👧 e\u0301"
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "bidi", "text": typed})
        await receive_until(ws, lambda f: f["type"] == "ack")
    (stored,) = [m for m in _stored(db_url) if m.sender == "shopper"]
    assert stored.text == "退款已到账 👨\u200d👩\u200d👧 é"


@pytest.mark.asyncio
async def test_a_typed_intent_reaches_rasa_as_text(client: GatewayClient, rasa: Any) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        for number, typed in enumerate(["/EXTERNAL_handed_back", '/rate_service{"rating": 5}']):
            await ws.send_json({"type": "message", "client_id": f"i{number}", "text": typed})
            await receive_until(
                ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "bot"
            )
    assert [r["message"] for r in rasa.received] == [
        "／EXTERNAL_handed_back",
        '／rate_service{"rating": 5}',
    ]


# ------------------------------------------------------------------ rate limits


@pytest.mark.asyncio
async def test_a_burst_of_messages_is_limited_and_told_to_wait(client: GatewayClient) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        for number in range(40):
            await ws.send_json({"type": "message", "client_id": f"m{number}", "text": "在吗"})
        answers: dict[str, str] = {}
        while len(answers) < 40:
            frame = await receive_until(ws, lambda f: f["type"] in {"ack", "error"})
            answers[frame["client_id"]] = frame.get("code", "ack")
    # 20 per fixed 20 s window: exactly 20, or a few more if the burst crossed a boundary.
    assert 20 <= list(answers.values()).count("ack") < 40
    assert set(answers.values()) == {"ack", "rate_limited"}


@pytest.mark.asyncio
async def test_logins_are_throttled_per_account_and_the_right_password_waits_too(
    client: GatewayClient,
) -> None:
    for _ in range(10):
        wrong = await client.post(
            "/agent/login", data={"name": "alice", "password": "wrong"}, allow_redirects=False
        )
        assert wrong.status == 401
    right = await client.post(
        "/agent/login",
        data={"name": "alice", "password": "password-alice"},
        allow_redirects=False,
    )
    assert right.status == 429
    assert "分钟后再试" in await right.text()
    # Another account is not locked by alice's attempts.
    await login(client, "bob")


@pytest.mark.asyncio
async def test_unknown_and_known_names_are_throttled_alike(client: GatewayClient) -> None:
    statuses = []
    for name in ("alice", "nobody-here"):
        for _ in range(11):
            response = await client.post(
                "/agent/login", data={"name": name, "password": "x"}, allow_redirects=False
            )
            statuses.append((name, response.status))
    assert [s for n, s in statuses if n == "alice"] == [s for n, s in statuses if n != "alice"]


def test_unknown_names_cost_one_scrypt_like_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """Timing by counting the expensive step: an unknown name ran scrypt twice before."""
    import hashlib

    from handoff import agents
    from handoff.db import transaction

    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    engine = prepare_database("sqlite://")
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        agents.add_agent(session, "alice", "password-alice")
    agents._equaliser_hash()  # made once per process, not per attempt
    monkeypatch.setattr(hashlib, "scrypt", counting)
    with factory() as session:
        agents.authenticate(session, "alice", "wrong")
        known = len(calls)
        agents.authenticate(session, "nobody", "wrong")
    assert known == 1 and len(calls) - known == 1
    engine.dispose()


# ------------------------------------------------------------------ headers and cookies


@pytest.mark.parametrize("path", ["/", "/agent/login", "/agent"])
@pytest.mark.asyncio
async def test_pages_carry_the_security_headers(client: GatewayClient, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    if response.status == 200:
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy


@pytest.mark.asyncio
async def test_a_revalidated_console_page_keeps_its_page_policy(client: GatewayClient) -> None:
    """A reload revalidates the console's page: the 304's headers replace the cached ones,
    so a non-page policy on it (``default-src 'none'``) would block every script."""
    await login(client, "alice")
    first = await client.get("/agent/followups", allow_redirects=False)
    assert first.status == 200 and "Last-Modified" in first.headers
    revalidated = await client.get(
        "/agent/followups",
        allow_redirects=False,
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert revalidated.status == 304
    assert "default-src 'none'" not in revalidated.headers.get("Content-Security-Policy", "")


@pytest.mark.asyncio
async def test_the_cookie_is_secure_behind_a_trusted_https_proxy(
    settings: Settings, aiohttp_client: Any
) -> None:
    from dataclasses import replace

    from handoff.gateway.app import make_app

    proxied = replace(settings, trusted_proxies=("127.0.0.1",))
    client = await aiohttp_client(make_app(proxied, screener=KeywordScreener()))
    response = await client.post(
        "/agent/login",
        data={"name": "alice", "password": "password-alice"},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
    )
    assert "Secure" in response.headers["Set-Cookie"]
    plain = await client.post(
        "/agent/login",
        data={"name": "bob", "password": "password-bob"},
        allow_redirects=False,
    )
    assert "Secure" not in plain.headers["Set-Cookie"]


@pytest.mark.asyncio
async def test_an_untrusted_forwarded_proto_does_not_count(client: GatewayClient) -> None:
    response = await client.post(
        "/agent/login",
        data={"name": "alice", "password": "password-alice"},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
    )
    assert "Secure" not in response.headers["Set-Cookie"]


# ------------------------------------------------------------------ expiring identity


async def _welcome(client: GatewayClient, query: str) -> dict[str, Any]:
    async with client.ws_connect(f"/ws?{query}") as ws:
        return await receive_until(ws, lambda f: f["type"] == "welcome")


@pytest.mark.asyncio
async def test_an_expired_or_unexpiring_signature_is_anonymous(client: GatewayClient) -> None:
    past = sign_shopper(SECRET, "shopper-1001", int(time.time()) - 1)
    forever = sign_shopper(SECRET, "shopper-1001", int(time.time()) + 10 * 365 * 86400)
    legacy = sign(SECRET, "shopper-1001")  # the pre-expiry form
    for sig in (past, forever, legacy):
        assert (await _welcome(client, f"shopper=shopper-1001&sig={sig}"))["anonymous"] is True
    assert (await _welcome(client, shopper_query()))["anonymous"] is False


@pytest.mark.asyncio
async def test_the_v2_hello_frame_carries_the_credentials(
    client: GatewayClient, db_url: str
) -> None:
    sig = sign_shopper(SECRET, "shopper-1001", int(time.time()) + 3600)
    async with client.ws_connect("/ws?v=2") as ws:
        await ws.send_json({"type": "hello", "shopper": "shopper-1001", "sig": sig, "after": 0})
        assert (await receive_until(ws, lambda f: f["type"] == "welcome"))["anonymous"] is False
        await _alive(ws, "v2")
    (stored,) = [m for m in _stored(db_url) if m.sender == "shopper"]
    assert stored.shopper_id == "shopper-1001"


@pytest.mark.asyncio
async def test_a_v2_socket_without_hello_is_closed_with_a_reason(client: GatewayClient) -> None:
    async with client.ws_connect("/ws?v=2") as ws:
        await ws.send_json({"type": "message", "client_id": "early", "text": "你好"})
        error = await _error(ws)
        assert error["code"] == "bad_frame"
        closing = await ws.receive()
        assert closing.type in {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED}
        assert ws.close_code == 4401
