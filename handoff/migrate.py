"""Running the packaged Alembic migrations from code, one process at a time.

Every process (gateway, action server, CLI) calls :func:`handoff.db.prepare_database` on
start, so two of them may migrate a fresh database at the same moment. Each takes a database
lock first and runs the whole upgrade (and the demo seeding after it) in that one transaction:
the loser waits, then finds the schema at head and nothing to do. SQLite takes the lock with
``BEGIN IMMEDIATE`` (DDL is transactional there, but pysqlite would otherwise run it in
autocommit), PostgreSQL with a transaction-scoped advisory lock.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select

#: A file path, not "handoff:migrations": importlib.resources on Python 3.10 cannot resolve
#: a package of an editable install.
SCRIPT_LOCATION: Final = str(Path(__file__).resolve().parent / "migrations")
#: Any constant 32-bit number shared by every process of this application.
_ADVISORY_LOCK_KEY: Final = zlib.crc32(b"handoff.migrate")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the migrations packaged inside ``handoff``."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def locked_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the migration lock; commits on success."""
    with engine.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif dialect == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_ADVISORY_LOCK_KEY)))
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Upgrade the schema on ``connection`` (inside the caller's transaction)."""
    command.upgrade(alembic_config(connection), revision)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
