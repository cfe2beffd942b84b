"""Screening with the live triage model, which a promotion swaps without a restart.

:class:`LiveScreener` is the gateway's :class:`~handoff.gateway.screening.Screener` when a
model is available: it screens with whatever :class:`LiveTriageModel` holds now, and
:func:`follow_live_model` (a background task of the app) refreshes that model from the live
pointer in the database every couple of seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from handoff.cases import TriageSummary
from handoff.gateway.screening import summary_of
from handoff.training.live_triage import LiveTriageModel

log = logging.getLogger(__name__)


class LiveScreener:
    """Screens with the live model; None (no escalation) while no model could be loaded."""

    def __init__(self, live: LiveTriageModel) -> None:
        self.live = live

    @property
    def urgency_threshold(self) -> float | None:
        """The loaded model's urgency threshold (what "borderline" is measured against)."""
        try:
            return float(self.live.model.urgency_threshold)
        except RuntimeError:
            return None

    @property
    def model_version(self) -> str | None:
        return self.live.version

    def _screen(self, text: str) -> TriageSummary | None:
        from triage_model import InvalidText

        try:
            model = self.live.model
        except RuntimeError:
            return None
        try:
            return summary_of(model.predict(text))
        except InvalidText:
            return None

    async def screen(self, text: str) -> TriageSummary | None:
        return await asyncio.to_thread(self._screen, text)


@contextlib.asynccontextmanager
async def follow_live_model(live: LiveTriageModel) -> AsyncIterator[None]:
    """Keep ``live`` on the live version while the block runs (a polling task)."""

    async def poll() -> None:
        while True:
            await asyncio.sleep(live.poll_seconds)
            try:
                await asyncio.to_thread(live.refresh)
            except Exception as error:  # a broken artefact must not stop the polling
                log.error("triage model refresh failed: %s", error)

    task = asyncio.create_task(poll())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
