"""The console's API: roles on every route, claim-next, cases (search, page, note, correct,
reopen), a case for a chat without one, canned replies, and the built console's files.

The gateway is the real app on a temporary SQLite database; only Rasa (the outside world of
these tests) is the fake of conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from handoff.agents import add_agent
from handoff.db import make_engine, make_session_factory, transaction
from tests.gateway.conftest import (
    ASYNC,
    GatewayClient,
    login,
    message_with,
    receive_until,
    shopper_query,
)

pytestmark = ASYNC


def _add(db_url: str, name: str, roles: list[str]) -> None:
    engine = make_engine(db_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            add_agent(session, name, "password-" + name, name.title(), roles=roles)
    finally:
        engine.dispose()


async def _urgent_chat(client: GatewayClient, text: str = "插座冒烟了") -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "u1", "text": text})
        await receive_until(ws, message_with("紧急", "system"))


async def test_every_console_route_checks_the_role(client: GatewayClient, db_url: str) -> None:
    _add(db_url, "tina", ["trainer"])
    assert (await client.get("/agent/api/me")).status == 401
    await login(client, "tina")
    me = await (await client.get("/agent/api/me")).json()
    assert me["roles"] == ["trainer"] and me["pages"] == ["training"]
    assert me["roles_zh"] == ["训练师"]
    for method, path in (
        ("GET", "/agent/api/queue"),
        ("POST", "/agent/api/claim-next"),
        ("GET", "/agent/api/cases"),
        ("POST", "/agent/api/canned"),
    ):
        response = await client.request(method, path, json={})
        assert response.status == 403, path
        assert "权限" in (await response.json())["error"]
    vocabulary = await (await client.get("/agent/api/vocabulary")).json()
    assert vocabulary["category"]["quality"] == "商品质量"


async def test_claim_next_takes_the_most_urgent_chat(client: GatewayClient) -> None:
    await login(client, "alice")
    empty = await client.post("/agent/api/claim-next", json={})
    assert empty.status == 404 and (await empty.json())["error"] == "现在没有排队的会话。"
    await _urgent_chat(client)
    queue = await (await client.get("/agent/api/queue")).json()
    (card,) = queue["waiting"]
    assert card["priority_zh"] == "紧急" and card["category_zh"] == "商品质量"
    assert card["complaint"] == "插座冒烟了" and card["reasons_zh"][0].endswith("·冒烟")
    claimed = await client.post("/agent/api/claim-next", json={})
    assert claimed.status == 200
    cid = (await claimed.json())["conversation_id"]
    detail = await (await client.get(f"/agent/api/conversations/{cid}")).json()
    assert detail["entry"]["mine"] and detail["case"]["status_zh"] == "处理中"
    assert [line["text_zh"] for line in detail["case"]["history"]][-1] == "接手"
    assert detail["canned"] and "title" in detail["canned"][0]
    note = await client.post(f"/agent/api/conversations/{cid}/note", json={"text": " "})
    assert note.status == 400 and (await note.json())["error"] == "请先写下备注内容。"


async def test_case_pages_search_note_correct_resolve_and_reopen(client: GatewayClient) -> None:
    await _urgent_chat(client)
    await login(client, "bob")
    cid = (await (await client.post("/agent/api/claim-next", json={})).json())["conversation_id"]
    base = f"/agent/api/conversations/{cid}"
    assert (await client.post(f"{base}/resolve", json={"resolution": "explanation"})).status == 200

    found = await (await client.get("/agent/api/cases", params={"q": "冒烟"})).json()
    (case,) = found["cases"]
    assert found["total"] == 1 and case["status_zh"] == "已解决"
    number = case["case_number"]
    bad = await client.get("/agent/api/cases", params={"status": "closed"})
    assert bad.status == 400
    page = f"/agent/api/cases/{number}"
    assert (await client.post(f"{page}/note", json={"text": "回访过顾客"})).status == 200
    correct = await client.post(f"{page}/correct", json={"category": "logistics"})
    assert correct.status == 200
    reopened = await client.post(f"{page}/reopen", json={})
    assert reopened.status == 200
    again = await client.post(f"{page}/reopen", json={})
    assert again.status == 409
    shown = await (await client.get(page)).json()
    assert shown["status_zh"] == "处理中" and shown["chat"]["mine"] is True
    assert shown["category_zh"] == "物流配送" and shown["category_confidence"] is None
    lines = [line["line_zh"].split(" ", 1)[1] for line in shown["history"]]
    assert "Bob 添加备注：回访过顾客" in lines
    assert "Bob 解决：解释说明" in lines
    assert lines[-2:] == ["Bob 重新打开：已解决 → 处理中", "Bob 接手"]
    assert any("已重新打开" in m["text"] for m in shown["messages"])
    missing = await client.get("/agent/api/cases/TS000000-AAAA")
    assert missing.status == 404 and (await missing.json())["error"] == "没有找到这个工单。"


async def test_a_chat_without_a_case_gets_one(client: GatewayClient) -> None:
    async with client.ws_connect(f"/ws?{shopper_query()}") as ws:
        await ws.send_json({"type": "message", "client_id": "a", "text": "转人工"})
        await receive_until(ws, lambda f: f["type"] == "mode" and f["mode"] == "human")
    await login(client, "alice")
    cid = (await (await client.post("/agent/api/claim-next", json={})).json())["conversation_id"]
    base = f"/agent/api/conversations/{cid}"
    assert (await (await client.get(base)).json())["case"] is None
    missing = await client.post(f"{base}/case", json={})
    assert missing.status == 400 and (await missing.json())["error"] == "请选择工单分类。"
    made = await client.post(f"{base}/case", json={"category": "after_sales"})
    assert made.status == 200
    detail = await (await client.get(base)).json()
    assert detail["case"]["category_zh"] == "售后服务" and detail["case"]["agent_zh"] == "Alice"
    twice = await client.post(f"{base}/case", json={"category": "other"})
    assert twice.status == 409


async def test_canned_replies_are_edited_by_supervisors_only(
    client: GatewayClient, db_url: str
) -> None:
    _add(db_url, "sara", ["supervisor"])
    await login(client, "alice")
    assert (await client.post("/agent/api/canned", json={"title": "t", "text": "x"})).status == 403
    listed = (await (await client.get("/agent/api/canned")).json())["replies"]
    await login(client, "sara")
    made = await client.post("/agent/api/canned", json={"title": "致谢", "text": "谢谢您"})
    assert made.status == 200
    reply_id = (await made.json())["id"]
    empty = await client.post(f"/agent/api/canned/{reply_id}", json={"title": "致谢", "text": ""})
    assert empty.status == 400 and (await empty.json())["error"] == "请填写快捷回复的内容。"
    assert (await client.delete(f"/agent/api/canned/{reply_id}")).status == 200
    after = (await (await client.get("/agent/api/canned")).json())["replies"]
    assert after == listed


async def test_the_built_console_is_served_to_people_logged_in(
    client: GatewayClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<title>客服工作台</title>", encoding="utf-8")
    (dist / "assets" / "index-abc.js").write_text("console.log(1)", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    monkeypatch.setenv("HANDOFF_CONSOLE_DIST", str(dist))
    assert (await client.get("/agent/cases", allow_redirects=False)).status == 302
    await login(client, "alice")
    for path in ("/agent", "/agent/", "/agent/cases/TS261202-ABCD", "/agent/training"):
        page = await client.get(path)
        assert page.status == 200 and "客服工作台" in await page.text(), path
        assert page.headers["Cache-Control"] == "no-cache"
    asset = await client.get("/agent/assets/index-abc.js")
    assert asset.status == 200 and "immutable" in asset.headers["Cache-Control"]
    assert (await client.get("/agent/assets/..%2Fsecret.txt")).status == 404
    monkeypatch.setenv("HANDOFF_CONSOLE_DIST", str(tmp_path / "not-built"))
    unbuilt = await client.get("/agent")
    assert unbuilt.status == 503 and "make setup" in await unbuilt.text()
