"""The action server's shared resources, created lazily once per process.

Actions are instantiated at registration, so anything expensive here (migrating and seeding
the database, loading the triage model) would otherwise happen at import time or on every
call. A lock makes the first concurrent calls build one instance, not several.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from handoff.orders import OrderLookup
    from handoff.training.live_triage import LiveTriageModel
    from triage_model.predictor import TriageModel

log = logging.getLogger(__name__)


@dataclass
class _State:
    engine: Engine | None = None
    factory: sessionmaker[Session] | None = None
    live: LiveTriageModel | None = None
    orders: OrderLookup | None = None


_lock = threading.Lock()
_state = _State()


def session_factory() -> sessionmaker[Session]:
    """The session factory for ``$DATABASE_URL`` (default ``var/shop.db``), migrated and seeded."""
    if _state.factory is None:
        with _lock:
            if _state.factory is None:
                from handoff.db import make_session_factory, prepare_database

                engine = prepare_database()
                _state.engine = engine
                _state.factory = make_session_factory(engine)
                log.info("case store ready at %s", engine.url.render_as_string(hide_password=True))
    return _state.factory


def order_lookup() -> OrderLookup:
    """The order store the complaint form checks order numbers against."""
    if _state.orders is None:
        factory = session_factory()
        with _lock:
            if _state.orders is None:
                from handoff.orders import DatabaseOrderLookup

                _state.orders = DatabaseOrderLookup(factory)
    return _state.orders


@functools.lru_cache(maxsize=2)
def _load_triage(path: Path) -> TriageModel:
    """Load an artefact; the live one and the one before stay cached (``reset`` in tests
    and a rollback then cost no reload)."""
    from triage_model.predictor import TriageModel

    return TriageModel.load(path)


def triage_model() -> TriageModel:
    """The live triage model: the version promoted in the database, else
    ``$TRIAGE_MODEL_DIR`` or ``models/triage/latest``.

    Loaded once; afterwards each call at most every two seconds starts a background check of
    the live pointer, so a promotion reaches this process within seconds, without a restart,
    and no action waits for a reload.
    """
    if _state.live is None:
        factory = session_factory()
        with _lock:
            if _state.live is None:
                from handoff.training.live_triage import LiveTriageModel
                from handoff.training.registry import triage_root

                live = LiveTriageModel(factory, triage_root(), loader=_load_triage)
                live.refresh()
                _state.live = live
                log.info("triage model %s loaded", live.version)
    _state.live.refresh_soon()
    return _state.live.model


def reset() -> None:
    """Forget everything (tests point ``DATABASE_URL`` elsewhere between cases)."""
    with _lock:
        if _state.engine is not None:
            _state.engine.dispose()
        _state.engine = None
        _state.factory = None
        _state.orders = None
        # The live model follows the database's pointer, so it goes with the database.
        _state.live = None
