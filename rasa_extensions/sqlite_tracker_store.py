"""Rasa's SQL tracker store on SQLite, read and written with plain ``sqlite3``.

Why: profiling 20 conversations always in flight put half of every Rasa turn's CPU time in
Rasa's SQLTrackerStore: building, caching and compiling SQLAlchemy ORM queries, opening an ORM
session and returning its pooled connection, twice per turn, to run three small statements.
This store runs the same statements on one plain connection per process and keeps
everything else Rasa's:

- the table is Rasa's ``events`` table, created by Rasa's own class (an existing
  ``var/rasa_tracker.db`` keeps working, and Rasa's tools still read the file);
- a tracker is the events since the latest ``session_started``, ordered by id, exactly as
  Rasa's ``_event_query`` selects them, and a save appends the events the table lacks;
- rows are written as Rasa writes them (``json.dumps`` of ``event.as_dict()``).

Every connection gets ``sqlite_settings`` (write-ahead log, ``synchronous=NORMAL``, a busy
timeout). For PostgreSQL use ``type: SQL`` as usual; this class is only for the embedded
default.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from collections.abc import Iterable
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from rasa_extensions import sqlite_settings

#: The start of the conversation's latest session; NULL when it never had one.
_LATEST_SESSION_START = "SELECT MAX(timestamp) FROM events WHERE sender_id = ? AND type_name = ?"
_ALL_EVENTS = "SELECT data FROM events WHERE sender_id = ? ORDER BY id"
_EVENTS_SINCE = "SELECT data FROM events WHERE sender_id = ? AND timestamp >= ? ORDER BY id"
_COUNT_ALL = "SELECT COUNT(*) FROM events WHERE sender_id = ?"
_COUNT_SINCE = "SELECT COUNT(*) FROM events WHERE sender_id = ? AND timestamp >= ?"
_INSERT = (
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


class SQLiteTrackerStore(SQLTrackerStore):
    """SQLTrackerStore fixed to SQLite: Rasa's schema, plain ``sqlite3`` on the hot path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Same arguments as Rasa's SQL store (``db`` is the file); the dialect is sqlite.

        Rasa's constructor creates the table (and its index) if missing; its engine is not
        used afterwards.
        """
        kwargs["dialect"] = "sqlite"
        super().__init__(*args, **kwargs)
        database = self.engine.url.database
        self.path = database if database else ":memory:"
        self.engine.dispose()
        self._connection: sqlite3.Connection | None = None
        self._connection_pid = -1

    def _connect(self) -> sqlite3.Connection:
        """One connection per process: Sanic forks its workers after Rasa builds the store."""
        if self._connection is None or self._connection_pid != os.getpid():
            connection = sqlite3.connect(self.path, isolation_level=None)
            sqlite_settings.configure(connection)
            self._connection, self._connection_pid = connection, os.getpid()
        return self._connection

    def _session_filter(
        self, connection: sqlite3.Connection, sender_id: str
    ) -> tuple[str, str, tuple[Any, ...]]:
        """The (select, count) statements and parameters for the latest session's events."""
        (start,) = connection.execute(
            _LATEST_SESSION_START, (sender_id, SessionStarted.type_name)
        ).fetchone()
        if start is None:
            return _ALL_EVENTS, _COUNT_ALL, (sender_id,)
        return _EVENTS_SINCE, _COUNT_SINCE, (sender_id, start)

    async def keys(self) -> Iterable[str]:
        """The conversation ids with at least one event."""
        rows = self._connect().execute("SELECT DISTINCT sender_id FROM events").fetchall()
        return [sender_id for (sender_id,) in rows]

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The conversation's tracker (latest session only, unless asked for all)."""
        connection = self._connect()
        if fetch_events_from_all_sessions:
            select, parameters = _ALL_EVENTS, (sender_id,)
        else:
            select, _, parameters = self._session_filter(connection, sender_id)
        events = [json.loads(data) for (data,) in connection.execute(select, parameters)]
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's events the table does not have yet, in one transaction."""
        await self.stream_events(tracker)
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            _, count, parameters = self._session_filter(connection, tracker.sender_id)
            (stored,) = connection.execute(count, parameters).fetchone()
            new_events = itertools.islice(tracker.events, stored, None)
            connection.executemany(_INSERT, (_row(tracker.sender_id, e) for e in new_events))
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


def _row(sender_id: str, event: Any) -> tuple[Any, ...]:
    """One ``events`` row, with the columns Rasa's SQLTrackerStore fills."""
    data = event.as_dict()
    intent = data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
    return (
        sender_id,
        event.type_name,
        data.get("timestamp"),
        intent,
        data.get("name"),
        json.dumps(data),
    )
