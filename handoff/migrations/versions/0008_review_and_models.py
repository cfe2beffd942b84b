"""Trainer workbench: the review inbox, its audit trail, the model registry, retraining jobs.

Revision ID: 0008
Revises: 0006 (written on 0003; chained after main's head at the merges)
Create Date: 2026-12-02

The columns are spelled out here (not read from the models) so that this revision keeps
creating the schema of its day.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from handoff.sqltypes import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM_KINDS = ("intent", "triage")
ITEM_STATUSES = ("open", "labelled", "ignored")
ACTION_KINDS = ("confirm", "relabel", "ignore", "undo", "import")
MODEL_KINDS = ("triage", "rasa")
VERSION_STATUSES = ("candidate", "promoted", "discarded")
JOB_STATUSES = ("queued", "running", "succeeded", "failed")
PROMOTION_ACTIONS = ("promote", "rollback")


def _in(name: str, values: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return sa.column(name).in_(values)


def upgrade() -> None:
    """Create the seven tables."""
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("fold_key", sa.String(400), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=True),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("uncertainty", sa.Float(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("predicted", sa.JSON(), nullable=False),
        sa.Column("suggested", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("label", sa.JSON(), nullable=True),
        sa.Column("labelled_by", sa.String(80), nullable=True),
        sa.Column("labelled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.CheckConstraint(_in("kind", ITEM_KINDS), name=op.f("ck_review_items_kind")),
        sa.CheckConstraint(_in("status", ITEM_STATUSES), name=op.f("ck_review_items_status")),
        sa.CheckConstraint(sa.column("count") >= 1, name=op.f("ck_review_items_count")),
    )
    op.create_index(
        "uq_review_items_kind_fold_key", "review_items", ["kind", "fold_key"], unique=True
    )
    op.create_index("ix_review_items_status_kind", "review_items", ["status", "kind"])
    op.create_table(
        "review_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("batch", sa.String(32), nullable=True),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_actions")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["review_items.id"],
            name=op.f("fk_review_actions_item_id_review_items"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(_in("action", ACTION_KINDS), name=op.f("ck_review_actions_action")),
    )
    op.create_index(op.f("ix_review_actions_item_id"), "review_actions", ["item_id"])
    op.create_index(op.f("ix_review_actions_batch"), "review_actions", ["batch"])
    op.create_table(
        "review_cursors",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_review_cursors")),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("version", sa.String(120), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.CheckConstraint(_in("kind", MODEL_KINDS), name=op.f("ck_model_versions_kind")),
        sa.CheckConstraint(_in("status", VERSION_STATUSES), name=op.f("ck_model_versions_status")),
    )
    op.create_index(
        "uq_model_versions_kind_version", "model_versions", ["kind", "version"], unique=True
    )
    op.create_table(
        "model_live",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("version", sa.String(120), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_model_live")),
        sa.CheckConstraint(_in("kind", MODEL_KINDS), name=op.f("ck_model_live_kind")),
    )
    op.create_table(
        "model_promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("version", sa.String(120), nullable=False),
        sa.Column("previous_version", sa.String(120), nullable=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_promotions")),
        sa.CheckConstraint(_in("kind", MODEL_KINDS), name=op.f("ck_model_promotions_kind")),
        sa.CheckConstraint(
            _in("action", PROMOTION_ACTIONS), name=op.f("ck_model_promotions_action")
        ),
    )
    op.create_table(
        "training_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("candidate_version", sa.String(120), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_jobs")),
        sa.CheckConstraint(_in("status", JOB_STATUSES), name=op.f("ck_training_jobs_status")),
        sa.CheckConstraint(
            sa.column("progress").between(0, 1), name=op.f("ck_training_jobs_progress")
        ),
    )


def downgrade() -> None:
    """Drop the seven tables."""
    for table in (
        "training_jobs",
        "model_promotions",
        "model_live",
        "model_versions",
        "review_cursors",
        "review_actions",
        "review_items",
    ):
        op.drop_table(table)
