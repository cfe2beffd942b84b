"""SQLAlchemy 2 models of the case store: orders, cases, case events and the handoff queue.

Closed value sets are plain strings guarded by CHECK constraints rather than database enums:
adding a value is then one migration that swaps a constraint on both SQLite and PostgreSQL.
Constraint names come from the metadata naming convention so that Alembic can find and alter
them later.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    column,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from handoff.sqltypes import UTCDateTime
from handoff.vocabulary import (
    CASE_STATUSES,
    CATEGORIES,
    ORDER_STATUSES,
    PRIORITIES,
    QUEUE_ACTIVE_STATUSES,
    QUEUE_STATUSES,
    RESOLUTIONS,
    URGENCIES,
)

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention and the UTC datetime type."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class Order(Base):
    """One order of the demo order system (or a snapshot of a real shop's order).

    Amounts are integer fen: exact, and the same on every backend (SQLite has no decimal type).
    """

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(column("status").in_(ORDER_STATUSES), name="status"),
        CheckConstraint(column("amount_fen") >= 0, name="amount_fen"),
    )

    order_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    shopper_id: Mapped[str] = mapped_column(String(64), index=True)
    product: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    ordered_at: Mapped[datetime]

    @property
    def amount_yuan(self) -> Decimal:
        """The amount in yuan with two decimals."""
        return (Decimal(self.amount_fen) / 100).quantize(Decimal("0.01"))


class Case(Base):
    """A shopper's complaint with its triage, SLA deadlines, resolution and rating."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(column("category").in_(CATEGORIES), name="category"),
        CheckConstraint(column("urgency").in_(URGENCIES), name="urgency"),
        CheckConstraint(column("status").in_(CASE_STATUSES), name="status"),
        CheckConstraint(column("resolution").in_(RESOLUTIONS), name="resolution"),
        CheckConstraint(column("rating").between(1, 5), name="rating"),
        CheckConstraint(column("category_confidence").between(0, 1), name="category_confidence"),
        CheckConstraint(column("urgency_score").between(0, 1), name="urgency_score"),
        Index("ix_cases_status_due", "status", "first_response_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(20), unique=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    shopper_id: Mapped[str] = mapped_column(String(64), index=True)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.order_id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    category_confidence: Mapped[float]
    urgency: Mapped[str] = mapped_column(String(8))
    urgency_score: Mapped[float]
    triage_reasons: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    first_response_due: Mapped[datetime]
    resolution_due: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    handed_to_human_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order | None] = relationship(viewonly=True)
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Case {self.case_number} {self.status} {self.category}/{self.urgency}>"


class CaseEvent(Base):
    """One line of a case's audit trail: who changed what, and when.

    ``actor`` is ``bot``, ``shopper``, ``system`` or ``agent:<name>``; ``detail`` holds the
    changed values (old and new where there is an old one).
    """

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]]

    case: Mapped[Case] = relationship(back_populates="events")


class HandoffEntry(Base):
    """A conversation waiting for (or being served by) a human agent.

    At most one entry per conversation is active (waiting or claimed); a partial unique index
    makes that hold even when two processes queue the same conversation at the same moment.
    """

    __tablename__ = "handoff_queue"
    __table_args__ = (
        CheckConstraint(column("priority").in_(PRIORITIES), name="priority"),
        CheckConstraint(column("status").in_(QUEUE_STATUSES), name="status"),
        Index(
            "uq_handoff_queue_active_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=column("status").in_(QUEUE_ACTIVE_STATUSES),
            postgresql_where=column("status").in_(QUEUE_ACTIVE_STATUSES),
        ),
        Index("ix_handoff_queue_status_priority", "status", "priority", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[str] = mapped_column(String(128))
    shopper_id: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]

    case: Mapped[Case | None] = relationship(lazy="selectin")
