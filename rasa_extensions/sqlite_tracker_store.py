"""Rasa's SQL tracker store on SQLite, with the journal settings a busy server needs.

Why: Rasa opens SQLite with its defaults (rollback journal, ``synchronous=FULL``): every turn's
save waits for several fsyncs, inside the event loop, and two Rasa workers writing the same
file block each other. Profiling 20 concurrent conversations put a quarter of a turn in the
tracker store. Write-ahead logging lets readers and the writer proceed together and needs one
sync per checkpoint instead of several per commit; ``synchronous=NORMAL`` in WAL mode keeps the
database consistent after a crash (a power cut may lose the last turns, never corrupt it).

Everything else — schema, queries, sessions — is Rasa's own SQLTrackerStore. For PostgreSQL use
``type: SQL`` as usual; this class is only for the embedded default.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

#: Wait this long for another worker's write before failing a turn.
BUSY_TIMEOUT_MS = 10_000


def _configure_connection(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


class SQLiteTrackerStore(SQLTrackerStore):
    """SQLTrackerStore fixed to SQLite with WAL, ``synchronous=NORMAL`` and a busy timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Same arguments as Rasa's SQL store (``db`` is the file); the dialect is sqlite."""
        kwargs["dialect"] = "sqlite"
        super().__init__(*args, **kwargs)
        sa.event.listen(self.engine, "connect", _configure_connection)
        # Connections opened while Rasa created the tables predate the listener.
        self.engine.dispose()
