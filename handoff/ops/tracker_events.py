"""Rasa's tracker events, deleted by age or by conversation, on SQLite and PostgreSQL alike.

Rasa's SQL tracker store (and ours on SQLite, ``rasa_extensions.sqlite_tracker_store``) keeps
every event of every conversation as one row of the ``events`` table: ``sender_id`` (our
conversation id), ``timestamp`` (Unix seconds) and ``data`` (the event's JSON, the shopper's
words included). Both stores read a conversation back from these rows only, so deleting rows
is all it takes; a conversation whose rows are all gone starts afresh on its next message.

Only plain ``DELETE``/``SELECT count(*)`` on Rasa's own columns, so the same statements run on
either database. A store that has not created its table yet holds nothing to delete.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, bindparam, inspect, make_url, text

from handoff.db import make_engine

TABLE: Final = "events"
_OLDER = "FROM events WHERE timestamp < :cutoff"
_OF_SENDERS = "FROM events WHERE sender_id IN :senders"


def _engine(url: str) -> Engine | None:
    """An engine on the store; None without a store (an empty URL: the gateway's tests) or
    for a SQLite file Rasa has not created yet."""
    if not url:
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).exists():
            return None
    return make_engine(url)


def _run(engine: Engine, where: str, parameters: dict[str, Any], *, dry_run: bool) -> int:
    """Count (dry run) or delete the rows ``where`` selects; how many."""
    verb = "SELECT count(*) " if dry_run else "DELETE "
    statement = text(verb + where)
    if "senders" in parameters:
        statement = statement.bindparams(bindparam("senders", expanding=True))
    with engine.begin() as connection:
        if not inspect(connection).has_table(TABLE):
            return 0
        result = connection.execute(statement, parameters)
        if dry_run:
            return int(result.scalar() or 0)
        return int(result.rowcount or 0)


def delete_older_than(url: str, cutoff: datetime, *, dry_run: bool = False) -> int:
    """Events recorded before ``cutoff`` (aware datetime): deleted, or counted on a dry run."""
    engine = _engine(url)
    if engine is None:
        return 0
    try:
        return _run(engine, _OLDER, {"cutoff": cutoff.timestamp()}, dry_run=dry_run)
    finally:
        engine.dispose()


def delete_conversations(url: str, senders: Collection[str], *, dry_run: bool = False) -> int:
    """Every event of the conversations ``senders``: deleted, or counted on a dry run."""
    if not senders:
        return 0
    engine = _engine(url)
    if engine is None:
        return 0
    try:
        return _run(engine, _OF_SENDERS, {"senders": sorted(senders)}, dry_run=dry_run)
    finally:
        engine.dispose()
