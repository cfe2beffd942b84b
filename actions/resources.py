"""The action server's shared resources, created lazily once per process.

Actions are instantiated at registration, so anything expensive here (migrating and seeding
the database, loading the triage model) would otherwise happen at import time or on every
call. A lock makes the first concurrent calls build one instance, not several.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from handoff.orders import OrderLookup
    from triage_model.predictor import TriageModel

log = logging.getLogger(__name__)


@dataclass
class _State:
    engine: Engine | None = None
    factory: sessionmaker[Session] | None = None
    model: TriageModel | None = None
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


def triage_model() -> TriageModel:
    """The triage model (``$TRIAGE_MODEL_DIR`` or ``models/triage/latest``), loaded once."""
    if _state.model is None:
        with _lock:
            if _state.model is None:
                from triage_model import load_model

                _state.model = load_model()
                log.info("triage model loaded")
    return _state.model


def reset() -> None:
    """Forget everything (tests point ``DATABASE_URL`` elsewhere between cases)."""
    with _lock:
        if _state.engine is not None:
            _state.engine.dispose()
        _state.engine = None
        _state.factory = None
        _state.orders = None
        # The model does not depend on the database; keeping it saves a reload per test.
