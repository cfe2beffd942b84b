"""The gateway's hourly clean-up: old rate-limit windows and unattached uploads.

Every instance runs it; both deletions are idempotent, so two instances doing it at once
only repeat each other's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Final

from aiohttp import web

from handoff.gateway.keys import GATEWAY
from handoff.rate_limits import forget_old_windows
from handoff.upload_retention import purge_unattached

log = logging.getLogger(__name__)
INTERVAL_SECONDS: Final = 3600.0


async def clean_up_once(app: web.Application) -> None:
    """One round: purge unattached uploads, forget old counters."""
    gateway = app[GATEWAY]
    purged = await gateway.db(purge_unattached)
    windows = await gateway.db(forget_old_windows)
    if purged or windows:
        log.info(
            "housekeeping: %d unattached upload(s), %d old counter(s) deleted", purged, windows
        )


async def housekeeping(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx`` entry: the clean-up loop runs while the app does."""

    async def loop() -> None:
        while True:
            try:
                await clean_up_once(app)
            except Exception:  # a failed round is retried next hour; the gateway serves on
                log.exception("housekeeping round failed")
            await asyncio.sleep(INTERVAL_SECONDS)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
