"""The gateway's harvesting task: new Rasa tracker events into the inbox every few seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.orm import Session, sessionmaker

from handoff.review.harvest import harvest_all, tracker_engine

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def harvesting(
    factory: sessionmaker[Session], tracker_url: str, every_seconds: float
) -> AsyncIterator[None]:
    """Harvest while the block runs; nothing when ``tracker_url`` is empty or the period 0."""
    if not tracker_url or every_seconds <= 0:
        yield
        return
    engine = tracker_engine(tracker_url)

    async def loop() -> None:
        while True:
            try:
                read, captured = await asyncio.to_thread(harvest_all, factory, engine)
                if captured:
                    log.info("review inbox: %d item(s) from %d new message(s)", captured, read)
            except Exception as error:  # the tracker may be locked or not created yet
                log.warning("review harvest skipped: %s", error)
            await asyncio.sleep(every_seconds)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        engine.dispose()
