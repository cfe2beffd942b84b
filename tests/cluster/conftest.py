"""The Rasa cluster the fault tests share: starting two Rasa servers costs most of a minute,
so one pair (on the session's PostgreSQL and Redis) serves every module of this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cluster.rasa_cluster import RasaCluster, start_rasa_cluster
from tests.cluster.services import PostgresServer, RedisServer
from tests.servers import missing_prerequisite


@pytest.fixture(scope="package")
def tracker_url(postgres_server: PostgresServer) -> str:
    """Rasa's tracker store database (its own ``events`` table)."""
    return postgres_server.create_database("rasa_cluster")


@pytest.fixture(scope="package")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, tracker_url: str, redis_server: RedisServer
) -> Iterator[RasaCluster]:
    """Two real Rasa servers (one worker each) and their action server; skips, saying why,
    when the trained models are missing."""
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("rasa-cluster")
    yield from start_rasa_cluster(folder, tracker_url, redis_server.url())
