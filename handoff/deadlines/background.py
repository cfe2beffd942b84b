"""Background jobs inside the gateway process: the deadline sweeper, the surge scan, 回访.

Each job runs every ``HANDOFF_SWEEP_SECONDS`` (default 5) in its own transaction in a worker
thread. Every gateway instance runs them: the jobs claim their work in the database, so two
instances share it rather than doubling it. A job that fails is logged and tried again on the
next tick; it never stops the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from handoff.clock import utc_now
from handoff.db import transaction
from handoff.deadlines.policy import DeadlinePolicy
from handoff.deadlines.sweeper import sweep

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS: Final = 5.0
#: The hub topic the console's alert views wait on.
ALERTS_TOPIC: Final = "alerts"

#: A job: work in one transaction at ``now``; returns how many alerts it raised.
Job = Callable[[Session, datetime], int]


@dataclass(frozen=True)
class JobSettings:
    """How often the jobs run, and the deadline policy."""

    interval_seconds: float
    policy: DeadlinePolicy

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> JobSettings:
        env = os.environ if env is None else env
        interval = float(env.get("HANDOFF_SWEEP_SECONDS", DEFAULT_INTERVAL_SECONDS))
        if interval <= 0:
            raise ValueError("HANDOFF_SWEEP_SECONDS must be positive")
        return cls(interval_seconds=interval, policy=DeadlinePolicy.from_env(env))


def sweeper_job(policy: DeadlinePolicy) -> Job:
    """The deadline sweeper as a job."""

    def job(session: Session, now: datetime) -> int:
        return len(sweep(session, policy, now).alerts)

    return job


async def run_jobs(
    factory: sessionmaker[Session],
    jobs: Sequence[Job],
    interval_seconds: float,
    *,
    clock: Callable[[], datetime] = utc_now,
    on_alerts: Callable[[int], None] | None = None,
) -> None:
    """Run ``jobs`` forever, one tick every ``interval_seconds``; cancel to stop."""

    def tick() -> int:
        raised = 0
        for job in jobs:
            try:
                with transaction(factory) as session:
                    raised += job(session, clock())
            except Exception:
                log.exception("background job %s failed; trying again next tick", job)
        return raised

    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        raised = await asyncio.to_thread(tick)
        if raised and on_alerts is not None:
            on_alerts(raised)
        await asyncio.sleep(max(0.0, interval_seconds - (loop.time() - started)))


def background_jobs(
    factory_of: Callable[[web.Application], sessionmaker[Session]],
    jobs_of: Callable[[JobSettings], Sequence[Job]],
    on_alerts_of: Callable[[web.Application], Callable[[int], None]] | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry that runs the jobs while the app runs (settings read at start)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = JobSettings.from_env()
        task = asyncio.create_task(
            run_jobs(
                factory_of(app),
                jobs_of(settings),
                settings.interval_seconds,
                on_alerts=on_alerts_of(app) if on_alerts_of is not None else None,
            )
        )
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return context
