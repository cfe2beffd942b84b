"""A Rasa lock store in a SQLite file, so that several Rasa worker processes can serve at once.

Why: one Rasa process turns a message in ~10 ms of CPU on one core, so at 20 concurrent
conversations the turns queue behind each other while the second core idles. Rasa runs more
worker processes (``SANIC_WORKERS``) only with a lock store that all of them share; its own
are in-memory (one process) and Redis (an external server, which the embedded default must not
need). This one keeps the per-conversation ticket locks in a SQLite file next to the tracker
store, so messages of one conversation are still handled one after another, in order, whichever
worker receives them.

Every read-modify-write of a lock (issue a ticket, look at the queue, finish serving, clean
up) runs in one ``BEGIN IMMEDIATE`` transaction, which SQLite serialises across processes —
unlike Rasa's base class, whose get-then-save sequence is only safe within one process. The
connection settings are those of ``sqlite_settings``. For Rasa servers on several machines
use ``redis_lock_store`` (``bot/endpoints-cluster.yml``; Rasa's own RedisLockStore is not
atomic).

The turn budget (``turn_budget``, the same rule as the Redis store): creating the store
bounds Rasa's action calls by ``RASA_ACTION_TIMEOUT`` (90 s, not Rasa's 300 s); a served
ticket lives ``TICKET_LOCK_LIFETIME`` (150 s, not Rasa's 60 s) counted from the start of its
turn, not from the message's arrival (Rasa's: a message that waited 50 s behind another had
10 s left for its own turn); a waiting ticket is renewed each time it looks, so it never
expires while its message waits; and a turn still running at the end of the budget is
cancelled before its ticket can expire. So ``make run`` cannot run two turns of one
conversation at once either, however slow an action is.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import sqlite_settings, turn_budget

log = logging.getLogger(f"rasa.{__name__}")

DEFAULT_PATH = "var/rasa_locks.db"
#: How often a message waiting for its conversation's lock looks again. Rasa's default is one
#: second, which a shopper typing two quick messages (or two tabs) would feel.
WAIT_BETWEEN_ATTEMPTS_SECONDS = 0.02
#: What looking at the queue answers besides a waiting ticket's place in line.
SERVED: Final = 0
LOST: Final = -1

Result = TypeVar("Result")


class SQLiteLockStore(LockStore):
    """Conversation ticket locks in one SQLite table, shared by all local Rasa workers."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        path: str | None = None,
        lock_lifetime: float | None = None,
    ) -> None:
        """``path`` or the endpoint's ``db`` (relative to the working directory); the limits
        of ``turn_budget`` (``lock_lifetime`` or the endpoint's, else TICKET_LOCK_LIFETIME).

        Also makes Rasa's action calls of this process honour ``RASA_ACTION_TIMEOUT``: the
        lock's guarantee depends on it.
        """
        kwargs: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        self.path = Path(path or kwargs.get("db") or DEFAULT_PATH)
        configured_lifetime = lock_lifetime or kwargs.get("lock_lifetime")
        self.budget = turn_budget.TurnBudget.from_environment(
            float(configured_lifetime) if configured_lifetime else None
        )
        turn_budget.install(self.budget)
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

    def issue_ticket(
        self,
        conversation_id: str,
        lock_lifetime: float = turn_budget.WAITER_LIFETIME_SECONDS,
    ) -> int:
        """A ticket in the conversation's queue; creates the lock if there is none.

        ``lock_lifetime`` is the waiting ticket's: :meth:`poll` renews it while its message
        waits and gives it the whole lock lifetime once its turn starts.
        """

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

    def poll(self, conversation_id: str, ticket_number: int) -> int:
        """:data:`SERVED` (0), :data:`LOST` (-1) or the ticket's place in line (1, 2, …).

        One transaction: expired tickets go (a worker that died), then the ticket is either
        first in line (served: it now expires one lock lifetime from *now*, the start of
        its turn) or still waiting (renewed for another ``WAITER_LIFETIME_SECONDS``).
        """

        def look(lock: TicketLock | None) -> tuple[TicketLock | None, int]:
            if lock is None:
                return None, LOST
            lock.remove_expired_tickets()
            numbers = [ticket.number for ticket in lock.tickets]
            if ticket_number not in numbers:
                return (lock if lock.tickets else None), LOST
            place = numbers.index(ticket_number)
            lifetime = (
                self.budget.lock_lifetime if place == 0 else turn_budget.WAITER_LIFETIME_SECONDS
            )
            lock.tickets[place].expires = time.time() + lifetime
            return lock, SERVED if place == 0 else place

        try:
            return self._atomically(conversation_id, look)
        except sqlite3.Error as error:
            raise LockError(f"Error while waiting for the lock. Error:\n{error}") from error

    async def _wait_until_served(self, conversation_id: str, ticket_number: int) -> None:
        while True:
            place = self.poll(conversation_id, ticket_number)
            if place == SERVED:
                return
            if place == LOST:
                raise LockError(
                    f"the ticket of a message of {conversation_id} expired while it waited"
                )
            await asyncio.sleep(WAIT_BETWEEN_ATTEMPTS_SECONDS)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float | None = None,
        wait_time_in_seconds: float | None = None,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation for one turn, in arrival order, within the turn budget.

        Rasa's arguments are accepted and ignored: the lifetime is the configured one
        (``turn_budget``), and a waiting message looks again every
        :data:`WAIT_BETWEEN_ATTEMPTS_SECONDS` (Rasa's one second is felt by a shopper
        typing two quick messages).
        """
        ticket = self.issue_ticket(conversation_id)
        try:
            await self._wait_until_served(conversation_id, ticket)
            with turn_budget.turn_deadline(self.budget.turn_seconds, conversation_id):
                yield self.get_lock(conversation_id) or TicketLock(conversation_id)
        finally:
            try:
                self.cleanup(conversation_id, ticket)
            except sqlite3.Error:
                log.exception(
                    "could not release a ticket of %s; it expires in %.0f s at most",
                    conversation_id,
                    self.budget.lock_lifetime,
                )

    def __getstate__(self) -> dict[str, Any]:
        """Picklable for Sanic's worker start: the connection is reopened per process."""
        return {**self.__dict__, "_connection": None, "_connection_pid": -1}
