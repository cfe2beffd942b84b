"""The gateway's hourly clean-up: old rate-limit windows and unattached uploads; and, once a
day, the retention purge of old chat text (``handoff.ops.retention``).

Every instance runs it; the deletions are idempotent, so two instances doing it at once
only repeat each other's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Final

from aiohttp import web

from handoff.gateway.keys import GATEWAY, SETTINGS
from handoff.ops import retention
from handoff.ops.metrics import METRICS
from handoff.ops.retention import PurgeResult
from handoff.rate_limits import forget_old_windows
from handoff.upload_retention import purge_unattached

log = logging.getLogger(__name__)
INTERVAL_SECONDS: Final = 3600.0
PURGE_INTERVAL_SECONDS: Final = 24 * 3600.0


async def clean_up_once(app: web.Application) -> None:
    """One round: purge unattached uploads, forget old counters."""
    gateway = app[GATEWAY]
    purged = await gateway.db(purge_unattached)
    windows = await gateway.db(forget_old_windows)
    if purged or windows:
        log.info(
            "housekeeping: %d unattached upload(s), %d old counter(s) deleted", purged, windows
        )


async def purge_once(app: web.Application) -> PurgeResult:
    """The retention purge with the gateway's settings; counted in ``/metrics``."""
    settings, gateway = app[SETTINGS], app[GATEWAY]
    result = await asyncio.to_thread(
        retention.purge,
        gateway.factory,
        settings.tracker_url,
        days=settings.retention_days,
        actor="system:housekeeping",
    )
    metrics = app.get(METRICS)
    for what in ("messages", "attachments", "tracker_events"):
        if metrics is not None:
            metrics.purged.labels(what).inc(getattr(result, what))
    if result.total:
        log.info("retention purge (%d days): %s", result.days, result.as_json())
    return result


async def housekeeping(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx`` entry: the clean-up loop runs while the app does."""

    async def loop() -> None:
        purged_at = -PURGE_INTERVAL_SECONDS
        while True:
            try:
                await clean_up_once(app)
            except Exception:  # a failed round is retried next hour; the gateway serves on
                log.exception("housekeeping round failed")
            if time.monotonic() - purged_at >= PURGE_INTERVAL_SECONDS:
                try:
                    await purge_once(app)
                    purged_at = time.monotonic()
                except Exception:  # retried in an hour
                    log.exception("retention purge failed")
            await asyncio.sleep(INTERVAL_SECONDS)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
