"""A migrated temporary database per test for the review inbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff.db import make_session_factory, prepare_database, transaction


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = prepare_database(f"sqlite:///{tmp_path / 'shop.db'}", seed_demo=True)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with transaction(factory) as session:
        yield session
