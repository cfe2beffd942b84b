"""SQLiteTrackerStore: Rasa's SQL tracker store, with WAL and relaxed syncing on every connection.

The class exists for speed (see its module docstring); these tests check that the settings
really reach the connections Rasa uses, that the endpoint configuration builds it, and that
conversations still round-trip and survive a new store on the same file (a restart).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions.sqlite_tracker_store import SQLiteTrackerStore

STORE_TYPE = "rasa_extensions.sqlite_tracker_store.SQLiteTrackerStore"
DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet]
slots:
  order_number:
    type: text
    mappings: [{type: custom}]
"""
)


def pragma(store: SQLiteTrackerStore, name: str) -> object:
    with store.engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


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
