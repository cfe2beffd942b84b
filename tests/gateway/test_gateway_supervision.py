"""The supervisor's side through the real gateway: background jobs, the JSON API, the chat.

A surge of complaints raises an alert from the gateway's own background job; a supervisor
declares the incident; an affected shopper who writes in is told the approved message; the
incident closes with its summary. A due 回访 is asked when the shopper opens the chat, and
"not solved" reopens the case. Rasa is the fake of conftest (the outside world); the
database, the jobs and the gateway are real. Cost: a few seconds.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from handoff.agents import add_agent
from handoff.cases import TriageSummary, open_case, resolve_case
from handoff.clock import CHINA_TZ, utc_now
from handoff.db import make_session_factory, prepare_database, transaction
from handoff.models import Case
from handoff.orders import OrderInfo, remember_order
from tests.gateway.conftest import (
    ASYNC,
    WAIT,
    GatewayClient,
    login,
    message_with,
    receive_until,
    shopper_query,
)

pytestmark = ASYNC
PRODUCT = "九阳 破壁豆浆机 D2"


@pytest.fixture(autouse=True)
def quick_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDOFF_SWEEP_SECONDS", "0.2")


def _seed(db_url: str) -> None:
    """bob supervises; three shoppers complain about one product within the hour; a case of
    shopper-1002 was resolved four days ago (its 回访 is due)."""
    engine = prepare_database(db_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            add_agent(session, "bob", None, roles=["agent", "supervisor"])
            now = utc_now()
            for index, shopper in enumerate(("shopper-1001", "shopper-2001", "shopper-2002")):
                order_id = f"20261201{index:08d}"
                remember_order(
                    session,
                    OrderInfo(order_id, shopper, PRODUCT, Decimal("459.00"), "已签收", now),
                )
                open_case(
                    session,
                    conversation_id=f"web:{shopper}",
                    shopper_id=shopper,
                    order_id=order_id,
                    description="豆浆机漏水",
                    triage=TriageSummary("quality", 0.9, "normal", 0.1, []),
                    dedupe_key=f"surge-{index}",
                    now=now - timedelta(minutes=30 - index * 10),
                )
            old, _ = open_case(
                session,
                conversation_id="web:shopper-1002",
                shopper_id="shopper-1002",
                order_id="2024111910021001",
                description="炒锅不粘涂层掉了",
                triage=TriageSummary("quality", 0.9, "normal", 0.1, []),
                dedupe_key="old",
                now=now - timedelta(days=5),
            )
            resolve_case(
                session,
                old,
                actor="agent:alice",
                resolution="exchange",
                now=now - timedelta(days=4),
            )
    finally:
        engine.dispose()


async def _until(client: GatewayClient, path: str, found: Any) -> Any:
    async def loop() -> Any:
        while True:
            response = await client.get(path)
            assert response.status == 200, await response.text()
            result = found(await response.json())
            if result:
                return result
            await asyncio.sleep(0.2)

    return await asyncio.wait_for(loop(), WAIT)


async def test_reports_are_for_supervisors_and_refuse_bad_ranges_kindly(
    client: GatewayClient, db_url: str
) -> None:
    _seed(db_url)
    await login(client, "alice")
    response = await client.get("/agent/api/reports")
    assert response.status == 403
    assert "主管" in (await response.json())["error"]
    await login(client, "bob")
    report = await (await client.get("/agent/api/reports?days=7")).json()
    assert report["cases"] == 4
    assert report["by_category"]["quality"] == 4
    for query in ("days=0", "days=abc", "from=2024-12-01&to=2024-11-01", "from=x&to=y"):
        response = await client.get(f"/agent/api/reports?{query}")
        assert response.status == 400
        assert (await response.json())["error"]


async def test_surge_to_incident_to_an_informed_shopper_and_a_closed_summary(
    client: GatewayClient, db_url: str
) -> None:
    _seed(db_url)
    await login(client, "bob")
    alert = await _until(
        client,
        "/agent/api/alerts?kind=surge",
        lambda data: next(iter(data["alerts"]), None),
    )
    assert alert["product"] == PRODUCT and alert["detail"]["count"] == 3
    assert "我们已经注意到" in alert["suggested_message_zh"]
    message = "我们已经注意到部分豆浆机漏水，正在处理，可直接为您换新。"
    response = await client.post(
        "/agent/api/incidents",
        json={"alert_id": alert["id"], "message_zh": message, "team": ["alice"]},
    )
    assert response.status == 201, await response.text()
    incident = await response.json()
    assert incident["case_count"] == 3 and incident["status"] == "open"

    async with client.ws_connect(f"/ws?{shopper_query('shopper-1001')}") as ws:
        await ws.send_json({"type": "message", "client_id": "m1", "text": "你好"})
        told = await receive_until(ws, message_with("我们已经注意到", "bot"))
        assert told["message"]["text"] == message
        await receive_until(ws, message_with("有什么可以帮您"))  # the assistant still answers
        await ws.send_json({"type": "message", "client_id": "m2", "text": "还在吗"})
        await receive_until(ws, message_with("有什么可以帮您"))

    refused = await client.post(
        f"/agent/api/incidents/{incident['id']}/close", json={"summary": "好了"}
    )
    assert refused.status == 400 and "改进" in (await refused.json())["error"]
    response = await client.post(
        f"/agent/api/incidents/{incident['id']}/close",
        json={"summary": "密封圈批次问题，已换新", "improvements": ["入库抽检密封性"]},
    )
    closed = await response.json()
    assert closed["status"] == "closed" and closed["shoppers_told"] == 1
    kinds = [line["kind"] for line in closed["timeline"]]
    assert kinds == ["declared", "message_approved", "shopper_told", "closed"]


async def test_a_due_followup_is_asked_once_and_not_solved_reopens_the_case(
    client: GatewayClient, db_url: str
) -> None:
    _seed(db_url)
    await login(client, "alice")
    due = await _until(client, "/agent/api/followups", lambda data: data["followups"])
    assert [f["shopper_id"] for f in due] == ["shopper-1002"]
    async with client.ws_connect(f"/ws?{shopper_query('shopper-1002')}") as ws:
        question = await receive_until(ws, message_with("真的解决了吗"))
        payloads = [b["payload"] for b in question["message"]["buttons"]]
        assert payloads == ["/followup_solved", "/followup_not_solved"]
        await ws.send_json(
            {
                "type": "message",
                "client_id": "f1",
                "text": "/followup_not_solved",
                "display": "还没有解决",
            }
        )
        await receive_until(ws, message_with("已重新打开", "bot"))
    async with client.ws_connect(f"/ws?{shopper_query('shopper-1002')}") as ws:
        await ws.send_json({"type": "message", "client_id": "f2", "text": "你好"})
        frame = await receive_until(ws, message_with("有什么可以帮您"))
        assert "真的解决了吗" not in frame["message"]["text"]
    engine = prepare_database(db_url)
    try:
        with make_session_factory(engine)() as session:
            case = session.query(Case).filter_by(dedupe_key="old").one()
            assert case.status == "in_progress"
    finally:
        engine.dispose()
    alerts = await (await client.get("/agent/api/alerts")).json()
    assert any(a["kind"] == "followup_failed" for a in alerts["alerts"])
    after = await (await client.get("/agent/api/followups")).json()
    assert after["followups"] == []
    # The page reads the delay from the server (HANDOFF_FOLLOWUP_DAYS, 3 days by default).
    assert after["delay_seconds"] == 3 * 86400


async def test_the_public_monthly_report_shows_aggregates_and_no_personal_data(
    client: GatewayClient, db_url: str
) -> None:
    _seed(db_url)
    month = utc_now().astimezone(CHINA_TZ).strftime("%Y-%m")
    response = await client.get(f"/public/report?month={month}")
    assert response.status == 200
    page = await response.text()
    assert "投诉处理报告" in page and "投诉总量" in page and "商品质量" in page
    for private in ("shopper-1001", "豆浆机漏水", "2026120100000000", "TS"):
        assert private not in page
    bad = await client.get("/public/report?month=2026-13")
    assert bad.status == 400 and "月份" in await bad.text()
