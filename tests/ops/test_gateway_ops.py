"""The gateway's /health, /ready and /metrics, and the audit rows of console reads.

Through ``aiohttp_client`` on a temporary SQLite database, with the fake Rasa of
tests/gateway (the outside world here) given Rasa's readiness route. The database going
down is in ``test_ops_postgresql.py`` (a real PostgreSQL, stopped).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from handoff.db import make_session_factory, prepare_database, transaction
from handoff.gateway.app import make_app
from handoff.gateway.settings import Settings
from handoff.ops import audit
from tests.gateway.conftest import GatewayClient, message_with, receive_until, shopper_query
from tests.ops.conftest import ASYNC, SECRET, KeywordScreener, login

pytestmark = ASYNC
TOKEN = "metrics-token-for-tests"


class ReadyRasa:
    """Rasa's readiness route, answering as a ready or a not-ready Rasa does."""

    def __init__(self) -> None:
        self.ready = True

    async def route(self, _request: web.Request) -> web.Response:
        if self.ready:
            return web.json_response({"status": "ready", "checks": {}})
        return web.json_response({"status": "not_ready", "checks": {}}, status=503)


@pytest_asyncio.fixture
async def ready_rasa(
    rasa: Any, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> tuple[ReadyRasa, str]:
    state = ReadyRasa()
    app = rasa.app()
    app.router.add_get("/webhooks/rest/ready", state.route)
    server = await aiohttp_server(app)
    return state, str(server.make_url("")).rstrip("/")


@pytest_asyncio.fixture
async def ops_client(
    db_url: str,
    ready_rasa: tuple[ReadyRasa, str],
    aiohttp_client: Callable[..., Awaitable[GatewayClient]],
) -> GatewayClient:
    settings = Settings(
        secret=SECRET,
        database_url=db_url,
        rasa_url=ready_rasa[1],
        poll_seconds=0.2,
        metrics_token=TOKEN,
    )
    return await aiohttp_client(make_app(settings, screener=KeywordScreener()))


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text, by (name, sorted labels)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(client: GatewayClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status == 200
    assert response.content_type == "text/plain"
    return samples(await response.text())


async def test_health_is_open_and_says_only_ok(ops_client: GatewayClient) -> None:
    response = await ops_client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_ready_with_everything_up(ops_client: GatewayClient) -> None:
    response = await ops_client.get("/ready")
    assert response.status == 200
    assert await response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "assistant": "ok", "triage_model": "ok"},
    }


async def test_ready_but_degraded_while_rasa_is_not_ready(
    ops_client: GatewayClient, ready_rasa: tuple[ReadyRasa, str]
) -> None:
    ready_rasa[0].ready = False
    response = await ops_client.get("/ready")
    body = await response.json()
    assert response.status == 200  # still serves: messages stored, agents work
    assert body == {
        "status": "degraded",
        "checks": {"database": "ok", "assistant": "down", "triage_model": "ok"},
    }
    assert ready_rasa[1] not in await response.text()  # nothing about where Rasa is


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer ", f"Bearer {TOKEN}x"],
)
async def test_metrics_refuse_without_the_token(
    ops_client: GatewayClient, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = await ops_client.get("/metrics", headers=headers)
    assert response.status == 401
    body = await response.json()
    assert body["error"] == "unauthorised"
    assert "METRICS_TOKEN" in body["message_zh"]
    assert "shop_" not in await response.text()


async def test_metrics_count_turns_queue_and_requests(ops_client: GatewayClient) -> None:
    async with ops_client.ws_connect(f"/ws?{shopper_query('shopper-7')}") as ws:
        await ws.send_json({"type": "message", "text": "你好", "client_id": "m1"})
        await receive_until(ws, message_with("有什么可以帮您", "bot"))
        await ws.send_json({"type": "message", "text": "转人工", "client_id": "m2"})
        await receive_until(ws, message_with("转接人工", "bot"))
        figures = await scrape(ops_client)
        assert figures[("shop_websockets_open", ())] == 1
    assert figures[("shop_gateway_turns_total", (("outcome", "answered"),))] == 2
    assert figures[("shop_gateway_turns_total", (("outcome", "unavailable"),))] == 0
    assert figures[("shop_gateway_turn_seconds_count", ())] == 2
    assert figures[("shop_queue_waiting", (("priority", "normal"),))] == 1
    assert figures[("shop_queue_waiting", (("priority", "urgent"),))] == 0
    assert figures[("shop_queue_oldest_wait_seconds", (("priority", "normal"),))] >= 0
    assert figures[("shop_alerts_unacknowledged", (("kind", "sla_breach"),))] == 0
    # Requests are labelled by route template, never by a raw path with an id in it.
    await ops_client.get("/agent/api/cases/NO-SUCH-CASE")
    again = await scrape(ops_client)
    routes = {dict(labels).get("route") for name, labels in again if name.startswith("shop_http")}
    assert "/agent/api/cases/{case_number}" in routes
    assert not any(route and "NO-SUCH-CASE" in route for route in routes)


async def test_gateway_log_lines_name_the_conversation(
    ops_client: GatewayClient, rasa: Any
) -> None:
    import io
    import json
    import logging

    from handoff.gateway.identity import Identity
    from handoff.log_masking import install_log_masking
    from handoff.ops.json_logs import JsonFormatter

    install_log_masking()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    service_log = logging.getLogger("handoff.gateway.service")
    service_log.addHandler(handler)
    rasa.unavailable = 100  # Rasa answers 503: the gateway logs a warning for the turn
    try:
        async with ops_client.ws_connect(f"/ws?{shopper_query('shopper-10')}") as ws:
            await ws.send_json({"type": "message", "text": "电话 13812345678", "client_id": "m1"})
            await receive_until(ws, message_with("暂时无法回复", "system"))
    finally:
        service_log.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    conversation = Identity(shopper_id="shopper-10", anonymous=False).conversation_id
    warning = next(line for line in lines if "unavailable" in line["message"])
    assert warning["conversation_id"] == conversation
    assert "13812345678" not in stream.getvalue()
    figures = await scrape(ops_client)
    assert figures[("shop_gateway_turns_total", (("outcome", "unavailable"),))] == 1


async def test_an_agent_opening_a_transcript_or_a_case_is_audited(
    ops_client: GatewayClient, db_url: str
) -> None:
    async with ops_client.ws_connect(f"/ws?{shopper_query('shopper-8')}") as ws:
        await ws.send_json({"type": "message", "text": "转人工", "client_id": "m1"})
        await receive_until(ws, message_with("转接人工", "bot"))
    await login(ops_client, "alice")
    queue = await (await ops_client.get("/agent/api/queue")).json()
    conversation_id = queue["waiting"][0]["conversation_id"]
    response = await ops_client.get(f"/agent/api/conversations/{conversation_id}")
    assert response.status == 200
    missing = await ops_client.get("/agent/api/cases/NO-SUCH-CASE")
    assert missing.status == 404  # a failed read shows nothing, so it is not recorded
    engine = prepare_database(db_url)
    try:
        with make_session_factory(engine)() as session:
            rows = [audit.entry_dict(e) for e in audit.entries(session)]
    finally:
        engine.dispose()
    assert [(r["actor"], r["action"], r["subject"]) for r in rows] == [
        ("agent:alice", "read_transcript", f"conversation:{conversation_id}")
    ]


async def test_housekeeping_purge_counts_in_metrics(ops_client: GatewayClient, db_url: str) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from handoff.chat_models import Message
    from handoff.clock import utc_now
    from handoff.gateway.housekeeping import purge_once

    async with ops_client.ws_connect(f"/ws?{shopper_query('shopper-9')}") as ws:
        await ws.send_json({"type": "message", "text": "你好", "client_id": "m1"})
        await receive_until(ws, message_with("有什么可以帮您", "bot"))
    engine = prepare_database(db_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            session.execute(update(Message).values(created_at=utc_now() - timedelta(days=400)))
    finally:
        engine.dispose()
    result = await purge_once(ops_client.app)
    assert result.messages == 3  # the shopper's message and the two bot messages
    figures = await scrape(ops_client)
    assert figures[("shop_retention_purged_total", (("what", "messages"),))] == 3
