"""Supervision: deadlines, alerts, incidents, follow-ups (回访) and the demo history's runs.

Revision ID: 0007
Revises: 0004 (0003 in the brief; re-chained after merging the console's 0004)
Create Date: 2026-12-02

Deadlines are rows so that one sweeper (in every gateway instance) can claim the due ones in a
transaction and mark each warned or breached exactly once; alerts carry a unique dedupe key
for the same reason. Incidents group cases under one emergency with its approved message and
timeline; follow-ups are the checks after a resolution. The closed value sets are copied here
(not imported from the models) so that this revision keeps describing the schema of its day.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from handoff.sqltypes import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the supervisor tables."""
    op.create_table(
        "demo_history_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seeded_at", UTCDateTime(), nullable=False),
        sa.Column("anchor", UTCDateTime(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_history_runs")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=80), nullable=True),
        sa.CheckConstraint(
            "kind IN ('sla_warning', 'sla_breach', 'escalation', 'surge', 'followup_failed')",
            name=op.f("ck_alerts_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_alerts_case_id_cases"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_alerts_dedupe_key")),
    )
    op.create_index(op.f("ix_alerts_case_id"), "alerts", ["case_id"])
    op.create_index("ix_alerts_created_at", "alerts", ["created_at"])

    op.create_table(
        "case_deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("warn_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("met_at", UTCDateTime(), nullable=True),
        sa.Column("warned_at", UTCDateTime(), nullable=True),
        sa.Column("breached_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('first_response', 'next_response', 'resolution')",
            name=op.f("ck_case_deadlines_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_deadlines_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_deadlines")),
    )
    op.create_index(op.f("ix_case_deadlines_case_id"), "case_deadlines", ["case_id"])
    op.create_index("ix_case_deadlines_open_due", "case_deadlines", ["met_at", "due_at"])
    op.create_index("ix_case_deadlines_open_warn", "case_deadlines", ["met_at", "warn_at"])
    op.create_index(
        "uq_case_deadlines_case_kind_started",
        "case_deadlines",
        ["case_id", "kind", "started_at"],
        unique=True,
    )

    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("shopper_id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by", sa.String(length=80), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('scheduled', 'asked', 'solved', 'not_solved', 'called')",
            name=op.f("ck_followups_status"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_followups_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )
    op.create_index("ix_followups_shopper_status", "followups", ["shopper_id", "status"])
    op.create_index("ix_followups_status_due", "followups", ["status", "due_at"])
    op.create_index(
        "uq_followups_case_resolved", "followups", ["case_id", "resolved_at"], unique=True
    )

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_value", sa.String(length=200), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("team", sa.JSON(), nullable=False),
        sa.Column("declared_by", sa.String(length=80), nullable=False),
        sa.Column("declared_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("improvements", sa.JSON(), nullable=False),
        sa.CheckConstraint("scope IN ('product', 'category')", name=op.f("ck_incidents_scope")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_incidents_status")),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_incidents_alert_id_alerts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"])

    op.create_table(
        "incident_cases",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_incident_cases_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_cases_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "case_id", name=op.f("pk_incident_cases")),
    )
    op.create_index(op.f("ix_incident_cases_case_id"), "incident_cases", ["case_id"])

    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_events_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    op.create_index(op.f("ix_incident_events_incident_id"), "incident_events", ["incident_id"])

    op.create_table(
        "incident_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("told_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_notices_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_notices")),
    )
    op.create_index(
        "uq_incident_notices_incident_conversation",
        "incident_notices",
        ["incident_id", "conversation_id"],
        unique=True,
    )


def downgrade() -> None:
    """Drop them, newest dependants first."""
    op.drop_index("uq_incident_notices_incident_conversation", table_name="incident_notices")

    op.drop_table("incident_notices")
    op.drop_index(op.f("ix_incident_events_incident_id"), table_name="incident_events")

    op.drop_table("incident_events")
    op.drop_index(op.f("ix_incident_cases_case_id"), table_name="incident_cases")

    op.drop_table("incident_cases")
    op.drop_index("ix_incidents_status", table_name="incidents")

    op.drop_table("incidents")
    op.drop_index("uq_followups_case_resolved", table_name="followups")
    op.drop_index("ix_followups_status_due", table_name="followups")
    op.drop_index("ix_followups_shopper_status", table_name="followups")

    op.drop_table("followups")
    op.drop_index("uq_case_deadlines_case_kind_started", table_name="case_deadlines")
    op.drop_index("ix_case_deadlines_open_warn", table_name="case_deadlines")
    op.drop_index("ix_case_deadlines_open_due", table_name="case_deadlines")
    op.drop_index(op.f("ix_case_deadlines_case_id"), table_name="case_deadlines")

    op.drop_table("case_deadlines")
    op.drop_index("ix_alerts_created_at", table_name="alerts")
    op.drop_index(op.f("ix_alerts_case_id"), table_name="alerts")

    op.drop_table("alerts")
    op.drop_table("demo_history_runs")
