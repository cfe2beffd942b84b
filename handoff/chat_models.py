"""Tables of the gateway: chat messages, photo attachments, agents and their login sessions.

They sit beside the case store's models on the same ``Base`` so that one Alembic history owns
the whole schema. Messages are the conversation's source of truth: the gateway writes each one
before acknowledging it, so a restart or a second gateway instance loses and hides nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    column,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from handoff.message_sequence import number_new_message
from handoff.models import Base

#: Who wrote a message: the shopper, the assistant, an agent, or the gateway itself.
MESSAGE_SENDERS = ("shopper", "bot", "agent", "system")


class Message(Base):
    """One chat message of a conversation, either direction.

    ``client_id`` is the widget's own id for a shopper message: a resend after a dropped
    connection hits the unique index and is recognised as the same message, not stored twice.

    ``text`` is what was said to the assistant; ``display_text``, when set, is what people
    read instead: the title of the quick-reply button a shopper clicked (确认提交), whose
    ``text`` is the button's payload (/affirm). ``routed_at`` is when the gateway finished
    routing a shopper message (the assistant answered, or it went to the agents): one left
    empty by a crash is relayed when the gateway starts again.

    ``seq`` numbers the conversation's messages 1, 2, 3… in commit order (see
    :mod:`handoff.message_sequence`): a reconnecting widget or console asks for "everything
    after seq N" and a live view drops a copy it has already shown.
    """

    __tablename__ = "chat_messages"
    __table_args__ = (
        CheckConstraint(column("sender").in_(MESSAGE_SENDERS), name="sender"),
        Index("ix_chat_messages_conversation_id_id", "conversation_id", "id"),
        Index("uq_chat_messages_conversation_client", "conversation_id", "client_id", unique=True),
        Index("ix_chat_messages_created_at", "created_at"),
        Index("uq_chat_messages_conversation_seq", "conversation_id", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128))
    shopper_id: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str] = mapped_column(String(8))
    agent: Mapped[str | None] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    display_text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    client_id: Mapped[str | None] = mapped_column(String(64))
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_attachments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    routed_at: Mapped[datetime | None]
    seq: Mapped[int]


class ConversationSequence(Base):
    """The last message number given out in one conversation.

    Taking the next number updates this row, which holds the row's lock until the message's
    transaction commits: two writers of one conversation queue up here, so numbers are
    committed in the order they were given and a reader never sees 7 before 6.
    """

    __tablename__ = "chat_sequences"

    conversation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_seq: Mapped[int]


class Attachment(Base):
    """A photo a shopper sent as evidence; bytes in the database so every instance serves it."""

    __tablename__ = "chat_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class Agent(Base):
    """A human agent of the console; ``password_hash`` is a salted scrypt string."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]


class AgentSession(Base):
    """A console login; only the SHA-256 of the cookie token is stored."""

    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


# Every Message gets its conversation number in the inserting transaction (demo history and
# the gateway alike); see handoff.message_sequence.
event.listen(Message, "before_insert", number_new_message)
