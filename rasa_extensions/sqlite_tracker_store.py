"""Rasa's SQL tracker store on SQLite, read and written with plain ``sqlite3``.

The embedded default (``bot/endpoints.yml``): one plain connection per process, Rasa's
``events`` table and semantics (``event_table_store``), failures that fail the turn instead
of forking it (``tracker_store_failures``). Every connection gets ``sqlite_settings``
(write-ahead log, ``synchronous=NORMAL``, a busy timeout). For PostgreSQL see
``postgres_tracker_store``.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from typing import Any

from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_extensions import sqlite_settings
from rasa_extensions.event_table_store import INSERT, EventTableStore, event_row

#: The start of the conversation's latest session; NULL when it never had one.
_LATEST_SESSION_START = "SELECT MAX(timestamp) FROM events WHERE sender_id = ? AND type_name = ?"
_ALL_EVENTS = "SELECT data FROM events WHERE sender_id = ? ORDER BY id"
_EVENTS_SINCE = "SELECT data FROM events WHERE sender_id = ? AND timestamp >= ? ORDER BY id"
_COUNT_ALL = "SELECT COUNT(*) FROM events WHERE sender_id = ?"
_COUNT_SINCE = "SELECT COUNT(*) FROM events WHERE sender_id = ? AND timestamp >= ?"


class SQLiteTrackerStore(EventTableStore):
    """Rasa's SQL store fixed to SQLite: Rasa's schema, plain ``sqlite3`` on the hot path."""

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
        self._refuse_fail_safe()

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

    def _sender_ids(self) -> list[str]:
        rows = self._connect().execute("SELECT DISTINCT sender_id FROM events").fetchall()
        return [sender_id for (sender_id,) in rows]

    def _read_events(self, sender_id: str, all_sessions: bool) -> list[dict[str, Any]]:
        connection = self._connect()
        if all_sessions:
            select, parameters = _ALL_EVENTS, (sender_id,)
        else:
            select, _, parameters = self._session_filter(connection, sender_id)
        return [json.loads(data) for (data,) in connection.execute(select, parameters)]

    def _append_new_events(self, tracker: DialogueStateTracker) -> None:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            _, count, parameters = self._session_filter(connection, tracker.sender_id)
            (stored,) = connection.execute(count, parameters).fetchone()
            new_events = itertools.islice(tracker.events, stored, None)
            rows = (event_row(tracker.sender_id, e) for e in new_events)
            connection.executemany(INSERT, rows)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
