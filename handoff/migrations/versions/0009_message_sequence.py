"""Per-conversation message numbers: ``chat_messages.seq`` and ``chat_sequences``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Existing messages are numbered in id order, conversation by conversation (that is the order
their widgets showed them), and each conversation's counter starts after its last number.
The columns are spelled out here (not read from the models) so that this revision keeps
creating the schema of its day.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NUMBER_EXISTING = """
UPDATE chat_messages SET seq = (
    SELECT COUNT(*) FROM chat_messages AS earlier
    WHERE earlier.conversation_id = chat_messages.conversation_id
      AND earlier.id <= chat_messages.id
)
"""
START_COUNTERS = """
INSERT INTO chat_sequences (conversation_id, last_seq)
SELECT conversation_id, MAX(seq) FROM chat_messages GROUP BY conversation_id
"""


def upgrade() -> None:
    """Add the column, number what is there, then make it required and unique."""
    op.create_table(
        "chat_sequences",
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_chat_sequences")),
    )
    op.add_column("chat_messages", sa.Column("seq", sa.Integer(), nullable=True))
    op.execute(sa.text(NUMBER_EXISTING))
    op.execute(sa.text(START_COUNTERS))
    with op.batch_alter_table("chat_messages") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
    op.create_index(
        "uq_chat_messages_conversation_seq",
        "chat_messages",
        ["conversation_id", "seq"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_chat_messages_conversation_seq", table_name="chat_messages")
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_column("seq")
    op.drop_table("chat_sequences")
