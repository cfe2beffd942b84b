"""``INSERT`` that quietly loses a uniqueness race instead of failing the transaction.

Idempotent operations (one case per dedupe key, one active queue entry per conversation)
are decided by unique constraints, because a check-then-insert is racy across processes.
``ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL) lets the loser carry on in the same
transaction and read the winner's row. Other backends fall back to a SAVEPOINT.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.models import Base


def insert_unless_duplicate(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert one row of ``model``; return False (changing nothing) if a unique key exists.

    Foreign-key and CHECK violations still raise: they are bugs, not races.
    """
    table = cast(Table, model.__table__)
    statement = _insert_ignoring_conflicts(session, table)
    if statement is None:
        return _insert_in_savepoint(session, table, values) is not None
    result = cast(CursorResult[Any], session.execute(statement.values(values)))
    return result.rowcount == 1


def insert_many_unless_duplicate(
    session: Session, model: type[Base], rows: list[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` of ``model`` in one statement, skipping those whose unique key exists;
    the ids of the rows inserted (a batch costs one round trip, not one per row)."""
    if not rows:
        return []
    table = cast(Table, model.__table__)
    statement = _insert_ignoring_conflicts(session, table)
    if statement is None:
        ids = (_insert_in_savepoint(session, table, values) for values in rows)
        return [row_id for row_id in ids if row_id is not None]
    returned = session.execute(statement.values(rows).returning(table.c.id))
    return [int(row_id) for row_id in returned.scalars()]


def _insert_in_savepoint(session: Session, table: Table, values: dict[str, Any]) -> int | None:
    """The new row's id, or None when a unique key refused it (other databases)."""
    try:
        with session.begin_nested():
            result = cast(CursorResult[Any], session.execute(insert(table).values(values)))
    except IntegrityError:
        return None
    key = result.inserted_primary_key
    return None if key is None else int(key[0])


def _insert_ignoring_conflicts(session: Session, table: Table) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's database, or None where the
    dialect has no such statement (the callers then use a SAVEPOINT per row)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return None
