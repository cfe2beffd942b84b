"""Engines, sessions and transactions for the case store.

SQLite under ``var/`` by default so one machine runs everything; ``$DATABASE_URL`` points
every process at a shared PostgreSQL when one machine is not enough. Repository functions
take a ``Session`` and never commit: the caller decides the transaction, usually with
:func:`transaction`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event, make_url, select
from sqlalchemy.orm import Session, sessionmaker

from handoff import migrate
from handoff.models import Order
from handoff.orders import seed_demo_orders

DEFAULT_SQLITE_FILE: Final = Path("var") / "shop.db"
#: How long SQLite waits for another writer before giving up (milliseconds).
SQLITE_BUSY_TIMEOUT_MS: Final = 30_000


def database_url() -> str:
    """``$DATABASE_URL`` if set, else a SQLite file ``var/shop.db`` under the working directory.

    The ``var/`` folder is created here because SQLite will not create missing folders.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    path = Path.cwd() / DEFAULT_SQLITE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection SQLite settings: wait on locks, enforce foreign keys, WAL journal.

    WAL lets readers proceed while one process writes; the busy timeout makes a second
    writer wait instead of failing with "database is locked"; SQLite leaves foreign keys
    unenforced unless each connection asks.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`database_url`), with SQLite set up for concurrency.

    SQLite keeps pysqlite's default transaction handling (BEGIN before the first write):
    reads then always see the newest committed data and the first write waits on the busy
    timeout. The repository therefore avoids SAVEPOINTs, which that mode does not support,
    and resolves races with ``INSERT ... ON CONFLICT DO NOTHING`` instead.
    """
    parsed = make_url(url or database_url())
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit.

    ``expire_on_commit=False`` because callers read a case's number and deadlines after
    :func:`transaction` has committed and closed the session.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in a transaction: commit when the block succeeds, roll back when it raises."""
    with factory() as session, session.begin():
        yield session


def prepare_database(url: str | None = None, *, seed_demo: bool = True) -> Engine:
    """Migrate to the newest schema and, on a fresh install, seed the demo orders.

    Safe to call from every process at start-up, also concurrently: the upgrade and the
    seeding run in one transaction under the migration lock (see :mod:`handoff.migrate`).
    Returns the engine for the caller to keep.
    """
    engine = make_engine(url)
    with migrate.locked_transaction(engine) as connection:
        migrate.upgrade(connection)
        if seed_demo:
            with Session(bind=connection) as session:
                if session.scalar(select(Order.order_id).limit(1)) is None:
                    seed_demo_orders(session)
                    session.flush()
    return engine
