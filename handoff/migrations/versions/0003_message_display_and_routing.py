"""Chat messages: the text people read for a quick reply, and when a message was routed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

``display_text`` holds the title of a quick-reply button (确认提交) while ``text`` keeps its
payload (/affirm), which is what the assistant receives. ``routed_at`` is when the gateway
finished routing a shopper message; a message stored just before a crash has none and is
relayed at the next start. Messages stored before this revision count as routed: an
upgrade is a deliberate restart, not a crash to recover from.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from handoff.sqltypes import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``display_text`` and ``routed_at`` to ``chat_messages``."""
    op.add_column("chat_messages", sa.Column("display_text", sa.Text(), nullable=True))
    op.add_column("chat_messages", sa.Column("routed_at", UTCDateTime(), nullable=True))
    op.execute(sa.text("UPDATE chat_messages SET routed_at = created_at WHERE sender = 'shopper'"))
    op.create_index("ix_chat_messages_created_at", "chat_messages", ["created_at"])


def downgrade() -> None:
    """Drop the two columns (SQLite 3.35 or newer drops a column in place)."""
    op.drop_index("ix_chat_messages_created_at", table_name="chat_messages")
    op.drop_column("chat_messages", "routed_at")
    op.drop_column("chat_messages", "display_text")
