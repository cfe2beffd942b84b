"""A Rasa lock store in a SQLite file, so that several Rasa worker processes can serve at once.

Why: one Rasa process turns a message in ~10 ms of CPU on one core, so at 20 concurrent
conversations the turns queue behind each other while the second core idles. Rasa runs more
worker processes (``SANIC_WORKERS``) only with a lock store that all of them share; its own
are in-memory (one process) and Redis (an external server, which the embedded default must not
need). This one keeps the per-conversation ticket locks in a SQLite file next to the tracker
store, so messages of one conversation are still handled one after another, in order, whichever
worker receives them.

Every read-modify-write of a lock (issue a ticket, finish serving, clean up) runs in one
``BEGIN IMMEDIATE`` transaction, which SQLite serialises across processes — unlike Rasa's
base class, whose get-then-save sequence is only safe within one process. The connection
settings are those of ``sqlite_settings``. For Rasa servers on several machines use
``redis_lock_store`` (``bot/endpoints-cluster.yml``; Rasa's own RedisLockStore is not atomic).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import sqlite_settings

DEFAULT_PATH = "var/rasa_locks.db"
#: How often a message waiting for its conversation's lock looks again. Rasa's default is one
#: second, which a shopper typing two quick messages (or two tabs) would feel.
WAIT_BETWEEN_ATTEMPTS_SECONDS = 0.02

Result = TypeVar("Result")


class SQLiteLockStore(LockStore):
    """Conversation ticket locks in one SQLite table, shared by all local Rasa workers."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, path: str | None = None
    ) -> None:
        """``path`` or the endpoint's ``db`` (relative to the working directory)."""
        configured = endpoint_config.kwargs.get("db") if endpoint_config is not None else None
        self.path = Path(path or configured or DEFAULT_PATH)
        self._connection: sqlite3.Connection | None = None
        self._connection_pid = -1
        super().__init__()

    def _connect(self) -> sqlite3.Connection:
        """One connection per process: Sanic forks its workers after reading the endpoints."""
        if self._connection is None or self._connection_pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, isolation_level=None)
            sqlite_settings.configure(connection)
            connection.execute(
                "CREATE TABLE IF NOT EXISTS conversation_locks ("
                "conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)"
            )
            self._connection, self._connection_pid = connection, os.getpid()
        return self._connection

    def _read(self, connection: sqlite3.Connection, conversation_id: str) -> TicketLock | None:
        row = connection.execute(
            "SELECT lock FROM conversation_locks WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def _write(
        self, connection: sqlite3.Connection, conversation_id: str, lock: TicketLock | None
    ) -> None:
        if lock is None:
            connection.execute(
                "DELETE FROM conversation_locks WHERE conversation_id = ?", (conversation_id,)
            )
        else:
            connection.execute(
                "INSERT INTO conversation_locks (conversation_id, lock) VALUES (?, ?) "
                "ON CONFLICT (conversation_id) DO UPDATE SET lock = excluded.lock",
                (conversation_id, lock.dumps()),
            )

    def _atomically(
        self,
        conversation_id: str,
        change: Callable[[TicketLock | None], tuple[TicketLock | None, Result]],
    ) -> Result:
        """Read the lock, let ``change`` return (new lock or None to delete, result), write."""
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            new_lock, result = change(self._read(connection, conversation_id))
            self._write(connection, conversation_id, new_lock)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result

    # The three primitives of Rasa's LockStore interface.

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's lock, or None when nobody holds or waits for it."""
        return self._read(self._connect(), conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Store ``lock`` as it is."""
        self._write(self._connect(), lock.conversation_id, lock)

    def delete_lock(self, conversation_id: str) -> None:
        """Forget the conversation's lock."""
        self._write(self._connect(), conversation_id, None)

    # Read-modify-write operations, each one transaction (the base class reads, then saves).

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A ticket in the conversation's queue; creates the lock if there is none."""

        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._atomically(conversation_id, issue)
        except sqlite3.Error as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets (of a worker that died mid-turn)."""

        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._atomically(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove a served ticket."""

        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._atomically(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove a served ticket and delete the lock if nobody else waits."""

        def finish_and_tidy(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._atomically(conversation_id, finish_and_tidy)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_BETWEEN_ATTEMPTS_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock with a shorter default wait between attempts (see the constant)."""
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as held:
            yield held

    def __getstate__(self) -> dict[str, Any]:
        """Picklable for Sanic's worker start: the connection is reopened per process."""
        return {**self.__dict__, "_connection": None, "_connection_pid": -1}
