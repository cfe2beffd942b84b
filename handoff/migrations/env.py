"""Alembic environment for the case store.

``handoff.migrate`` passes an open connection (holding the migration lock) in
``config.attributes["connection"]``; without one, the database comes from ``sqlalchemy.url``
or ``$DATABASE_URL``. Offline (``sql=True``) mode prints the SQL instead. SQLite runs in batch
mode so that later migrations can alter tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import handoff.chat_models  # registers the gateway tables on Base.metadata
import handoff.limit_models  # the rate-limit counters
import handoff.ops.audit_models  # the audit log
import handoff.review.models  # the review inbox's tables
import handoff.training.models  # noqa: F401 - the model registry's tables
from handoff import supervision_models  # noqa: F401 - deadlines, alerts, incidents, follow-ups
from handoff.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from handoff.db import make_engine

    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


def _run_offline() -> None:
    """Write the migration SQL instead of running it (for a DBA, or to check PostgreSQL DDL)."""
    from handoff.db import database_url

    context.configure(
        url=context.config.get_main_option("sqlalchemy.url") or database_url(),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
