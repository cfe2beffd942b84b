"""The background jobs outlive a PostgreSQL restart (issue 14's operating rules).

Without the restart loop in ``run_background``, procrastinate's worker ended with a
``ConnectorException`` when the database went away, and the instance never swept a
deadline again until it was restarted itself. Here a job counts its ticks: after the
database is stopped with ``-m immediate`` and started again, the count must keep growing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from handoff.db import make_session_factory, prepare_database
from handoff.deadlines import background
from handoff.deadlines.background import run_background
from tests.cluster.services import PostgresServer

pytestmark = pytest.mark.asyncio


@pytest.fixture
def engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    engine = prepare_database(postgres_server.create_database(driver="psycopg"))
    yield engine
    engine.dispose()


async def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.2)
    return False


async def test_the_jobs_tick_again_after_postgresql_restarts(
    engine: Engine, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(background, "RESTART_SECONDS", 1.0)
    ticks: list[datetime] = []

    def count_ticks(session: Session, now: datetime) -> int:
        ticks.append(now)
        return 0

    task = asyncio.create_task(run_background(make_session_factory(engine), [count_ticks], 1.0))
    try:
        assert await _wait_for(lambda: len(ticks) >= 2, 60), "no tick before the restart"
        await asyncio.to_thread(postgres_server.stop, "immediate")
        await asyncio.sleep(3)
        await asyncio.to_thread(postgres_server.start)
        engine.dispose()  # the pool's connections died with the server
        before = len(ticks)
        assert await _wait_for(lambda: len(ticks) >= before + 2, 60), (
            "the background jobs stopped for good when PostgreSQL restarted"
        )
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
