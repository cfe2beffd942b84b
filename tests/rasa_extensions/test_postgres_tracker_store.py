"""PostgresTrackerStore against a real PostgreSQL: Rasa's semantics, a small pool, and
failures that fail the turn (a restart is ridden out; a long outage is an error, never a fork).

The server is the session's ``postgres_server`` fixture (tests/cluster/services.py); each test
gets its own database.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from rasa.core.agent import Agent
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    InMemoryTrackerStore,
    SQLTrackerStore,
    TrackerStore,
)
from rasa.shared.core.events import UserUttered
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import tracker_store_failures
from rasa_extensions.postgres_tracker_store import PostgresTrackerStore, psycopg2_url
from rasa_extensions.tracker_store_failures import TrackerStoreUnavailable
from tests.cluster.services import PostgresServer
from tests.rasa_extensions.sample_sessions import (
    DOMAIN,
    event_dicts,
    first_session,
    sample_tracker,
    second_session,
)

STORE_TYPE = "rasa_extensions.postgres_tracker_store.PostgresTrackerStore"


@pytest.fixture
def database(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


def test_endpoint_config_builds_it_from_the_url(database: str) -> None:
    store = TrackerStore.create(EndpointConfig(url=database, type=STORE_TYPE), domain=DOMAIN)

    assert isinstance(store, PostgresTrackerStore)
    assert store.url.drivername == "postgresql+psycopg2"


def test_the_gateways_url_spelling_is_accepted() -> None:
    url = psycopg2_url("postgresql+psycopg://shop:pw@db:5432/shop")
    assert (url.drivername, url.host, url.database) == ("postgresql+psycopg2", "db", "shop")
    with pytest.raises(ValueError, match="postgresql"):
        psycopg2_url("sqlite:///var/rasa_tracker.db")


def test_reads_and_writes_what_rasas_sql_store_reads_and_writes(database: str) -> None:
    """Two sessions: Rasa's own SQLTrackerStore reads our rows, we read its rows, alike."""
    ours = PostgresTrackerStore(domain=DOMAIN, url=database)
    first = sample_tracker(first_session())
    both = sample_tracker(first_session() + second_session())
    asyncio.run(ours.save(first))
    asyncio.run(ours.save(both))

    rasa = SQLTrackerStore(domain=DOMAIN, host=psycopg2_url(database).render_as_string(False))
    for reader in (ours, rasa):
        assert event_dicts(asyncio.run(reader.retrieve("shopper-2"))) == [
            e.as_dict() for e in second_session()
        ]
        assert event_dicts(asyncio.run(reader.retrieve_full_tracker("shopper-2"))) == (
            event_dicts(both)
        )
    assert list(asyncio.run(ours.keys())) == ["shopper-2"]
    assert asyncio.run(ours.retrieve("nobody")) is None
    rasa.engine.dispose()


def test_each_process_keeps_a_small_pool(database: str, postgres_server: PostgresServer) -> None:
    """Rasa's store would open up to 150 connections per process; ours stays at 2 (+2)."""
    store = PostgresTrackerStore(domain=DOMAIN, url=database)
    before = postgres_server.connection_count()

    async def many_at_once() -> None:
        async def one(number: int) -> None:
            tracker = sample_tracker(first_session())
            tracker.sender_id = f"shopper-{number}"
            await store.save(tracker)
            await store.retrieve(tracker.sender_id)

        await asyncio.gather(*(one(n) for n in range(50)))

    asyncio.run(many_at_once())
    assert postgres_server.connection_count() - before <= 4
    assert store.engine.pool.size() == 2


def test_our_store_is_not_wrapped_in_rasas_fail_safe_store(database: str) -> None:
    ours = PostgresTrackerStore(domain=DOMAIN, url=database)
    assert Agent(tracker_store=ours).tracker_store is ours
    # Any other store keeps Rasa's behaviour.
    assert isinstance(Agent(tracker_store=InMemoryTrackerStore(DOMAIN)).tracker_store,
                      FailSafeTrackerStore)  # fmt: skip


def test_a_database_restart_is_ridden_out_without_duplicates(
    database: str, postgres_server: PostgresServer
) -> None:
    """Stopped with ``-m immediate`` during a save: the save waits, retries, lands once."""
    store = PostgresTrackerStore(domain=DOMAIN, url=database)
    tracker = sample_tracker(first_session())
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))  # nothing new: nothing written twice
    tracker.update(UserUttered("还在吗", {"name": "greet", "confidence": 1.0}))
    postgres_server.stop(mode="immediate")
    restart = threading.Timer(2.0, postgres_server.start)
    restart.start()
    try:
        asyncio.run(store.save(tracker))  # during the outage
    finally:
        restart.join()

    stored = asyncio.run(store.retrieve_full_tracker("shopper-2"))
    assert event_dicts(stored) == event_dicts(tracker)


def test_a_long_outage_fails_the_turn_loudly(
    database: str,
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No in-memory copy: the save raises, is logged as an error, and nothing is kept."""
    monkeypatch.setenv("TRACKER_STORE_RETRY_SECONDS", "1")
    failures: list[str] = []
    monkeypatch.setattr(tracker_store_failures, "count_failure", failures.append)
    store = PostgresTrackerStore(domain=DOMAIN, url=database)
    tracker = sample_tracker(first_session())
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("还在吗", {"name": "greet", "confidence": 1.0}))

    postgres_server.stop(mode="immediate")
    try:
        with caplog.at_level(logging.ERROR), pytest.raises(TrackerStoreUnavailable):
            asyncio.run(store.save(tracker))
        with pytest.raises(TrackerStoreUnavailable):
            asyncio.run(store.retrieve("shopper-2"))
    finally:
        postgres_server.start()

    assert failures == ["save", "retrieve"]
    assert any("save of shopper-2 failed" in r.getMessage() for r in caplog.records)
    stored = asyncio.run(store.retrieve("shopper-2"))
    assert event_dicts(stored) == event_dicts(sample_tracker(first_session()))


def test_a_missing_driver_is_an_error_not_rasas_silent_in_memory_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rasa turns an ImportError of a custom store into an InMemoryTrackerStore."""
    import sqlalchemy

    def no_driver(*args: object, **kwargs: object) -> None:
        raise ModuleNotFoundError("No module named 'psycopg2'")

    monkeypatch.setattr(sqlalchemy, "create_engine", no_driver)
    with pytest.raises(Exception, match="cannot start") as raised:
        TrackerStore.create(
            EndpointConfig(url="postgresql://u:p@127.0.0.1:1/x", type=STORE_TYPE), domain=DOMAIN
        )
    assert not isinstance(raised.value, ImportError)
