"""Tables of the console: agents' roles and the canned replies.

They sit on the case store's ``Base`` (one Alembic history owns the whole schema); revision
0004 creates them. Roles are rows rather than a column of names so that "who are the
trainers" is one indexed query and a person can hold several roles.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base

#: ``agent`` chats with shoppers, ``trainer`` relabels, ``supervisor`` reads the reports,
#: ``admin`` manages people and canned replies. A person may hold several.
ROLES: Final = ("agent", "trainer", "supervisor", "admin")


class AgentRole(Base):
    """One role held by one agent."""

    __tablename__ = "agent_roles"
    __table_args__ = (CheckConstraint(column("role").in_(ROLES), name="role"),)

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class CannedReply(Base):
    """A reply an agent inserts with "/" in the reply box; edited in the console."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(80))
