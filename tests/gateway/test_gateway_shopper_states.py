"""What the widget is told: honest queue states from the database, urgent while queued,
first-aid advice, the photo turn, and the protocol version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.agents import find_agent, touch
from handoff.cases import TriageSummary, open_case
from handoff.clock import format_zh, utc_now
from handoff.db import make_engine, make_session_factory, transaction
from handoff.gateway.identity import Identity
from handoff.models import Case, HandoffEntry
from handoff.queue import queue_for_human
from tests.gateway.conftest import (
    ASYNC,
    FakeRasa,
    GatewayClient,
    login,
    message_with,
    receive_until,
    shopper_query,
)

pytestmark = ASYNC

BURN = "插座冒烟了，孩子的手被烫伤了"


def in_db(db_url: str, work: Callable[[Session], Any]) -> Any:
    engine = make_engine(db_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            return work(session)
    finally:
        engine.dispose()


def put_online(db_url: str, name: str) -> None:
    def work(session: Session) -> None:
        agent = find_agent(session, name)
        assert agent is not None
        touch(session, agent.id)

    in_db(db_url, work)


def state_with(kind: str, text: str = "") -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] == "state" and f["state"] == kind and text in f["text"]


async def receive_each(
    ws: aiohttp.ClientWebSocketResponse, *predicates: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """The first frame matching each predicate, whatever order they come in (the widget's
    messages and its state frames are pushed independently)."""
    found: list[dict[str, Any] | None] = [None] * len(predicates)

    def any_missing(frame: dict[str, Any]) -> bool:
        for n, predicate in enumerate(predicates):
            if found[n] is None and predicate(frame):
                found[n] = frame
        return all(f is not None for f in found)

    await receive_until(ws, any_missing)
    return [f for f in found if f is not None]


async def ask_for_human(
    ws: aiohttp.ClientWebSocketResponse,
    client_id: str,
    *also: Callable[[dict[str, Any]], bool],
) -> list[dict[str, Any]]:
    """Send 转人工; the frames matching ``also`` (they may come before the bot's answer)."""
    await ws.send_json({"type": "message", "client_id": client_id, "text": "转人工"})
    found = await receive_each(ws, message_with("正在为您转接", "bot"), *also)
    return found[1:]


async def test_welcome_names_the_protocol_and_the_first_state_is_the_assistant(
    client: GatewayClient,
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        welcome = await receive_until(ws, lambda f: f["type"] == "welcome")
        assert welcome["protocol"] == 2
        state = await receive_until(ws, lambda f: f["type"] == "state")
        assert state["state"] == "bot" and state["text"] == "智能客服小助手"


async def test_nobody_online_means_leave_a_message_with_the_real_deadline(
    client: GatewayClient,
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        offline, notice = await ask_for_human(
            ws, "h1", state_with("offline", "留言"), message_with("没有人工客服在线", "system")
        )
    due = utc_now() + timedelta(hours=24)  # a 转人工 without a case: the normal SLA
    china = due + timedelta(hours=8)
    assert f"{china.month}月{china.day}日" in offline["text"]
    assert offline["reply_by"] is not None and offline["ahead"] is None
    assert "前回复您" in notice["message"]["text"]


async def test_the_queue_position_and_expected_wait_come_from_the_database(
    client: GatewayClient, db_url: str
) -> None:
    put_online(db_url, "alice")

    # Yesterday's claims took four minutes each: that is the expected wait per position.
    def history(session: Session) -> None:
        now = utc_now()
        for n in range(3):
            entry = HandoffEntry(
                conversation_id=f"old-{n}",
                shopper_id=f"old-{n}",
                priority="normal",
                reason="shopper_request",
                status="done",
                created_at=now - timedelta(days=1, minutes=4),
                claimed_by="agent:alice",
                claimed_at=now - timedelta(days=1),
                done_at=now - timedelta(hours=23),
            )
            session.add(entry)
        queue_for_human(
            session,
            None,
            conversation_id="someone-earlier",
            shopper_id="someone-earlier",
            reason="shopper_request",
            priority="normal",
            now=now - timedelta(minutes=1),
        )

    in_db(db_url, history)
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        queued, notice = await ask_for_human(
            ws, "q1", state_with("queued"), message_with("已为您排队", "system")
        )
        assert queued["ahead"] == 1
        assert queued["expected_wait_minutes"] == 8  # 4 min × 2 positions ÷ 1 agent online
        assert queued["text"] == "排队中，前面还有 1 位，预计等待约 8 分钟"
        assert "前面还有 1 位" in notice["message"]["text"]

        # The one ahead is taken: next in line. Then alice takes this one: her name.
        await login(client, "alice")
        queue = await (await client.get("/agent/api/queue")).json()
        first, mine = queue["waiting"]
        assert first["conversation_id"] == "someone-earlier"
        await client.post("/agent/api/claim", json={"entry_id": first["entry_id"]})
        await receive_until(ws, state_with("queued", "您是下一位"))
        await client.post("/agent/api/claim", json={"entry_id": mine["entry_id"]})
        served = await receive_until(ws, state_with("agent"))
        assert served["text"] == "客服 Alice 已接入" and served["agent"] == "Alice"


async def test_an_urgent_message_while_queued_makes_the_chat_urgent_and_is_answered(
    client: GatewayClient, rasa: FakeRasa, db_url: str
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query('shopper-2002')}") as other:
        await other.send_json({"type": "message", "client_id": "o1", "text": "充电器起火了"})
        await receive_until(other, message_with("紧急", "system"))
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ask_for_human(ws, "w1", message_with("没有人工客服在线", "system"))
        await ws.send_json({"type": "message", "client_id": "w2", "text": BURN})
        urgent = await receive_until(ws, message_with("优先转接人工客服", "system"))
        advice = await receive_until(ws, message_with("安全提示", "bot"))
    text = advice["message"]["text"]
    for words in ("停止使用", "拔掉电源", "流动的凉水", "20 分钟", "120", "不能代替医生"):
        assert words in text, text
    assert advice["message"]["custom"]["kind"] == "safety_advice"
    assert urgent["message"]["id"] < advice["message"]["id"]
    # The queue notice is not repeated: the urgent line carries the new, earlier deadline.
    history = await _history(client)
    assert sum("没有人工客服在线" in m["text"] for m in history) == 1
    assert [r["message"] for r in rasa.received] == ["转人工"]  # the bot stays out

    def check(session: Session) -> None:
        mine = session.scalars(
            select(HandoffEntry).where(HandoffEntry.shopper_id == "shopper-1001")
        ).one()
        assert mine.priority == "urgent" and mine.reason == "urgent_message"
        assert mine.case is not None
        case = mine.case
        assert case.urgency == "urgent" and case.description == BURN
        assert case.first_response_due <= utc_now() + timedelta(hours=1)
        assert [e.kind for e in case.events] == ["opened", "handed_to_human"]
        assert f"客服会在 {format_zh(case.first_response_due)} 前回复您。" in urgent_line

    urgent_line = urgent["message"]["text"]
    in_db(db_url, check)
    # Sorted with the urgent ones, by deadline: the earlier urgent chat first.
    await login(client, "alice")
    queue = await (await client.get("/agent/api/queue")).json()
    assert [(e["shopper_id"], e["priority"]) for e in queue["waiting"]] == [
        ("shopper-2002", "urgent"),
        ("shopper-1001", "urgent"),
    ]


async def test_an_urgent_message_raises_the_queued_chats_normal_case(
    client: GatewayClient, db_url: str
) -> None:
    conversation_id = Identity(shopper_id="shopper-1001", anonymous=False).conversation_id

    def queued_with_a_normal_case(session: Session) -> None:
        case, _ = open_case(
            session,
            conversation_id=conversation_id,
            shopper_id="shopper-1001",
            order_id=None,
            description="耳机左边没声音",
            triage=TriageSummary("quality", 0.9, "normal", 0.02, []),
            dedupe_key="normal-case",
        )
        queue_for_human(
            session,
            case,
            conversation_id=conversation_id,
            shopper_id="shopper-1001",
            reason="shopper_request",
            priority="normal",
        )

    in_db(db_url, queued_with_a_normal_case)
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "n1", "text": BURN})
        await receive_until(ws, message_with("优先转接人工客服", "system"))
        await receive_until(ws, message_with("安全提示", "bot"))
        # A second message about the same burn: no second advice, no second notice.
        await ws.send_json({"type": "message", "client_id": "n2", "text": "手还是很疼，烫伤了"})
        await receive_until(ws, lambda f: f["type"] == "ack" and f["client_id"] == "n2")
    history = await _history(client)
    assert sum("安全提示" in m["text"] for m in history) == 1
    assert sum("优先转接" in m["text"] for m in history) == 1

    def check(session: Session) -> None:
        (case,) = session.scalars(select(Case)).all()  # raised, not a second case
        assert case.urgency == "urgent" and case.urgency_score >= 0.95
        assert any(r.startswith("safety_health:") for r in case.triage_reasons)
        assert case.first_response_due <= utc_now() + timedelta(hours=1)
        raised = [e for e in case.events if e.kind == "priority_raised"]
        assert len(raised) == 1
        assert raised[0].detail["urgency"] == {"from": "normal", "to": "urgent"}
        entry = session.scalars(select(HandoffEntry)).one()
        assert entry.priority == "urgent"

    in_db(db_url, check)


async def test_an_urgent_message_to_a_busy_agent_gets_advice_but_no_transfer_notice(
    client: GatewayClient, db_url: str
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ask_for_human(ws, "b1")
        await login(client, "alice")
        queue = await (await client.get("/agent/api/queue")).json()
        await client.post("/agent/api/claim", json={"entry_id": queue["waiting"][0]["entry_id"]})
        await receive_until(ws, message_with("已接入", "system"))
        await ws.send_json({"type": "message", "client_id": "b2", "text": BURN})
        await receive_until(ws, message_with("安全提示", "bot"))
    history = await _history(client)
    assert not any("优先转接" in m["text"] for m in history)

    def check(session: Session) -> None:
        entry = session.scalars(select(HandoffEntry)).one()
        assert entry.status == "claimed" and entry.priority == "urgent"
        assert entry.case is not None and entry.case.urgency == "urgent"

    in_db(db_url, check)


async def test_a_photo_without_words_reaches_the_assistant_as_a_photo_turn(
    client: GatewayClient, rasa: FakeRasa
) -> None:
    form = aiohttp.FormData()
    form.add_field("photo", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, filename="p.png")
    uploaded = await (await client.post(f"/api/upload?{shopper_query()}", data=form)).json()
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json(
            {
                "type": "message",
                "client_id": "p1",
                "text": "",
                "attachment_id": uploaded["attachment_id"],
            }
        )
        await receive_until(ws, message_with("请选择", "bot"))
    assert [r["message"] for r in rasa.received] == ["/send_photo"]


async def _history(client: GatewayClient) -> list[dict[str, Any]]:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        frame = await receive_until(ws, lambda f: f["type"] == "history")
    messages: list[dict[str, Any]] = frame["messages"]
    return messages
