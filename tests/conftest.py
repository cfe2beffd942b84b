"""Fixtures shared by more than one test folder.

Imports stay inside the fixtures: ``.venv-rasa`` collects ``tests/rasa_extensions`` under
this file too, and has none of our triage code's dependencies pinned the way ``.venv`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.cluster.services import PostgresServer, RedisServer
    from triage_model.predictor import TriageModel

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def model() -> TriageModel:
    """The triage model ``make train`` built, as the gateway and the action server load it
    (``make test`` trains it first when stale)."""
    from triage_model.artefact import default_model_dir
    from triage_model.predictor import TriageModel

    folder = REPO / default_model_dir()
    if not (folder / "metadata.json").exists():
        pytest.fail(f"no trained triage model at {folder}: run `make train` (make test does)")
    return TriageModel.load(folder)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL for the session (tests/cluster/services.py); skips only where the
    Debian packages are missing. A test that stops it starts it again before it ends;
    ``postgres_server.create_database()`` gives a test its own empty database."""
    from tests.cluster import services

    reason = services.missing_binaries()
    if reason:
        pytest.skip(reason)
    with services.running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real Redis for the session (tests/cluster/services.py), password-protected; a test
    that stops it starts it again; ``redis_server.command("FLUSHALL")`` empties it."""
    from tests.cluster import services

    reason = services.missing_binaries()
    if reason:
        pytest.skip(reason)
    with services.running_redis() as server:
        yield server
