"""Rasa's tracker store on PostgreSQL, shared by several Rasa servers: small pool, plain SQL.

Why not ``type: SQL`` as it is: Rasa's SQLTrackerStore opens a pool of 50 connections plus
100 overflow *per process*, so two servers of two workers can ask for 600 connections from a
PostgreSQL that allows 100; it spends most of a turn's database time in its ORM (see
``event_table_store``); it waits forever, asleep on the event loop, for a database that is not
up; and Rasa wraps it in the fail-safe store that forks conversations when the database
restarts. This one:

- uses Rasa's ``events`` table (created by Rasa's model, once, under an advisory lock so two
  servers starting together do not race) and Rasa's semantics;
- reads a conversation in one statement and saves it in one transaction that takes a
  per-conversation advisory lock, counts the session's stored events and appends the rest,
  so two saves of one conversation can never interleave, whatever the lock store does;
- keeps ``pool_size`` connections per process (2, plus ``max_overflow`` 2), opened lazily;
- retries a restarting database for ``TRACKER_STORE_RETRY_SECONDS`` with ``await``-ed pauses
  and otherwise fails the turn loudly (``tracker_store_failures``).

The driver is psycopg2 (pinned by Rasa 3.6 in ``.venv-rasa``); any ``postgresql://``,
``postgresql+psycopg://`` (the gateway's spelling) or ``postgres://`` URL is used with it,
so the cluster can give Rasa the same ``DATABASE_URL`` as the gateway. Configured in
``bot/endpoints-cluster.yml``::

    tracker_store:
      type: rasa_extensions.postgres_tracker_store.PostgresTrackerStore
      url: ${RASA_TRACKER_URL}
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import time
from typing import Any, ClassVar, Final

import sqlalchemy
import sqlalchemy.exc
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from rasa_extensions.event_table_store import INSERT, EventTableStore, event_row

log = logging.getLogger(f"rasa.{__name__}")

DEFAULT_POOL_SIZE: Final = 2
DEFAULT_MAX_OVERFLOW: Final = 2
#: How long a Rasa server waits at start for PostgreSQL to accept connections.
STARTUP_WAIT_SECONDS: Final = 60.0
CONNECT_TIMEOUT_SECONDS: Final = 5
#: The first key of our two-key advisory locks (``pg_advisory_xact_lock(int, int)``), so that
#: they cannot collide with another application's locks on the same database.
ADVISORY_NAMESPACE: Final = 0x7261_7361  # "rasa"
CREATE_TABLES_KEY: Final = 0

_SESSION_START = (
    "WITH latest AS (SELECT MAX(timestamp) AS start FROM events "
    "WHERE sender_id = :sender_id AND type_name = :session_started) "
)
_IN_SESSION = (
    "WHERE e.sender_id = :sender_id AND (latest.start IS NULL OR e.timestamp >= latest.start)"
)
EVENTS_OF_SESSION: Final = (
    f"{_SESSION_START}SELECT e.data FROM events e, latest {_IN_SESSION} ORDER BY e.id"
)
COUNT_OF_SESSION: Final = f"{_SESSION_START}SELECT COUNT(*) FROM events e, latest {_IN_SESSION}"
ALL_EVENTS: Final = "SELECT data FROM events WHERE sender_id = :sender_id ORDER BY id"
SENDER_IDS: Final = "SELECT DISTINCT sender_id FROM events"
LOCK_CONVERSATION: Final = "SELECT pg_advisory_xact_lock(:namespace, hashtext(:sender_id))"


def psycopg2_url(url: str) -> Any:
    """``url`` as a SQLAlchemy URL for psycopg2, whichever PostgreSQL spelling it used."""
    from sqlalchemy.engine import make_url

    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"PostgresTrackerStore needs a postgresql:// URL, got {parsed!r}")
    return parsed.set(drivername="postgresql+psycopg2")


def _setting(value: int | str | None, variable: str, default: int) -> int:
    """An endpoint argument, else the environment variable, else the default."""
    raw = value if value not in (None, "") else os.environ.get(variable, "")
    return int(raw) if str(raw).strip() else default


class PostgresTrackerStore(EventTableStore):
    """Rasa's ``events`` table on PostgreSQL through a small SQLAlchemy Core pool."""

    transient_errors: ClassVar[tuple[type[BaseException], ...]] = (
        sqlalchemy.exc.OperationalError,  # refused, reset, "the database system is starting up"
        sqlalchemy.exc.InterfaceError,  # a connection the server closed
    )

    def __init__(
        self,
        domain: Any = None,
        host: str | None = None,
        url: str | None = None,
        pool_size: int | str | None = None,
        max_overflow: int | str | None = None,
        event_broker: Any = None,
        **kwargs: Any,
    ) -> None:
        """``url`` (or ``host``, Rasa's name for the endpoint's ``url:``) or
        ``$RASA_TRACKER_URL``; pool sizes from the arguments or ``RASA_TRACKER_POOL_SIZE``
        and ``RASA_TRACKER_MAX_OVERFLOW``.

        Import errors (a missing driver) are re-raised as RuntimeError: Rasa answers an
        ImportError from a custom store's constructor by silently using an in-memory store.
        """
        configured = url or host or os.environ.get("RASA_TRACKER_URL", "")
        if not configured:
            raise ValueError("PostgresTrackerStore needs a URL (url: or $RASA_TRACKER_URL)")
        self.url = psycopg2_url(configured)
        try:
            self.engine = sqlalchemy.create_engine(
                self.url,
                pool_size=_setting(pool_size, "RASA_TRACKER_POOL_SIZE", DEFAULT_POOL_SIZE),
                max_overflow=_setting(
                    max_overflow, "RASA_TRACKER_MAX_OVERFLOW", DEFAULT_MAX_OVERFLOW
                ),
                pool_recycle=1800,
                connect_args={
                    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                    "application_name": "rasa-tracker-store",
                },
            )
        except (ImportError, AttributeError) as error:
            raise RuntimeError(f"PostgresTrackerStore cannot start: {error!r}") from error
        self._engine_pid = os.getpid()
        self._create_tables()
        self.sessionmaker = sessionmaker(bind=self.engine)  # for Rasa's inherited helpers
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        self._refuse_fail_safe()

    def _create_tables(self) -> None:
        """Rasa's ``events`` table and index, once, waiting for PostgreSQL to come up."""
        deadline = time.monotonic() + STARTUP_WAIT_SECONDS
        while True:
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                        {"namespace": ADVISORY_NAMESPACE, "key": CREATE_TABLES_KEY},
                    )
                    SQLTrackerStore.Base.metadata.create_all(connection)
                return
            except self.transient_errors as error:
                if time.monotonic() > deadline:
                    raise
                log.warning("PostgreSQL not ready for the tracker store yet: %s", error)
                time.sleep(1.0)

    def _connection(self) -> Any:
        """A pooled connection in a transaction; after a fork, the child's own pool."""
        if self._engine_pid != os.getpid():
            self.engine.dispose(close=False)  # the parent's connections stay the parent's
            self._engine_pid = os.getpid()
        return self.engine.begin()

    def _sender_ids(self) -> list[str]:
        with self._connection() as connection:
            return [sender_id for (sender_id,) in connection.execute(text(SENDER_IDS))]

    def _read_events(self, sender_id: str, all_sessions: bool) -> list[dict[str, Any]]:
        statement = ALL_EVENTS if all_sessions else EVENTS_OF_SESSION
        parameters = {"sender_id": sender_id, "session_started": SessionStarted.type_name}
        with self._connection() as connection:
            rows = connection.execute(text(statement), parameters)
            return [json.loads(data) for (data,) in rows]

    def _append_new_events(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        with self._connection() as connection:
            connection.execute(
                text(LOCK_CONVERSATION),
                {"namespace": ADVISORY_NAMESPACE, "sender_id": sender_id},
            )
            stored = connection.execute(
                text(COUNT_OF_SESSION),
                {"sender_id": sender_id, "session_started": SessionStarted.type_name},
            ).scalar_one()
            new_events = itertools.islice(tracker.events, stored, None)
            rows = [event_row(sender_id, event) for event in new_events]
            if rows:
                connection.execute(text(INSERT), rows)
