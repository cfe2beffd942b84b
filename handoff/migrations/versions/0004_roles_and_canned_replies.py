"""Console: agents' roles and canned replies.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Every agent that exists at this revision gets the ``agent`` role (they all chatted before);
the demo agent also gets the other roles, so a demo shows every page. The first canned
replies are written here, once: after that they belong to whoever edits them in the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

# Registers the console tables on ``Base.metadata`` for the schema comparison (autogenerate,
# the schema test); nothing below reads it.
import handoff.console_models  # noqa: F401
from handoff.sqltypes import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("agent", "trainer", "supervisor", "admin")
FIRST_CANNED_REPLIES = (
    ("问候", "您好，我是人工客服，已经看到您的问题，正在为您处理。"),
    ("致歉", "非常抱歉给您带来不便，我们一定认真处理。"),
    ("请发照片", "麻烦您拍一下商品问题的照片发给我，方便我们核实情况。"),
    ("核实订单", "我先为您核实一下订单情况，请稍等几分钟。"),
    ("查物流", "已为您联系快递核实物流情况，有结果第一时间告诉您。"),
    ("安全提醒", "请先停止使用这件商品，如有人受伤请及时就医，紧急情况请拨打 120。"),
    ("还有问题吗", "请问还有其他可以帮您的吗？"),
)


def upgrade() -> None:
    """Create ``agent_roles`` and ``canned_replies`` and fill them."""
    op.create_table(
        "agent_roles",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.CheckConstraint(sa.column("role").in_(ROLES), name=op.f("ck_agent_roles_role")),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_roles_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "role", name=op.f("pk_agent_roles")),
    )
    canned = op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    # Plain INSERT ... SELECT so that the offline (SQL script) mode renders it too.
    op.execute(sa.text("INSERT INTO agent_roles (agent_id, role) SELECT id, 'agent' FROM agents"))
    for role in ROLES[1:]:
        op.execute(
            sa.text(
                "INSERT INTO agent_roles (agent_id, role) "
                f"SELECT id, '{role}' FROM agents WHERE name = 'demo'"
            )
        )
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        canned,
        [
            {"title": title, "text": text, "position": index, "updated_at": now}
            for index, (title, text) in enumerate(FIRST_CANNED_REPLIES, start=1)
        ],
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("canned_replies")
    op.drop_table("agent_roles")
