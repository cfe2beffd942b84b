"""Rate-limit counters shared by every gateway instance.

Revision ID: 0006
Revises: 0007
Create Date: 2026-12-02

One row per key and fixed window: ``INSERT … ON CONFLICT DO UPDATE SET count = count + 1``
counts a hit atomically, on SQLite and PostgreSQL alike. Old windows are deleted by the
gateway's hourly clean-up (``handoff.rate_limits.forget_old_windows``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``rate_limit_counters``."""
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name="pk_rate_limit_counters"),
    )


def downgrade() -> None:
    """Drop ``rate_limit_counters``."""
    op.drop_table("rate_limit_counters")
