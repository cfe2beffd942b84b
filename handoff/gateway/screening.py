"""Screening every shopper message for urgency with the triage model.

The model is loaded once, off the event loop, when the app starts; prediction is fast (well
under a millisecond) but still runs in a worker thread so a slow first call (jieba's
dictionary) cannot stall every other connection.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from handoff.cases import TriageSummary

log = logging.getLogger(__name__)


class Screener(Protocol):
    """Urgency of one shopper message, or None when it cannot be judged."""

    async def screen(self, text: str) -> TriageSummary | None:
        """The triage of ``text``; None for text the model refuses (empty, emoji only...)."""


def summary_of(prediction: Any) -> TriageSummary:
    """A triage prediction as the case store's summary (scores clamped to 0..1)."""
    return TriageSummary(
        category=prediction.category,
        category_confidence=float(min(max(prediction.category_confidence, 0.0), 1.0)),
        urgency=prediction.urgency,
        urgency_score=float(min(max(prediction.urgency_score, 0.0), 1.0)),
        reasons=[f"{r.trigger}:{r.source}:{r.evidence}" for r in prediction.reasons],
    )


class ModelScreener:
    """:class:`Screener` backed by ``triage_model.load_model()``."""

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    async def load(cls, path: str | None = None) -> ModelScreener:
        """Load the artefact in a worker thread."""
        from triage_model import load_model

        return cls(await asyncio.to_thread(load_model, path))

    def _screen(self, text: str) -> TriageSummary | None:
        from triage_model import InvalidText

        try:
            return summary_of(self._model.predict(text))
        except InvalidText:
            return None

    async def screen(self, text: str) -> TriageSummary | None:
        return await asyncio.to_thread(self._screen, text)


class NoScreening:
    """Used when no triage model is available: nothing is escalated by the gateway."""

    async def screen(self, text: str) -> TriageSummary | None:
        return None
