"""Background jobs inside the gateway process: the deadline sweeper, the surge scan, 回访.

A tick runs each job in its own transaction in a worker thread; a job that raised alerts
runs again at once (a sweep claims at most a batch of rows), for up to ``DRAIN_SECONDS``.
A job that fails is logged and tried again on the next tick; it never stops the gateway.

Every gateway instance runs the jobs, and each tick happens once however many there are:
on SQLite (one machine) each instance loops every ``HANDOFF_SWEEP_SECONDS`` (default 5) and
the claims in the database (a conditional update per deadline, unique dedupe keys) keep two
instances from doubling any alert; on PostgreSQL the tick is a procrastinate periodic task
(``handoff/deadlines/periodic.py``) that one instance of the cluster runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
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
#: How long one tick keeps re-running a job that still raises alerts (a backlog after an
#: outage drains in one tick instead of one batch per interval).
DRAIN_SECONDS: Final = 30.0
#: Pause before the background jobs start again after a failure (a database restarting).
RESTART_SECONDS: Final = 5.0
#: On shutdown: how long the jobs may finish what they are doing after the first cancel, and
#: how long in all before the gateway stops waiting for them.
GRACE_SECONDS: Final = 5.0
GIVE_UP_SECONDS: Final = 30.0
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


def run_tick(
    factory: sessionmaker[Session],
    jobs: Sequence[Job],
    clock: Callable[[], datetime] = utc_now,
    drain_seconds: float = DRAIN_SECONDS,
) -> int:
    """One tick of every job, each run in its own transaction; how many alerts were raised.

    A job that raised alerts runs again with a fresh ``now`` until it raises none or the
    tick has taken ``drain_seconds``; each run commits, so its alerts are out at once.
    """
    raised = 0
    started = time.monotonic()
    for job in jobs:
        while True:
            try:
                with transaction(factory) as session:
                    count = job(session, clock())
            except Exception:
                log.exception("background job %s failed; trying again next tick", job)
                break
            raised += count
            if count == 0 or time.monotonic() - started >= drain_seconds:
                break
    return raised


async def run_jobs(
    factory: sessionmaker[Session],
    jobs: Sequence[Job],
    interval_seconds: float,
    *,
    clock: Callable[[], datetime] = utc_now,
    on_alerts: Callable[[int], None] | None = None,
) -> None:
    """Run ``jobs`` forever in this process, one tick every ``interval_seconds``; cancel to
    stop. The SQLite way (see the module's docstring)."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        raised = await asyncio.to_thread(run_tick, factory, jobs, clock)
        if raised and on_alerts is not None:
            on_alerts(raised)
        await asyncio.sleep(max(0.0, interval_seconds - (loop.time() - started)))


async def run_background(
    factory: sessionmaker[Session],
    jobs: Sequence[Job],
    interval_seconds: float,
    on_alerts: Callable[[int], None] | None = None,
) -> None:
    """Run the jobs the way the database asks: procrastinate on PostgreSQL, else the loop.

    A database that restarts or drops the connection must not end the jobs for the rest of
    the process's life (the deadlines would silently stop being watched), so a failure is
    logged and the jobs start again after ``RESTART_SECONDS``; only cancelling stops them.
    """
    engine = factory.kw["bind"]
    while True:
        try:
            if engine.dialect.name == "postgresql":
                from handoff.deadlines.periodic import run_periodic_worker

                tick = functools.partial(run_tick, factory, jobs)
                await run_periodic_worker(engine.url, tick, interval_seconds, on_alerts)
            else:
                await run_jobs(factory, jobs, interval_seconds, on_alerts=on_alerts)
            # procrastinate's worker returns, without an error, when one of its side tasks
            # (the LISTEN connection) died with the database.
            reason = "the worker ended"
        except Exception as error:  # any failure: log it, start again
            reason = type(error).__name__
        log.error("background jobs stopped (%s); starting again in %.0f s", reason, RESTART_SECONDS)
        await asyncio.sleep(RESTART_SECONDS)


def background_jobs(
    factory_of: Callable[[web.Application], sessionmaker[Session]],
    jobs_of: Callable[[JobSettings], Sequence[Job]],
    on_alerts_of: Callable[[web.Application], Callable[[int], None]] | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry that runs the jobs while the app runs (settings read at start)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = JobSettings.from_env()
        task = asyncio.create_task(
            run_background(
                factory_of(app),
                jobs_of(settings),
                settings.interval_seconds,
                on_alerts_of(app) if on_alerts_of is not None else None,
            )
        )
        try:
            yield
        finally:
            await stop_jobs(task)

    return context


async def stop_jobs(
    task: asyncio.Task[None],
    grace_seconds: float = GRACE_SECONDS,
    give_up_seconds: float = GIVE_UP_SECONDS,
) -> bool:
    """Cancel the jobs' task and wait for it to end; True if it did.

    One cancel is not always enough: a procrastinate worker restarted while PostgreSQL was
    coming back can lose the cancel somewhere in its start-up (it then waits for a stop
    request forever), and the gateway's shutdown hung on it. So after ``grace_seconds`` (time
    for a running tick to finish) the cancel is repeated every second, and after
    ``give_up_seconds`` the task is left behind with an error in the log rather than
    holding the process up.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=grace_seconds)
    while not done and loop.time() - started < give_up_seconds:
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=1.0)
    if not done:
        log.error("background jobs did not stop within %.0f s; leaving them", give_up_seconds)
        return False
    with contextlib.suppress(asyncio.CancelledError):
        task.result()
    return True
