"""The SQLite settings both of our Rasa-side stores (tracker and lock store) open with.

Why shared: the two Rasa workers write both files all the time. Write-ahead logging lets
readers and one writer proceed together and, with ``synchronous=NORMAL``, syncs once per
checkpoint instead of several times per commit (a crash keeps the file consistent; a power
cut may lose the last turns). The busy timeout makes a worker wait for the other's write
instead of failing the turn.
"""

from __future__ import annotations

import sqlite3
import time

#: Wait this long for the other worker's write before failing.
BUSY_TIMEOUT_MS = 10_000
#: Between two attempts to switch a fresh file to write-ahead logging.
JOURNAL_RETRY_SECONDS = 0.01


def configure(connection: sqlite3.Connection) -> None:
    """Apply the settings to a fresh connection (journal mode persists in the file)."""
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: the others may wait
    _use_write_ahead_log(connection)
    connection.execute("PRAGMA synchronous=NORMAL")


def _use_write_ahead_log(connection: sqlite3.Connection) -> None:
    """Switch the file to WAL, retrying while another process holds it.

    Why a loop: when several processes open a brand-new file at once (both Rasa workers'
    first turn after an install), switching the journal mode needs the file to itself, and
    SQLite answers "database is locked" at once instead of waiting the busy timeout. The
    turn that hit it used to fail and the shopper got no answer. Once the file is in WAL
    mode, which persists, the first read below returns and nothing is retried.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                return
            connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(JOURNAL_RETRY_SECONDS)
