"""The harvester: intent items from Rasa's tracker store, incrementally, never twice.

The tracker store is Rasa's (the outside world here): its ``events`` table is created with
the columns Rasa's SQLTrackerStore uses and filled with events shaped as Rasa writes them.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handoff.db import transaction
from handoff.review.harvest import CURSOR_NAME, harvest_all, tracker_engine
from handoff.review.models import HarvestCursor, ReviewItem

SCHEMA = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, sender_id VARCHAR(255) NOT NULL,"
    " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
    " action_name VARCHAR(255), data TEXT)"
)


class Tracker:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = 1_700_000_000.0
        with sqlite3.connect(path) as db:
            db.execute(SCHEMA)

    def _add(self, sender: str, type_name: str, data: dict[str, Any], **columns: Any) -> None:
        self.clock += 1
        data = {"event": type_name, "timestamp": self.clock, **data}
        with sqlite3.connect(self.path) as db:
            db.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name,"
                " data) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    sender,
                    type_name,
                    self.clock,
                    columns.get("intent"),
                    columns.get("action"),
                    json.dumps(data),
                ),
            )

    def user(self, sender: str, text: str, *ranking: tuple[str, float]) -> None:
        parse = {
            "text": text,
            "intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
            "entities": [],
        }
        self._add(sender, "user", {"text": text, "parse_data": parse}, intent=ranking[0][0])

    def action(self, sender: str, name: str) -> None:
        self._add(sender, "action", {"name": name}, action=name)


def items(factory: sessionmaker[Session]) -> dict[str, ReviewItem]:
    with transaction(factory) as session:
        return {i.text: i for i in session.scalars(select(ReviewItem))}


def test_each_reason_from_real_conversation_shapes(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    tracker = Tracker(tmp_path / "rasa_tracker.db")
    engine = tracker_engine(f"sqlite:///{tracker.path}")
    try:
        # confident: nothing
        tracker.user("c1", "我的电饭煲坏了", ("complain", 0.95), ("check_progress", 0.02))
        tracker.action("c1", "complaint_form")
        # fallback, answered by "您是想…吗？"; then the shopper clicks a suggestion
        tracker.user("c2", "那玩意咋整", ("nlu_fallback", 0.45), ("complain", 0.3), ("greet", 0.1))
        tracker.action("c2", "action_ask_intent")
        tracker.user("c2", "/complain", ("complain", 1.0))
        # ambiguous
        tracker.user("c3", "东西还没到呢", ("complain", 0.52), ("check_progress", 0.47))
        tracker.action("c3", "complaint_form")
        # rephrased right after
        tracker.user("c4", "快递怎么还不到", ("check_progress", 0.6), ("complain", 0.2))
        tracker.action("c4", "action_progress")
        tracker.user("c4", "快递怎么还没到啊", ("complain", 0.7), ("check_progress", 0.2))
        # asked for a human right after
        tracker.user("c5", "我要的那个呢", ("greet", 0.6), ("complain", 0.1))
        tracker.action("c5", "utter_greet")
        tracker.user("c5", "转人工", ("request_human", 0.99))
        read, captured = harvest_all(factory, engine)
        assert read == 8
        found = items(factory)
        assert "我的电饭煲坏了" not in found
        assert found["那玩意咋整"].reasons == ["fallback", "low_confidence", "rephrased"]
        assert found["那玩意咋整"].suggested == {"intent": "complain", "by": "shopper"}
        assert found["那玩意咋整"].predicted["intent"] == "complain"
        assert found["东西还没到呢"].reason == "ambiguous"
        assert found["快递怎么还不到"].reason == "rephrased"
        assert found["我要的那个呢"].reason == "asked_for_human"
        assert found["我要的那个呢"].conversation_id == "c5"
        assert "/complain" not in found and "转人工" not in found
        assert captured == 5

        # Incremental: a second run reads nothing; a new event is read once.
        assert harvest_all(factory, engine) == (0, 0)
        tracker.user("c6", "嗯嗯那个啥", ("greet", 0.3), ("thanks", 0.25))
        assert harvest_all(factory, engine) == (1, 1)
        with transaction(factory) as session:
            cursor = session.get(HarvestCursor, CURSOR_NAME)
            assert cursor is not None and cursor.position == 14  # the last event read
    finally:
        engine.dispose()


def test_no_tracker_table_yet_is_not_an_error(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    engine = tracker_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert harvest_all(factory, engine) == (0, 0)
    finally:
        engine.dispose()


def test_a_second_harvester_that_lost_the_race_captures_nothing_twice(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from handoff.review import harvest

    tracker = Tracker(tmp_path / "rasa_tracker.db")
    tracker.user("c1", "那玩意咋整", ("nlu_fallback", 0.45), ("complain", 0.3))
    engine = tracker_engine(f"sqlite:///{tracker.path}")
    try:
        with transaction(factory) as session:
            start = harvest._cursor(session)
        with engine.connect() as connection:
            rows = list(connection.execute(harvest._NEW_USER_EVENTS, {"after": 0, "limit": 10}))
            # the other instance moves the cursor first
            assert harvest_all(factory, engine) == (1, 1)
            try:
                harvest._harvest_rows(factory, connection, rows, start)
            except harvest._CursorMoved:
                pass
            else:
                raise AssertionError("a stale harvester must roll back")
        assert items(factory)["那玩意咋整"].count == 1
    finally:
        engine.dispose()
