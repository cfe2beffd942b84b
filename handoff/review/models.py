"""Tables of the review inbox: items, the audit trail of trainers' actions, harvest cursors.

An item is one normalised text of one kind (``intent`` or ``triage``): repeats of the same
message fold into it and raise ``count``. The inbox never stores a readable phone number or
address: ``text`` is masked when the item is captured (see :mod:`handoff.review.masking`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base

ITEM_KINDS: Final = ("intent", "triage")
ITEM_STATUSES: Final = ("open", "labelled", "ignored")
ACTION_KINDS: Final = ("confirm", "relabel", "ignore", "undo", "import")
#: Why an item entered the inbox; the first that applies is its headline ``reason``.
REASONS: Final = (
    "agent_correction",
    "fallback",
    "low_confidence",
    "ambiguous",
    "rephrased",
    "asked_for_human",
    "low_category_confidence",
    "urgency_borderline",
)


class ReviewItem(Base):
    """One message (folded by normalised text) waiting for, or holding, a trainer's label.

    ``predicted`` is what the model said (intent and confidence, or category, urgency and
    their scores); ``suggested`` a label someone already gave (an agent's correction), which a
    trainer confirms with one click; ``label`` the trainer's decision once ``labelled``.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        CheckConstraint(column("kind").in_(ITEM_KINDS), name="kind"),
        CheckConstraint(column("status").in_(ITEM_STATUSES), name="status"),
        CheckConstraint(column("count") >= 1, name="count"),
        Index("uq_review_items_kind_fold_key", "kind", "fold_key", unique=True),
        Index("ix_review_items_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    fold_key: Mapped[str] = mapped_column(String(400))
    text: Mapped[str] = mapped_column(Text)
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[str]]
    count: Mapped[int]
    uncertainty: Mapped[float]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    predicted: Mapped[dict[str, Any]]
    suggested: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(10))
    label: Mapped[dict[str, Any] | None]
    labelled_by: Mapped[str | None] = mapped_column(String(80))
    labelled_at: Mapped[datetime | None]


class ReviewAction(Base):
    """One trainer action on one item, with the item's state before and after it.

    Actions done together on a selection share a ``batch``; ``undone_at`` marks an action an
    undo reverted (the undo is an action of its own).
    """

    __tablename__ = "review_actions"
    __table_args__ = (CheckConstraint(column("action").in_(ACTION_KINDS), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("review_items.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(12))
    batch: Mapped[str | None] = mapped_column(String(32), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime]
    before: Mapped[dict[str, Any]]
    after: Mapped[dict[str, Any]]
    undone_at: Mapped[datetime | None]


class HarvestCursor(Base):
    """How far a harvester has read a source (the last event id of Rasa's tracker store)."""

    __tablename__ = "review_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int]
    updated_at: Mapped[datetime]
