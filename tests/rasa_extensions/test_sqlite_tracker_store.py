"""SQLiteTrackerStore: Rasa's SQL tracker store, read and written with plain sqlite3.

The class exists for speed (see its module docstring); these tests check that the settings
reach its connection, that the endpoint configuration builds it, that conversations
round-trip and survive a new store on the same file (a restart), and that it reads and
writes exactly what Rasa's own SQLTrackerStore does on the same file, sessions included.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from multiprocessing.queues import Queue
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions.sqlite_tracker_store import SQLiteTrackerStore
from tests.rasa_extensions.processes import join_or_kill
from tests.rasa_extensions.sample_sessions import (
    DOMAIN,
    event_dicts,
    first_session,
    sample_tracker,
    second_session,
)

STORE_TYPE = "rasa_extensions.sqlite_tracker_store.SQLiteTrackerStore"


def pragma(store: SQLiteTrackerStore, name: str) -> object:
    return store._connect().execute(f"PRAGMA {name}").fetchone()[0]


def test_connections_use_wal_and_normal_sync(tmp_path: Path) -> None:
    store = SQLiteTrackerStore(domain=DOMAIN, db=str(tmp_path / "tracker.db"))
    assert str(pragma(store, "journal_mode")).lower() == "wal"
    assert pragma(store, "synchronous") == 1  # NORMAL; Rasa's default connection says 2 (FULL)
    assert pragma(store, "busy_timeout") == 10_000


def test_endpoint_config_builds_this_store(tmp_path: Path) -> None:
    config = EndpointConfig(type=STORE_TYPE, db=str(tmp_path / "tracker.db"))
    store = TrackerStore.create(config, domain=DOMAIN)
    # Rasa wraps custom stores; the wrapped one is ours, on the configured file.
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, SQLiteTrackerStore)
    assert inner.engine.url.database == str(tmp_path / "tracker.db")


def test_conversation_round_trips_and_survives_a_new_store(tmp_path: Path) -> None:
    path = str(tmp_path / "tracker.db")
    tracker = DialogueStateTracker.from_events(
        "shopper-1",
        [
            ActionExecuted("action_listen"),
            UserUttered("你好，订单号 2024112212345678", {"name": "greet", "confidence": 1.0}),
            SlotSet("order_number", "2024112212345678"),
        ],
        slots=DOMAIN.slots,
    )
    asyncio.run(SQLiteTrackerStore(domain=DOMAIN, db=path).save(tracker))

    restarted = SQLiteTrackerStore(domain=DOMAIN, db=path)
    loaded = asyncio.run(restarted.retrieve("shopper-1"))
    assert loaded is not None
    assert loaded.get_slot("order_number") == "2024112212345678"
    assert loaded.latest_message is not None
    assert loaded.latest_message.text == "你好，订单号 2024112212345678"


def _rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events ORDER BY id"
        ).fetchall()


@pytest.mark.parametrize("writer", ["ours", "rasa"])
def test_reads_and_writes_exactly_what_rasas_sql_store_does(tmp_path: Path, writer: str) -> None:
    """Same rows written, same trackers read, across two sessions, whichever store wrote."""
    ours = SQLiteTrackerStore(domain=DOMAIN, db=str(tmp_path / "ours.db"))
    rasa = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    first, both = (
        sample_tracker(first_session()),
        sample_tracker(first_session() + second_session()),
    )
    for store in (ours, rasa):  # a turn, then a later turn that started a new session
        asyncio.run(store.save(first))
        asyncio.run(store.save(both))

    assert _rows(tmp_path / "ours.db") == _rows(tmp_path / "rasa.db")
    assert len(_rows(tmp_path / "ours.db")) == len(both.events)  # nothing written twice

    written = tmp_path / ("ours.db" if writer == "ours" else "rasa.db")
    readers = {
        "ours": SQLiteTrackerStore(domain=DOMAIN, db=str(written)),
        "rasa": SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(written)),
    }
    latest = {name: asyncio.run(r.retrieve("shopper-2")) for name, r in readers.items()}
    full = {name: asyncio.run(r.retrieve_full_tracker("shopper-2")) for name, r in readers.items()}
    assert event_dicts(latest["ours"]) == event_dicts(latest["rasa"])
    assert event_dicts(latest["ours"]) == [e.as_dict() for e in second_session()]
    assert event_dicts(full["ours"]) == event_dicts(full["rasa"]) == event_dicts(both)
    assert latest["ours"] is not None and latest["ours"].get_slot("order_number")
    assert list(asyncio.run(readers["ours"].keys())) == ["shopper-2"]


def test_unknown_conversation_is_none(tmp_path: Path) -> None:
    store = SQLiteTrackerStore(domain=DOMAIN, db=str(tmp_path / "tracker.db"))
    assert asyncio.run(store.retrieve("nobody")) is None


def _save_in_child(store: SQLiteTrackerStore, results: Queue[bool]) -> None:
    inherited = store._connection
    asyncio.run(store.save(sample_tracker(first_session() + second_session())))
    results.put(store._connection is not inherited)


def test_forked_worker_opens_its_own_connection(tmp_path: Path) -> None:
    """Sanic forks its workers after Rasa built the store: a connection must not cross."""
    store = SQLiteTrackerStore(domain=DOMAIN, db=str(tmp_path / "tracker.db"))
    asyncio.run(store.save(sample_tracker(first_session())))
    context = multiprocessing.get_context("fork")
    results: Queue[bool] = context.Queue()
    child = context.Process(target=_save_in_child, args=(store, results))
    child.start()
    try:
        own_connection = results.get(timeout=120)
    finally:
        join_or_kill([child], 120)

    assert child.exitcode == 0 and own_connection
    assert event_dicts(asyncio.run(store.retrieve_full_tracker("shopper-2"))) == event_dicts(
        sample_tracker(first_session() + second_session())
    )
