"""A triage model that follows the live pointer in the database, reloading without a restart.

Every gateway and action-server process holds one :class:`LiveTriageModel`. ``refresh()``
reads the live version (one primary-key read) and, when it changed, loads the new artefact
and then swaps it in with one assignment: a message being screened meanwhile finishes on the
old model, the next one uses the new model, and nothing waits for the load. A version that
fails to load is logged and skipped; the previous model keeps answering.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy.orm import Session, sessionmaker

from handoff.db import transaction
from handoff.training.registry import live_version

if TYPE_CHECKING:
    from triage_model.predictor import TriageModel

log = logging.getLogger(__name__)

#: How often a process looks at the live pointer. Promotion reaches every process within
#: this plus the load time (a few seconds).
POLL_SECONDS: Final = 2.0

Loader = Callable[[Path], "TriageModel"]


def _load(path: Path) -> TriageModel:
    from triage_model.predictor import TriageModel

    return TriageModel.load(path)


class LiveTriageModel:
    """The live triage model of this process; see the module docstring."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        root: Path,
        *,
        loader: Loader = _load,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._factory = factory
        self._root = root
        self._loader = loader
        self.poll_seconds = poll_seconds
        self._model: TriageModel | None = None
        self._version: str | None = None
        self._failed: str | None = None
        self._lock = threading.Lock()
        self._checked_at = 0.0

    @property
    def model(self) -> TriageModel:
        """The current model (load with :meth:`refresh` first)."""
        if self._model is None:
            raise RuntimeError("no triage model loaded yet: call refresh() first")
        return self._model

    @property
    def version(self) -> str | None:
        return self._version

    def _wanted(self) -> str | None:
        with transaction(self._factory) as session:
            return live_version(session, "triage", self._root)

    def refresh(self) -> bool:
        """Load the live version if it is not the one loaded; True when the model changed.

        Blocking (it may load an artefact): call it from a worker thread. Concurrent calls
        load once; the others return False at once.
        """
        wanted = self._wanted()
        if wanted is None or wanted == self._version or wanted == self._failed:
            return False
        if not self._lock.acquire(blocking=False):
            return False
        try:
            started = time.perf_counter()
            try:
                model = self._loader(self._root / wanted)
            except Exception as error:
                self._failed = wanted
                log.error(
                    "triage model %s not loaded (%s); keeping %s", wanted, error, self._version
                )
                if self._model is None:
                    raise
                return False
            self._model, self._version, self._failed = model, wanted, None
            log.info(
                "triage model %s live in this process (loaded in %.1fs)",
                wanted,
                time.perf_counter() - started,
            )
            return True
        finally:
            self._lock.release()

    def refresh_soon(self) -> None:
        """Start a background refresh if the last check is older than ``poll_seconds``.

        For callers that cannot wait (the action server's actions): the current model keeps
        answering while a thread checks and loads.
        """
        now = time.monotonic()
        if now - self._checked_at < self.poll_seconds:
            return
        self._checked_at = now

        def run() -> None:
            try:
                self.refresh()
            except Exception:
                log.exception("could not refresh the triage model")

        threading.Thread(target=run, name="triage-refresh", daemon=True).start()
