"""The audit log's table: who read personal data, exported it, or deleted it, and when.

On the case store's ``Base`` (migration 0010). Append-only: :mod:`handoff.ops.audit` offers
no update or delete, and a trigger on SQLite and on PostgreSQL refuses both, so neither a bug
nor someone with the application's database login can rewrite what happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import CheckConstraint, Index, String, column
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base

#: ``read_case`` / ``read_transcript`` / ``read_review_item``: an agent opened one in the
#: console; ``export_review`` / ``export_csv``: the review inbox left the database;
#: ``erase``: one shopper's data deleted on request; ``purge``: the retention purge.
AUDIT_ACTIONS: Final = (
    "read_case",
    "read_transcript",
    "read_review_item",
    "export_review",
    "export_csv",
    "erase",
    "purge",
)


class AuditEntry(Base):
    """One audited act. ``actor`` is ``agent:<name>``, ``cli:<user>`` or ``system:<job>``;
    ``subject`` names what was touched (``case:<number>``, ``conversation:<id>``,
    ``shopper:<keyed hash>``); ``detail`` holds counts and parameters, never chat text."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(column("action").in_(AUDIT_ACTIONS), name="action"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]]
