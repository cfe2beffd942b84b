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
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        statement: Any = sqlite.insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "postgresql":
        statement = postgresql.insert(table).values(values).on_conflict_do_nothing()
    else:
        try:
            with session.begin_nested():
                session.execute(insert(table).values(values))
        except IntegrityError:
            return False
        return True
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount == 1
