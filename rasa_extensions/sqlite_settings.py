"""The SQLite settings both of our Rasa-side stores (tracker and lock store) open with.

Why shared: the two Rasa workers write both files all the time. Write-ahead logging lets
readers and one writer proceed together and, with ``synchronous=NORMAL``, syncs once per
checkpoint instead of several times per commit (a crash keeps the file consistent; a power
cut may lose the last turns). The busy timeout makes a worker wait for the other's write
instead of failing the turn.
"""

from __future__ import annotations

import sqlite3

#: Wait this long for the other worker's write before failing.
BUSY_TIMEOUT_MS = 10_000


def configure(connection: sqlite3.Connection) -> None:
    """Apply the settings to a fresh connection (journal mode persists in the file)."""
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: the others may wait
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
