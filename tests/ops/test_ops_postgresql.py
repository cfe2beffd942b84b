"""On a real PostgreSQL: the gateway's readiness while the database is down and after it
comes back, the audit log's triggers, and purge and erasure on Rasa's events table there.

The server is the session's ``postgres_server`` (tests/cluster/services.py, Debian's
binaries); each test makes its own database in it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from handoff.clock import utc_now
from handoff.db import make_session_factory, prepare_database, transaction
from handoff.gateway.app import make_app
from handoff.gateway.settings import Settings
from handoff.ops import audit, tracker_events
from tests.cluster.services import PostgresServer
from tests.gateway.conftest import GatewayClient
from tests.ops.conftest import ASYNC, SECRET, KeywordScreener, rasa_tracker


@ASYNC
async def test_ready_reports_the_database_down_and_back(
    postgres_server: PostgresServer, aiohttp_client: Callable[..., Awaitable[GatewayClient]]
) -> None:
    url = postgres_server.create_database(driver="psycopg")
    settings = Settings(secret=SECRET, database_url=url, rasa_url="http://127.0.0.1:9")
    client = await aiohttp_client(make_app(settings, screener=KeywordScreener()))
    response = await client.get("/ready")
    assert response.status == 200
    assert (await response.json())["checks"]["database"] == "ok"
    await asyncio.to_thread(postgres_server.stop, "immediate")
    try:
        down = await client.get("/ready")
        assert down.status == 503
        assert await down.json() == {
            "status": "not_ready",
            "checks": {"database": "down", "assistant": "down", "triage_model": "ok"},
        }
        assert (await client.get("/health")).status == 200  # alive all the same
    finally:
        await asyncio.to_thread(postgres_server.start)
    for _ in range(60):  # back within 30 s of the restart
        if (await client.get("/ready")).status == 200:
            break
        await asyncio.sleep(0.5)
    else:
        pytest.fail("the gateway did not become ready again after PostgreSQL restarted")


def test_audit_log_refuses_update_delete_and_truncate(postgres_server: PostgresServer) -> None:
    engine = prepare_database(postgres_server.create_database(driver="psycopg"))
    try:
        with transaction(make_session_factory(engine)) as session:
            audit.record(session, actor="agent:alice", action="read_case", subject="case:C1")
        for statement in (
            "UPDATE audit_log SET actor = 'agent:mallory'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT actor FROM audit_log")).scalars().all() == [
                "agent:alice"
            ]
    finally:
        engine.dispose()


def test_purge_and_erasure_on_rasas_postgresql_events(postgres_server: PostgresServer) -> None:
    rasa_store = postgres_server.create_database()  # postgresql:// (psycopg2, as Rasa uses)
    now = utc_now()
    conversations: list[dict[str, Any]] = [
        {
            "sender": "s-old",
            "texts": ["旧消息"],
            "timestamp": (now - timedelta(days=400)).timestamp(),
        },
        {"sender": "s-erase", "texts": ["请删除我"], "timestamp": now.timestamp()},
        {"sender": "s-keep", "texts": ["保留"], "timestamp": now.timestamp()},
    ]
    assert rasa_tracker("write", rasa_store, conversations) == {"saved": 3}
    ours = rasa_store.replace("postgresql://", "postgresql+psycopg://", 1)
    cutoff = now - timedelta(days=180)
    assert tracker_events.delete_older_than(ours, cutoff, dry_run=True) == 5
    assert tracker_events.delete_older_than(ours, cutoff) == 5
    assert tracker_events.delete_conversations(ours, {"s-erase"}) == 5
    assert rasa_tracker("read", rasa_store, ["s-old", "s-erase", "s-keep"]) == {
        "s-old": [],
        "s-erase": [],
        "s-keep": ["保留"],
    }
