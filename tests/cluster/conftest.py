"""The Rasa cluster the fault tests share: starting two Rasa servers costs most of a minute,
so one pair (on the session's PostgreSQL and Redis) serves every module of this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff.db import make_session_factory, prepare_database
from tests.cluster.gateway_cluster import (
    GatewayProcess,
    Nginx,
    missing_nginx,
    running_gateways,
    running_nginx,
)
from tests.cluster.rasa_cluster import RasaCluster, start_rasa_cluster
from tests.cluster.services import PostgresServer, RedisServer
from tests.servers import free_port, missing_prerequisite


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


@pytest.fixture(scope="package")
def shop_database(postgres_server: PostgresServer) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """The gateways' database (cases, messages) on the package's PostgreSQL."""
    url = postgres_server.create_database(driver="psycopg")
    engine = prepare_database(url)
    try:
        yield url, make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="package")
def layout(
    tmp_path_factory: pytest.TempPathFactory,
    cluster: RasaCluster,
    tracker_url: str,
    shop_database: tuple[str, sessionmaker[Session]],
    redis_server: RedisServer,
) -> Iterator[tuple[Nginx, list[GatewayProcess]]]:
    """nginx, and two gateways whose RASA_URL is nginx's way to the two Rasa servers: the
    layout of ``make run-cluster``, shared by the gateway fault tests (test 2 restarts the
    gateways it kills, so the next test finds both running)."""
    reason = missing_nginx()
    if reason:
        pytest.skip(reason)
    redis_server.start()  # a test of another module may have left it stopped
    folder = tmp_path_factory.mktemp("gateways")
    rasa_port = free_port()
    rasa_ports = [int(s.rasa_url.rsplit(":", 1)[1]) for s in cluster.servers]
    urls = [f"http://127.0.0.1:{rasa_port}"] * 2
    secrets = cluster.servers[0].secrets
    database_url, _ = shop_database
    with (
        running_gateways(
            folder, secrets, database_url, redis_server.url(), urls, tracker_url
        ) as gateways,
        running_nginx([g.port for g in gateways], rasa_ports, rasa_port) as nginx,
    ):
        yield nginx, gateways
