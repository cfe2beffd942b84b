"""On PostgreSQL, the background jobs' tick as a procrastinate periodic task: once per tick,
cluster-wide, whichever gateway instances are alive.

Why procrastinate rather than every instance looping: each instance would sweep every tick,
correct (the claims and dedupe keys see to that) but N times the work and the contention.
Every instance runs a procrastinate worker; their periodic deferrers all try to defer the
tick of each ``HANDOFF_SWEEP_SECONDS`` and the database keeps one (procrastinate's periodic
defers are unique per task and timestamp); one worker fetches it (``FOR UPDATE SKIP
LOCKED``). The queueing lock keeps at most one tick waiting, so a slow cluster skips ticks
instead of piling them up, and a tick still running does not stop the next from starting on
another instance: the sweeper claims its rows with ``FOR UPDATE SKIP LOCKED`` too, so two
ticks share a backlog. An instance killed mid-tick loses nothing: its transaction rolls
back and the next tick claims the same rows; its job row (left "doing") is cleared once its
worker stops sending heartbeats. Finished ticks are deleted, so the queue table stays small.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import URL

log = logging.getLogger(__name__)

TASK_NAME: Final = "handoff.supervision_tick"
QUEUE: Final = "handoff_supervision"
QUEUEING_LOCK: Final = "handoff_supervision_tick"
#: A worker silent this long is taken for dead and its running tick cleared (procrastinate
#: sends a heartbeat every ``HEARTBEAT_SECONDS``).
STALLED_SECONDS: Final = 30.0
HEARTBEAT_SECONDS: Final = 5.0
#: Connections per worker: the fetch, LISTEN/NOTIFY, heartbeats and the deferrer share them.
POOL_MAX: Final = 3


def cron_every(seconds: float) -> str:
    """A cron line (croniter's, seconds last) firing every ``seconds``, which must divide a
    minute or be whole minutes dividing an hour."""
    whole = round(seconds)
    if 1 <= whole < 60 and 60 % whole == 0:
        return f"* * * * * */{whole}"
    if whole % 60 == 0 and 1 <= whole // 60 <= 60 and 60 % (whole // 60) == 0:
        return f"*/{whole // 60} * * * *"
    raise ValueError(
        "HANDOFF_SWEEP_SECONDS must divide a minute (1, 2, 5, 10, 15, 30) or be whole minutes "
        "dividing an hour on PostgreSQL"
    )


def libpq_conninfo(url: URL) -> str:
    """The libpq URL psycopg's pool takes, from SQLAlchemy's (``postgresql+psycopg://…``)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(
    conninfo: str,
    tick: Callable[[], int],
    interval_seconds: float,
    on_alerts: Callable[[int], None] | None = None,
) -> Any:
    """A procrastinate app with the one periodic task that runs ``tick`` in a thread."""
    from procrastinate import App, PsycopgConnector
    from procrastinate.jobs import Status

    app = App(connector=PsycopgConnector(conninfo=conninfo, min_size=1, max_size=POOL_MAX))

    @app.periodic(cron=cron_every(interval_seconds), periodic_id="tick")
    @app.task(name=TASK_NAME, queue=QUEUE, queueing_lock=QUEUEING_LOCK)
    async def supervision_tick(timestamp: int) -> None:
        stalled = await app.job_manager.get_stalled_jobs(
            task_name=TASK_NAME, seconds_since_heartbeat=STALLED_SECONDS
        )
        for job in stalled:
            assert job.id is not None
            await app.job_manager.finish_job_by_id_async(job.id, Status.FAILED, delete_job=True)
        raised = await asyncio.to_thread(tick)
        if raised and on_alerts is not None:
            on_alerts(raised)

    return app


async def run_periodic_worker(
    url: URL,
    tick: Callable[[], int],
    interval_seconds: float,
    on_alerts: Callable[[int], None] | None = None,
) -> None:
    """Run this instance's worker until cancelled (the gateway's ``cleanup_ctx`` does)."""
    # procrastinate logs every deferral and job at INFO: one line per instance and tick.
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    app = build_app(libpq_conninfo(url), tick, interval_seconds, on_alerts)
    async with app.open_async():
        await app.run_worker_async(
            queues=[QUEUE],
            name=f"{socket.gethostname()}:{os.getpid()}",
            wait=True,
            install_signal_handlers=False,
            delete_jobs="always",
            update_heartbeat_interval=HEARTBEAT_SECONDS,
            stalled_worker_timeout=STALLED_SECONDS,
            fetch_job_polling_interval=min(interval_seconds, HEARTBEAT_SECONDS),
        )
