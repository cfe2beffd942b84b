"""What people read for a quick reply, resends, and shopper messages a crash left unanswered."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select, text

from handoff import migrate
from handoff.chat_models import Message
from handoff.clock import utc_now
from handoff.db import make_engine, make_session_factory, transaction
from handoff.gateway.app import make_app
from handoff.gateway.identity import Identity
from handoff.gateway.settings import Settings
from handoff.messages import store_message
from handoff.queue import queue_for_human
from tests.gateway.conftest import (
    ASYNC,
    WAIT,
    FakeRasa,
    GatewayClient,
    KeywordScreener,
    login,
    message_with,
    receive_until,
    shopper_query,
)

pytestmark = ASYNC

ROOT = Path(__file__).resolve().parents[2]
SHOPPER = "shopper-1001"
CONVERSATION = Identity(shopper_id=SHOPPER, anonymous=False).conversation_id
StartApp = Callable[..., Awaitable[GatewayClient]]


def _stored(db_url: str, conversation_id: str = CONVERSATION) -> list[Message]:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return list(
                session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation_id)
                    .order_by(Message.id)
                )
            )
    finally:
        engine.dispose()


def _insert(
    db_url: str,
    shopper_id: str,
    text_: str,
    *,
    minutes_ago: float,
    client_id: str | None = None,
    human: bool = False,
) -> int:
    """A shopper message stored as the gateway stores it, then never routed (a crash)."""
    identity = Identity(shopper_id=shopper_id, anonymous=False)
    engine = make_engine(db_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            if human:
                queue_for_human(
                    session,
                    None,
                    conversation_id=identity.conversation_id,
                    shopper_id=shopper_id,
                    reason="shopper_request",
                    priority="normal",
                )
            message, _ = store_message(
                session,
                conversation_id=identity.conversation_id,
                shopper_id=shopper_id,
                sender="shopper",
                text=text_,
                client_id=client_id,
                now=utc_now() - timedelta(minutes=minutes_ago),
            )
            return message.id
    finally:
        engine.dispose()


async def _offered_menu(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Say hello; the fake assistant answers with a 我要投诉 (/complain) button."""
    await ws.send_json({"type": "message", "client_id": "hello", "text": "你好"})
    menu = await receive_until(ws, message_with("请选择", "bot"))
    assert menu["message"]["buttons"] == [{"title": "我要投诉", "payload": "/complain"}]


async def _send(ws: aiohttp.ClientWebSocketResponse, frame: dict[str, Any]) -> dict[str, Any]:
    """Send a shopper message; its stored copy as pushed back (before or after the ack)."""
    await ws.send_json({"type": "message", **frame})
    acked: int | None = None
    pushed: dict[int, dict[str, Any]] = {}

    async def loop() -> dict[str, Any]:
        nonlocal acked
        while acked is None or acked not in pushed:
            got = await ws.receive_json()
            if got["type"] == "ack" and got["client_id"] == frame["client_id"]:
                acked = got["id"]
            elif got["type"] == "message":
                pushed[got["message"]["id"]] = got["message"]
        return pushed[acked]

    return await asyncio.wait_for(loop(), WAIT)


async def _until_bot_answers(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[Any]:
    """Every message the widget is shown (history, then live) until ``count`` are the bot's."""
    shown: list[Any] = []

    async def collect() -> list[Any]:
        while sum(m["sender"] == "bot" for m in shown) < count:
            frame = await ws.receive_json()
            if frame["type"] == "history":
                shown.extend(frame["messages"])
            elif frame["type"] == "message":
                shown.append(frame["message"])
        return shown

    return await asyncio.wait_for(collect(), WAIT)


# ---------------------------------------------------------------------- quick replies


async def test_a_quick_reply_reads_as_its_title_and_the_assistant_gets_its_payload(
    client: GatewayClient, rasa: FakeRasa, db_url: str
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await _offered_menu(ws)
        shown = await _send(ws, {"client_id": "q1", "text": "/complain", "display": "我要投诉"})
        assert shown["text"] == "我要投诉"
        assert shown["sender"] == "shopper" and shown["client_id"] == "q1"
        await receive_until(ws, message_with("请选择", "bot"))
    assert [r["message"] for r in rasa.received] == ["你好", "/complain"]

    # A reload (or a second tab) replays the title, never the payload.
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        history = await receive_until(ws, lambda f: f["type"] == "history")
    shopper_texts = [m["text"] for m in history["messages"] if m["sender"] == "shopper"]
    assert shopper_texts == ["你好", "我要投诉"]

    # The agent's transcript reads the title too.
    await login(client, "alice")
    detail = await (await client.get(f"/agent/api/conversations/{CONVERSATION}")).json()
    assert [m["text"] for m in detail["messages"] if m["sender"] == "shopper"] == shopper_texts
    stored = [m for m in _stored(db_url) if m.sender == "shopper"]
    assert [(m.text, m.display_text) for m in stored] == [("你好", None), ("/complain", "我要投诉")]


async def test_a_display_text_is_believed_only_for_a_button_the_assistant_offered(
    client: GatewayClient, rasa: FakeRasa, db_url: str
) -> None:
    attempts = [
        {"text": "/complain", "display": "<b>退款已到账</b>"},  # a title never offered
        {"text": "我要退款", "display": "谢谢"},  # free text dressed up as something else
        {"text": "/greet", "display": "我要投诉"},  # an offered title on another payload
    ]
    refused = [
        ({"text": "/complain", "display": 42}, "bad_frame"),  # not even text
        ({"text": "/complain", "display": "我要投诉" * 600}, "too_long"),  # over the limit
    ]
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await _offered_menu(ws)
        for number, attempt in enumerate(attempts):
            shown = await _send(ws, {"client_id": f"x{number}", **attempt})
            assert shown["text"] == attempt["text"]  # what was really sent
        for number, (attempt, code) in enumerate(refused):
            await ws.send_json({"type": "message", "client_id": f"r{number}", **attempt})
            error = await receive_until(ws, lambda f: f["type"] == "error")
            assert (error["code"], error["client_id"]) == (code, f"r{number}")
            assert error["message"] == error["message_zh"]
    stored = [m for m in _stored(db_url) if m.sender == "shopper"][1:]
    assert [(m.text, m.display_text) for m in stored] == [(a["text"], None) for a in attempts]
    # Rasa gets the offered payload as a payload; /greet was never offered: text, not intent.
    assert [r["message"] for r in rasa.received][1:] == ["/complain", "我要退款", "／greet"]


async def test_the_title_of_a_quick_reply_is_shown_once_after_a_resend(
    client: GatewayClient, rasa: FakeRasa
) -> None:
    frame = {"type": "message", "client_id": "same", "text": "/complain", "display": "我要投诉"}
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await _offered_menu(ws)
        await ws.send_json(frame)
        first = await receive_until(ws, lambda f: f["type"] == "ack")
        await ws.send_json(frame)  # the widget resends whatever was not acknowledged
        again = await receive_until(ws, lambda f: f["type"] == "ack")
        assert again["id"] == first["id"]
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        history = await receive_until(ws, lambda f: f["type"] == "history")
    assert [m["text"] for m in history["messages"] if m["sender"] == "shopper"] == [
        "你好",
        "我要投诉",
    ]
    assert [r["message"] for r in rasa.received] == ["你好", "/complain"]


# ---------------------------------------------------------------------- unanswered messages


async def test_a_resend_of_a_message_a_crash_left_unrouted_is_relayed_once(
    client: GatewayClient, rasa: FakeRasa, db_url: str
) -> None:
    # Stored, then the gateway died before acknowledging it: the widget sends it again.
    stored_id = _insert(db_url, SHOPPER, "耳机坏了", minutes_ago=0.1, client_id="lost")
    frame = {"type": "message", "client_id": "lost", "text": "耳机坏了"}
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json(frame)
        ack = await receive_until(ws, lambda f: f["type"] == "ack")
        assert ack["id"] == stored_id
        await receive_until(ws, message_with("请选择", "bot"))
        await ws.send_json(frame)
        await receive_until(ws, lambda f: f["type"] == "ack")
    assert [r["message"] for r in rasa.received] == ["耳机坏了"]
    assert [m.sender for m in _stored(db_url)] == ["shopper", "bot", "bot"]


async def test_unanswered_messages_are_relayed_at_start_once_in_order_and_delivered(
    settings: Settings, rasa: FakeRasa, db_url: str, aiohttp_client: StartApp
) -> None:
    # The assistant was in charge; the gateway was killed after storing each message and
    # before the assistant's answer was stored.
    _insert(db_url, SHOPPER, "电饭煲不加热了", minutes_ago=3)
    _insert(db_url, SHOPPER, "订单号 2024112212345678", minutes_ago=2)
    # Too old to answer now, and one a human is in charge of: neither goes to the assistant.
    _insert(db_url, "shopper-old", "昨天的消息", minutes_ago=11)
    _insert(db_url, "shopper-human", "客服在吗", minutes_ago=1, human=True)

    first = await aiohttp_client(make_app(settings, screener=KeywordScreener()))
    async with first.ws_connect(f"/ws?{shopper_query()}") as ws:
        shown = await _until_bot_answers(ws, 4)  # two answers to each message
    assert [(r["sender"], r["message"]) for r in rasa.received] == [
        (CONVERSATION, "电饭煲不加热了"),
        (CONVERSATION, "订单号 2024112212345678"),
    ]
    assert rasa.received[0]["metadata"] == {"shopper_id": SHOPPER}
    stored = _stored(db_url)
    assert [m.sender for m in stored] == ["shopper", "shopper", "bot", "bot", "bot", "bot"]
    assert all(m.routed_at is not None for m in stored if m.sender == "shopper")
    assert [m["id"] for m in shown] == [m.id for m in stored]  # the widget got every answer
    await first.close()

    # A second start relays nothing again.
    second = await aiohttp_client(make_app(settings, screener=KeywordScreener()))
    async with second.ws_connect(f"/ws?{shopper_query()}") as ws:
        await receive_until(ws, lambda f: f["type"] == "history")
    await second.close()
    assert len(rasa.received) == 2
    assert len(_stored(db_url)) == len(stored)
    old = Identity(shopper_id="shopper-old", anonymous=False).conversation_id
    assert [m.sender for m in _stored(db_url, old)] == ["shopper"]


async def test_a_message_sent_during_recovery_waits_behind_the_unanswered_one(
    settings: Settings, rasa: FakeRasa, db_url: str, aiohttp_client: StartApp
) -> None:
    _insert(db_url, SHOPPER, "第一条", minutes_ago=1)
    app = await aiohttp_client(make_app(settings, screener=KeywordScreener()))
    async with app.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "n", "text": "第二条"})
        await _until_bot_answers(ws, 4)
    assert [r["message"] for r in rasa.received] == ["第一条", "第二条"]


async def test_a_live_message_the_assistant_cannot_answer_is_told_so_and_not_replayed(
    client: GatewayClient, settings: Settings, rasa: FakeRasa, db_url: str, aiohttp_client: StartApp
) -> None:
    rasa.unavailable = 1
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "d", "text": "在吗"})
        await receive_until(ws, message_with("暂时无法回复", "system"))  # at once, no waiting
    await client.close()
    (asked, _) = _stored(db_url)
    assert asked.routed_at is not None
    restarted = await aiohttp_client(make_app(settings, screener=KeywordScreener()))
    async with restarted.ws_connect(f"/ws?{shopper_query()}") as ws:
        await receive_until(ws, lambda f: f["type"] == "history")
    assert rasa.received == [] and len(_stored(db_url)) == 2


async def test_a_turn_the_assistant_answers_with_silence_asks_the_shopper_to_resend(
    client: GatewayClient, rasa: FakeRasa, db_url: str
) -> None:
    """Rasa answers [] when a turn raised inside it; the shopper must not be left waiting."""
    rasa.silent = 1
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "s1", "text": "在吗"})
        await receive_until(ws, message_with("请您再发一次", "system"))
        await ws.send_json({"type": "message", "client_id": "s2", "text": "在吗"})
        await _until_bot_answers(ws, 2)
    assert [m.sender for m in _stored(db_url)] == ["shopper", "system", "shopper", "bot", "bot"]


async def test_recovery_waits_for_an_assistant_that_is_still_starting(
    settings: Settings, rasa: FakeRasa, db_url: str, aiohttp_client: StartApp
) -> None:
    _insert(db_url, SHOPPER, "电饭煲不加热了", minutes_ago=1)
    rasa.unavailable = 2  # ``make run`` starts Rasa and the gateway together
    app = await aiohttp_client(make_app(settings, screener=KeywordScreener()))
    async with app.ws_connect(f"/ws?{shopper_query()}") as ws:
        await _until_bot_answers(ws, 2)
    assert [r["message"] for r in rasa.received] == ["电饭煲不加热了"]
    assert [m.sender for m in _stored(db_url)] == ["shopper", "bot", "bot"]  # no 暂时无法回复


async def test_two_instances_starting_together_relay_an_unanswered_message_once(
    settings: Settings, rasa: FakeRasa, db_url: str, aiohttp_client: StartApp
) -> None:
    _insert(db_url, SHOPPER, "有人吗", minutes_ago=1)
    instances = await asyncio.gather(
        *(aiohttp_client(make_app(settings, screener=KeywordScreener())) for _ in range(2))
    )
    async with instances[0].ws_connect(f"/ws?{shopper_query()}") as ws:
        await _until_bot_answers(ws, 2)
    for instance in instances:
        await instance.close()
    assert [r["message"] for r in rasa.received] == ["有人吗"]
    assert [m.sender for m in _stored(db_url)] == ["shopper", "bot", "bot"]


# ---------------------------------------------------------------------- schema


async def test_db_upgrade_adds_the_columns_to_an_existing_database(
    tmp_path: Path, fake_rasa: tuple[FakeRasa, str], aiohttp_client: StartApp
) -> None:
    """A database made by the previous release: upgraded in place, its messages untouched."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        with migrate.locked_transaction(engine) as connection:
            migrate.upgrade(connection, "0002")
            connection.execute(
                text(
                    "INSERT INTO chat_messages (conversation_id, shopper_id, sender, text, "
                    "payload, created_at) VALUES (:c, :s, 'shopper', '旧消息', '{}', :t)"
                ),
                {"c": CONVERSATION, "s": SHOPPER, "t": f"{utc_now():%Y-%m-%d %H:%M:%S.%f}"},
            )
    finally:
        engine.dispose()
    upgrade = subprocess.run(
        [sys.executable, "-m", "handoff", "db", "upgrade", "--no-seed"],
        cwd=ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert migrate.current_revision(connection) == migrate.head_revision()
    finally:
        engine.dispose()
    (old,) = _stored(url)
    assert old.text == "旧消息" and old.display_text is None
    assert old.routed_at == old.created_at  # stored before the upgrade: counts as answered

    rasa, rasa_url = fake_rasa
    settings = Settings(secret=b"test-secret", database_url=url, rasa_url=rasa_url)
    app = await aiohttp_client(make_app(settings, screener=KeywordScreener()))
    async with app.ws_connect(f"/ws?{shopper_query()}") as ws:
        history = await receive_until(ws, lambda f: f["type"] == "history")
    assert [m["text"] for m in history["messages"]] == ["旧消息"]
    assert rasa.received == []
