"""Rasa's SQL tracker store on SQLite, with the connection settings a busy server needs.

Why: Rasa opens SQLite with its defaults (rollback journal, ``synchronous=FULL``): every turn's
save waits for several fsyncs, inside the event loop, and two Rasa workers writing the same
file block each other. Profiling 20 concurrent conversations put a quarter of a turn in the
tracker store. This class applies ``sqlite_settings`` (write-ahead log, ``synchronous=NORMAL``,
a busy timeout) to every connection.

Everything else — schema, queries, sessions — is Rasa's own SQLTrackerStore. For PostgreSQL use
``type: SQL`` as usual; this class is only for the embedded default.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from rasa_extensions import sqlite_settings


def _configure_connection(connection: Any, _record: Any) -> None:
    sqlite_settings.configure(connection)


class SQLiteTrackerStore(SQLTrackerStore):
    """SQLTrackerStore fixed to SQLite, with ``sqlite_settings`` on every connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Same arguments as Rasa's SQL store (``db`` is the file); the dialect is sqlite."""
        kwargs["dialect"] = "sqlite"
        super().__init__(*args, **kwargs)
        sa.event.listen(self.engine, "connect", _configure_connection)
        # Connections opened while Rasa created the tables predate the listener.
        self.engine.dispose()
