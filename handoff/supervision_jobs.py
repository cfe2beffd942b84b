"""The supervisor's background jobs and views, installed on the gateway app in one call.

``handoff/gateway/app.py`` calls :func:`install`: it adds the jobs (deadline sweeper, surge
scan, 回访 scheduling) to the app's ``cleanup_ctx``, after the gateway's own resources so that
they can use its database, and the supervisor's JSON routes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from handoff.deadlines.background import (
    ALERTS_TOPIC,
    Job,
    JobSettings,
    background_jobs,
    run_background,
    run_tick,
    sweeper_job,
)
from handoff.gateway.keys import GATEWAY
from handoff.supervision_models import Alert


def jobs_for(settings: JobSettings) -> Sequence[Job]:
    """Every background job, in the order one tick runs them."""
    from handoff.followups.scheduling import followup_job
    from handoff.surge.scan import surge_job

    return [sweeper_job(settings.policy), surge_job(), followup_job()]


def run_all_once(factory: sessionmaker[Session], now: datetime) -> list[Alert]:
    """One tick of every job at ``now``, for ``python -m handoff sweep``; the alerts raised."""
    from handoff.alerts.store import list_alerts

    run_tick(factory, jobs_for(JobSettings.from_env()), clock=lambda: now)
    with factory() as session:
        return list_alerts(session, since=now)


async def run_forever(factory: sessionmaker[Session]) -> None:
    """What each gateway instance runs, without the gateway (``sweep --forever``)."""
    settings = JobSettings.from_env()
    await run_background(factory, jobs_for(settings), settings.interval_seconds)


def _factory(app: web.Application) -> sessionmaker[Session]:
    return app[GATEWAY].factory


def _on_alerts(app: web.Application) -> Callable[[int], None]:
    """Wake the console views waiting on alerts (this instance; others poll)."""
    hub = app[GATEWAY].hub

    def notify(_count: int) -> None:
        hub.changed(ALERTS_TOPIC)

    return notify


def install(app: web.Application) -> None:
    """Add the background jobs and the supervisor's routes to the gateway ``app``."""
    from handoff.gateway import report_views

    app.cleanup_ctx.append(background_jobs(_factory, jobs_for, _on_alerts))
    report_views.add_routes(app)
