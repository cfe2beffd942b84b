"""Routing through the gateway: assistant mode, human mode, escalation, hand back."""

from __future__ import annotations

from sqlalchemy import select

from handoff.db import make_engine, make_session_factory
from handoff.models import Case, HandoffEntry
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


def _entries(db_url: str) -> list[HandoffEntry]:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(HandoffEntry).order_by(HandoffEntry.id)))
    finally:
        engine.dispose()


def _cases(db_url: str) -> list[Case]:
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(Case)))
    finally:
        engine.dispose()


async def test_assistant_mode_relays_and_returns_buttons(
    client: GatewayClient, rasa: FakeRasa
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        welcome = await receive_until(ws, lambda f: f["type"] == "welcome")
        assert welcome["anonymous"] is False and welcome["mode"] == "bot"
        await ws.send_json({"type": "message", "client_id": "c1", "text": "你好"})
        ack = await receive_until(ws, lambda f: f["type"] == "ack")
        assert ack["client_id"] == "c1" and ack["id"] > 0
        menu = await receive_until(ws, message_with("请选择", "bot"))
        assert menu["message"]["buttons"] == [{"title": "我要投诉", "payload": "/complain"}]
        assert menu["message"]["custom"] == {"kind": "menu"}
    assert rasa.received[0]["message"] == "你好"
    assert rasa.received[0]["metadata"] == {"shopper_id": "shopper-1001"}


async def test_resent_message_is_stored_and_relayed_once(
    client: GatewayClient, rasa: FakeRasa
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "same", "text": "你好"})
        first = await receive_until(ws, lambda f: f["type"] == "ack")
        await receive_until(ws, message_with("请选择", "bot"))
        await ws.send_json({"type": "message", "client_id": "same", "text": "你好"})
        again = await receive_until(ws, lambda f: f["type"] == "ack")
        assert again["id"] == first["id"]
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        history = await receive_until(ws, lambda f: f["type"] == "history")
    shopper_texts = [m["text"] for m in history["messages"] if m["sender"] == "shopper"]
    assert shopper_texts == ["你好"]
    assert len(rasa.received) == 1


async def test_urgent_message_escalates_and_pauses_the_bot(
    client: GatewayClient, rasa: FakeRasa, db_url: str
) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json(
            {"type": "message", "client_id": "u1", "text": "充电宝冒烟了，孩子烫伤了"}
        )
        await receive_until(ws, message_with("紧急", "system"))
        honest = await receive_until(ws, message_with("没有人工客服在线", "system"))
        assert "前回复您" in honest["message"]["text"]
        await ws.send_json({"type": "message", "client_id": "u2", "text": "人呢？"})
        await receive_until(ws, lambda f: f["type"] == "ack" and f["client_id"] == "u2")
    assert rasa.received == []  # the urgent message and everything after it bypass the bot
    assert any(call.startswith("pause:") for call in rasa.calls)
    (entry,) = _entries(db_url)
    assert entry.priority == "urgent" and entry.status == "waiting"
    (case,) = _cases(db_url)
    assert case.urgency == "urgent" and case.shopper_id == "shopper-1001"


async def test_human_mode_round_trip_and_hand_back(client: GatewayClient, rasa: FakeRasa) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "a", "text": "转人工"})
        await receive_until(ws, message_with("正在为您转接", "bot"))
        await receive_until(ws, lambda f: f["type"] == "mode" and f["mode"] == "human")

        await login(client, "alice")
        queue = await (await client.get("/agent/api/queue")).json()
        (waiting,) = queue["waiting"]
        claimed = await client.post("/agent/api/claim", json={"entry_id": waiting["entry_id"]})
        assert claimed.status == 200
        conversation_id = (await claimed.json())["conversation_id"]
        await receive_until(ws, message_with("已接入", "system"))

        await ws.send_json({"type": "message", "client_id": "b", "text": "耳机左边没声音"})
        await receive_until(ws, lambda f: f["type"] == "ack" and f["client_id"] == "b")
        detail = await (await client.get(f"/agent/api/conversations/{conversation_id}")).json()
        assert [m["text"] for m in detail["messages"] if m["sender"] == "shopper"] == [
            "转人工",
            "耳机左边没声音",
        ]
        assert any(m["sender"] == "bot" for m in detail["messages"])  # bot turns too

        reply = await client.post(
            f"/agent/api/conversations/{conversation_id}/reply", json={"text": "马上为您处理"}
        )
        assert reply.status == 200
        live = await receive_until(ws, message_with("马上为您处理", "agent"))
        assert live["message"]["agent"] == "Alice"

        done = await client.post(
            f"/agent/api/conversations/{conversation_id}/resolve", json={"resolution": "exchange"}
        )
        assert done.status == 200
        rating = await receive_until(ws, message_with("打分", "bot"))
        assert len(rating["message"]["buttons"]) == 5
        await receive_until(ws, lambda f: f["type"] == "mode" and f["mode"] == "bot")
    # the bot heard only the first message; the rest went to the agent
    assert [r["message"] for r in rasa.received] == ["转人工"]
    assert f"resume:{conversation_id}" in rasa.calls
    assert any(c.startswith("trigger:EXTERNAL_handed_back:") for c in rasa.calls)


async def test_agent_actions_on_an_urgent_case(client: GatewayClient, db_url: str) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "u", "text": "插座起火了"})
        await receive_until(ws, message_with("紧急", "system"))
    await login(client, "bob")
    (waiting,) = (await (await client.get("/agent/api/queue")).json())["waiting"]
    assert waiting["priority"] == "urgent" and waiting["case_number"]
    cid = (
        await (await client.post("/agent/api/claim", json={"entry_id": waiting["entry_id"]})).json()
    )["conversation_id"]
    base = f"/agent/api/conversations/{cid}"
    assert (await client.post(f"{base}/note", json={"text": "已联系仓库"})).status == 200
    corrected = await client.post(f"{base}/correct", json={"category": "after_sales"})
    assert corrected.status == 200
    assert (await client.post(f"{base}/status", json={"status": "pending_shopper"})).status == 200
    bad = await client.post(f"{base}/resolve", json={"resolution": "magic"})
    assert bad.status == 400
    detail = await (await client.get(base)).json()
    kinds = [e["kind"] for e in detail["case"]["events"]]
    assert {"note", "triage_corrected", "status_changed"} <= set(kinds)
    correction = next(e for e in detail["case"]["events"] if e["kind"] == "triage_corrected")
    assert correction["actor"] == "agent:bob" and correction["at"]
    transfer = await client.post(f"{base}/transfer", json={"to": "alice"})
    assert transfer.status == 200
    after = await client.post(f"{base}/reply", json={"text": "还是我"})
    assert after.status == 403  # now alice's
