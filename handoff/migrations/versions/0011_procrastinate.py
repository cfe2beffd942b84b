"""procrastinate's tables on PostgreSQL: the background jobs run once per tick, cluster-wide.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

On PostgreSQL the deadline sweeper, the surge scan and the 回访 scheduling run as one
procrastinate periodic task (``handoff/deadlines/periodic.py``); its job queue lives in the
same database as the cases, so this revision applies procrastinate's schema (the version
pinned in pyproject.toml: a newer procrastinate needs a revision that runs its migrations).
SQLite has no procrastinate (the gateway's in-process loop runs the jobs): nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What procrastinate's schema creates, dropped in dependency order on downgrade.
_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
_TYPES = (
    "procrastinate_job_to_defer_v1",
    "procrastinate_job_event_type",
    "procrastinate_job_status",
)


def _driver_connection() -> object:
    """The psycopg connection under Alembic's: the schema is many statements, some with a
    literal ``%``, which only an execute without parameters takes as they are."""
    return op.get_bind().connection.driver_connection


def upgrade() -> None:
    """Create procrastinate's types, tables, functions and triggers (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    schema = SchemaManager.get_schema()
    if context.is_offline_mode():  # `alembic upgrade --sql`: the script, as it is
        op.get_context().impl.static_output(schema)
        return
    _driver_connection().execute(schema)  # type: ignore[attr-defined]


def downgrade() -> None:
    """Drop everything procrastinate's schema created (its functions go with CASCADE)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.execute(
        "DO $$ DECLARE f record; BEGIN FOR f IN SELECT oid::regprocedure AS name FROM pg_proc "
        "WHERE proname LIKE 'procrastinate\\_%' LOOP EXECUTE 'DROP FUNCTION ' || f.name "
        "|| ' CASCADE'; END LOOP; END $$"
    )
    for type_name in _TYPES:
        op.execute(f"DROP TYPE IF EXISTS {type_name} CASCADE")
