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
from handoff.deadlines.background import run_background, stop_jobs
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
        # Restarted after the outage, the worker is where a single cancel got lost and the
        # gateway's shutdown hung (a clean-clone CI run waited an hour on it).
        assert await stop_jobs(task), "the background jobs did not stop"


async def test_a_lost_cancel_is_repeated_until_the_jobs_stop() -> None:
    swallowed: list[int] = []

    async def swallows_the_first_cancel() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:  # what a library did with our first cancel
            swallowed.append(1)
        await asyncio.sleep(3600)

    task = asyncio.create_task(swallows_the_first_cancel())
    await asyncio.sleep(0)
    assert await stop_jobs(task, grace_seconds=0.2, give_up_seconds=5)
    assert swallowed == [1] and task.cancelled()


async def test_jobs_that_do_not_stop_are_left_behind_with_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    released = asyncio.Event()

    async def stops_only_when_released() -> None:
        while not released.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await released.wait()

    task = asyncio.create_task(stops_only_when_released())
    await asyncio.sleep(0)
    assert not await stop_jobs(task, grace_seconds=0.1, give_up_seconds=1.5)
    assert "did not stop" in caplog.text
    released.set()
    await task
