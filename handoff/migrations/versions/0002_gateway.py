"""Gateway: chat messages, photo attachments, agents, agent sessions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

The columns are spelled out here (not read from the models) so that this revision keeps
creating the schema of its day.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The import registers the gateway tables on ``Base.metadata`` for whoever compares the
# models with the migrated schema (autogenerate, the schema test). It belongs in
# handoff/models.py or env.py; until then it lives here. Nothing below reads it.
from handoff.sqltypes import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE_SENDERS = ("shopper", "bot", "agent", "system")


def upgrade() -> None:
    """Create the four gateway tables."""
    op.create_table(
        "chat_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_attachments")),
    )
    op.create_index(
        op.f("ix_chat_attachments_conversation_id"), "chat_attachments", ["conversation_id"]
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("shopper_id", sa.String(64), nullable=False),
        sa.Column("sender", sa.String(8), nullable=False),
        sa.Column("agent", sa.String(80), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.CheckConstraint(
            sa.column("sender").in_(MESSAGE_SENDERS), name=op.f("ck_chat_messages_sender")
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["chat_attachments.id"],
            name=op.f("fk_chat_messages_attachment_id_chat_attachments"),
            ondelete="SET NULL",
        ),
    )
    op.create_index(
        "ix_chat_messages_conversation_id_id", "chat_messages", ["conversation_id", "id"]
    )
    op.create_index(
        "uq_chat_messages_conversation_client",
        "chat_messages",
        ["conversation_id", "client_id"],
        unique=True,
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("name", name=op.f("uq_agents_name")),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_agent_sessions")),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_sessions_agent_id_agents"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_agent_sessions_agent_id"), "agent_sessions", ["agent_id"])


def downgrade() -> None:
    """Drop the gateway tables."""
    op.drop_table("agent_sessions")
    op.drop_table("agents")
    op.drop_table("chat_messages")
    op.drop_table("chat_attachments")
