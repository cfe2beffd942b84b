"""Case store: orders, cases, case events, handoff queue.

Revision ID: 0001
Revises:
Create Date: 2024-11-22

The value sets are copied here on purpose: this revision must keep creating the schema it
created on the day it was written, whatever ``handoff.vocabulary`` says later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from handoff.sqltypes import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER_STATUSES = ("待发货", "运输中", "已签收", "已完成", "退款中")
CATEGORIES = ("quality", "logistics", "after_sales", "other")
URGENCIES = ("urgent", "normal")
CASE_STATUSES = ("open", "in_progress", "pending_shopper", "resolved")
RESOLUTIONS = ("refund", "return", "exchange", "compensation", "explanation", "other")
PRIORITIES = ("urgent", "normal")
QUEUE_STATUSES = ("waiting", "claimed", "done")
QUEUE_ACTIVE_STATUSES = ("waiting", "claimed")


def _in(name: str, values: Sequence[str]) -> sa.ColumnElement[bool]:
    return sa.column(name).in_(values)


def upgrade() -> None:
    """Create the four tables of the case store."""
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(20), nullable=False),
        sa.Column("shopper_id", sa.String(64), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ordered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
        sa.CheckConstraint(_in("status", ORDER_STATUSES), name=op.f("ck_orders_status")),
        sa.CheckConstraint(sa.column("amount_fen") >= 0, name=op.f("ck_orders_amount_fen")),
    )
    op.create_index(op.f("ix_orders_shopper_id"), "orders", ["shopper_id"])

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("shopper_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(20), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("category_confidence", sa.Float(), nullable=False),
        sa.Column("urgency", sa.String(8), nullable=False),
        sa.Column("urgency_score", sa.Float(), nullable=False),
        sa.Column("triage_reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("first_response_due", UTCDateTime(), nullable=False),
        sa.Column("resolution_due", UTCDateTime(), nullable=False),
        sa.Column("first_response_at", UTCDateTime(), nullable=True),
        sa.Column("handed_to_human_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_number", name=op.f("uq_cases_case_number")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_cases_dedupe_key")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("fk_cases_order_id_orders")
        ),
        sa.CheckConstraint(_in("category", CATEGORIES), name=op.f("ck_cases_category")),
        sa.CheckConstraint(_in("urgency", URGENCIES), name=op.f("ck_cases_urgency")),
        sa.CheckConstraint(_in("status", CASE_STATUSES), name=op.f("ck_cases_status")),
        sa.CheckConstraint(_in("resolution", RESOLUTIONS), name=op.f("ck_cases_resolution")),
        sa.CheckConstraint(sa.column("rating").between(1, 5), name=op.f("ck_cases_rating")),
        sa.CheckConstraint(
            sa.column("category_confidence").between(0, 1),
            name=op.f("ck_cases_category_confidence"),
        ),
        sa.CheckConstraint(
            sa.column("urgency_score").between(0, 1), name=op.f("ck_cases_urgency_score")
        ),
    )
    op.create_index(op.f("ix_cases_conversation_id"), "cases", ["conversation_id"])
    op.create_index(op.f("ix_cases_shopper_id"), "cases", ["shopper_id"])
    op.create_index(op.f("ix_cases_order_id"), "cases", ["order_id"])
    op.create_index("ix_cases_status_due", "cases", ["status", "first_response_due"])

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_events_case_id_cases"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"])

    op.create_table(
        "handoff_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("shopper_id", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(80), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_queue")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_handoff_queue_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(_in("priority", PRIORITIES), name=op.f("ck_handoff_queue_priority")),
        sa.CheckConstraint(_in("status", QUEUE_STATUSES), name=op.f("ck_handoff_queue_status")),
    )
    op.create_index(op.f("ix_handoff_queue_case_id"), "handoff_queue", ["case_id"])
    op.create_index(
        "ix_handoff_queue_status_priority",
        "handoff_queue",
        ["status", "priority", "created_at"],
    )
    op.create_index(
        "uq_handoff_queue_active_conversation",
        "handoff_queue",
        ["conversation_id"],
        unique=True,
        sqlite_where=_in("status", QUEUE_ACTIVE_STATUSES),
        postgresql_where=_in("status", QUEUE_ACTIVE_STATUSES),
    )


def downgrade() -> None:
    """Drop the case store (all cases and demo orders are lost)."""
    op.drop_table("handoff_queue")
    op.drop_table("case_events")
    op.drop_table("cases")
    op.drop_table("orders")
