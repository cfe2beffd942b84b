"""The 训练 page's API through aiohttp_client: roles, the inbox actions, audit, export."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from handoff.agents import add_agent
from handoff.cases import TriageSummary, open_case
from handoff.db import make_engine, make_session_factory, transaction
from handoff.queue import queue_for_human
from handoff.review.models import ReviewAction
from tests.gateway.conftest import ASYNC, GatewayClient
from tests.review.helpers import intent_item, triage_item

pytestmark = ASYNC
REPO = Path(__file__).resolve().parents[2]
API = "/agent/api/training"


@pytest.fixture
def seeded(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    nlu = tmp_path / "nlu_data"
    shutil.copytree(REPO / "nlu_data", nlu)
    (nlu / "intents" / "reviewed.yml").unlink(missing_ok=True)
    monkeypatch.setenv("NLU_DATA_DIR", str(nlu))
    engine = make_engine(db_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            add_agent(session, "tina", "password-tina", "Tina", roles=["trainer"])
            ids = {
                "intent": intent_item(session, "那玩意咋整", conversation_id="conv-1").id,
                "triage": triage_item(session, "电话13812345678，杯子好像漏水").id,
            }
    finally:
        engine.dispose()
    return ids


async def login_as(client: GatewayClient, name: str) -> None:
    response = await client.post(
        "/agent/login", data={"name": name, "password": "password-" + name}, allow_redirects=False
    )
    assert response.status == 302, await response.text()


async def test_an_agent_without_the_trainer_role_is_refused(
    client: GatewayClient, seeded: dict[str, int]
) -> None:
    response = await client.get(f"{API}/items")
    assert response.status == 401
    await login_as(client, "alice")
    for method, path in [
        ("GET", f"{API}/items"),
        ("GET", f"{API}/models"),
        ("POST", f"{API}/items/{seeded['intent']}/confirm"),
        ("POST", f"{API}/export"),
        ("POST", f"{API}/retrain"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status == 403, path
        assert "训练师" in (await response.json())["error"]


async def test_trainer_lists_and_works_items_with_an_audit_trail(
    client: GatewayClient, seeded: dict[str, int], db_url: str
) -> None:
    await login_as(client, "tina")
    listing = await (await client.get(f"{API}/items")).json()
    texts = [i["text"] for i in listing["items"]]
    assert "那玩意咋整" in texts and all("13812345678" not in t for t in texts)
    assert listing["counts"]["open"] == 2
    assert "complain" in listing["intents"] and listing["vocabulary"]["intent"]["complain"]

    relabel = await client.post(
        f"{API}/items/{seeded['intent']}/relabel", json={"label": {"intent": "check_progress"}}
    )
    assert relabel.status == 200, await relabel.text()
    assert (await relabel.json())["label"] == {"intent": "check_progress"}
    ignored = await client.post(f"{API}/items/{seeded['triage']}/ignore")
    assert (await ignored.json())["status"] == "ignored"
    undone = await client.post(f"{API}/items/{seeded['triage']}/undo")
    assert (await undone.json())["status"] == "open"

    detail = await (await client.get(f"{API}/items/{seeded['intent']}")).json()
    assert [h["action"] for h in detail["history"]] == ["relabel"]
    assert detail["history"][0]["actor"] == "agent:tina"
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            actions = list(session.scalars(select(ReviewAction).order_by(ReviewAction.id)))
    finally:
        engine.dispose()
    assert [(a.action, a.actor) for a in actions] == [
        ("relabel", "agent:tina"),
        ("ignore", "agent:tina"),
        ("undo", "agent:tina"),
    ]


async def test_bad_requests_get_a_chinese_400_and_change_nothing(
    client: GatewayClient, seeded: dict[str, int]
) -> None:
    await login_as(client, "tina")
    for path, body in [
        (f"{API}/items/{seeded['intent']}/relabel", {"label": {"intent": "order_pizza"}}),
        (f"{API}/items/{seeded['triage']}/relabel", {"label": {"category": "x"}}),
        (f"{API}/items/{seeded['triage']}/relabel", {"label": "quality"}),
        (f"{API}/bulk", {"action": "ignore", "ids": "1,2"}),
        (f"{API}/bulk", {"action": "explode", "ids": [1]}),
    ]:
        response = await client.post(path, json=body)
        assert response.status == 400, (path, body)
        assert (await response.json())["error"]
    urgent = await client.post(
        f"{API}/items/{seeded['triage']}/relabel",
        json={"label": {"category": "quality", "urgency": "urgent"}},
    )
    assert urgent.status == 400 and "紧急原因" in (await urgent.json())["error"]
    missing = await client.get(f"{API}/items/99999")
    assert missing.status == 404
    listing = await (await client.get(f"{API}/items")).json()
    assert listing["counts"]["open"] == 2


async def test_bulk_relabel_export_and_filters(
    client: GatewayClient, seeded: dict[str, int]
) -> None:
    await login_as(client, "tina")
    only_triage = await (await client.get(f"{API}/items?kind=triage")).json()
    assert [i["id"] for i in only_triage["items"]] == [seeded["triage"]]
    bad_filter = await client.get(f"{API}/items?kind=weather")
    assert bad_filter.status == 400
    response = await client.post(
        f"{API}/bulk",
        json={"action": "relabel", "ids": [seeded["intent"]], "label": {"intent": "complain"}},
    )
    assert (await response.json())["done"] == 1
    exported = await (await client.post(f"{API}/export")).json()
    assert exported["intent_examples"] == 1 and exported["intents_changed"]
    again = await (await client.post(f"{API}/export")).json()
    assert not again["intents_changed"]


async def test_an_agents_correction_in_the_console_shows_up_pre_filled(
    client: GatewayClient, seeded: dict[str, int], db_url: str
) -> None:
    engine = make_engine(db_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            case, _ = open_case(
                session,
                conversation_id="conv-77",
                shopper_id="shopper-77",
                order_id=None,
                description="箱子被压扁了，里面的碗碎了",
                triage=TriageSummary("quality", 0.7, "normal", 0.2, []),
                dedupe_key="k-77",
            )
            queue_for_human(
                session,
                case,
                conversation_id="conv-77",
                shopper_id="shopper-77",
                reason="shopper_request",
                priority="normal",
            )
    finally:
        engine.dispose()
    await login_as(client, "alice")
    claim = await client.post("/agent/api/claim-next")
    assert claim.status == 200, await claim.text()
    corrected = await client.post(
        "/agent/api/conversations/conv-77/correct", json={"category": "logistics"}
    )
    assert corrected.status == 200, await corrected.text()
    await client.post("/agent/logout")
    await login_as(client, "tina")
    listing = await (await client.get(f"{API}/items?reason=agent_correction")).json()
    (item,) = listing["items"]
    assert item["suggested"]["category"] == "logistics"
    assert item["category"] == "quality"  # what the model said
    confirmed = await client.post(f"{API}/items/{item['id']}/confirm")
    assert (await confirmed.json())["label"]["category"] == "logistics"
