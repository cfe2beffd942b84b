"""sqlite_settings: several processes opening one brand-new file at once all get WAL.

Both Rasa workers open the lock store's and the tracker store's files on their first turn;
after an install the files are new, and switching a new file to write-ahead logging used to
fail one of them with "database is locked" (the shopper's first message got no answer).
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from rasa_extensions import sqlite_settings
from tests.rasa_extensions.processes import join_or_kill

#: Processes opening the same new file together, and how many new files. Without the retry
#: about one trial in six failed on this machine, so twenty trials all but always catch it.
PROCESSES = 6
TRIALS = 20
WAIT_SECONDS = 120.0


def _open_and_write(path: Path, start: Barrier, results: Queue[str]) -> None:
    start.wait(WAIT_SECONDS)
    try:
        connection = sqlite3.connect(path, isolation_level=None)
        sqlite_settings.configure(connection)
        connection.execute("CREATE TABLE IF NOT EXISTS turns (number INTEGER)")
        connection.execute("INSERT INTO turns VALUES (1)")
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
        results.put(str(mode).lower())
    except sqlite3.Error as error:
        results.put(f"error: {error}")


def test_processes_opening_a_new_file_together_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for trial in range(TRIALS):
        path = tmp_path / f"new-{trial}.db"
        start = context.Barrier(PROCESSES)
        results: Queue[str] = context.Queue()
        workers = [
            context.Process(target=_open_and_write, args=(path, start, results))
            for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        try:
            outcomes = [results.get(timeout=WAIT_SECONDS) for _ in workers]
        finally:
            join_or_kill(workers, WAIT_SECONDS)

        assert outcomes == ["wal"] * PROCESSES, f"trial {trial}"
        rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM turns").fetchone()[0]
        assert rows == PROCESSES  # every process wrote: none gave up on a locked file
