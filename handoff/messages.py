"""The chat transcript: every message of a conversation, in both directions.

The gateway stores a message before it acknowledges or forwards it, so the transcript is
complete after a crash. Message ids grow, which lets a reconnecting widget or a second
gateway instance ask for "everything after id N".
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.chat_models import MESSAGE_SENDERS, Attachment, Message
from handoff.clock import as_utc, utc_now
from handoff.conflicts import insert_unless_duplicate

MAX_TEXT_CHARS: Final = 2000
HISTORY_LIMIT: Final = 500


def store_message(
    session: Session,
    *,
    conversation_id: str,
    shopper_id: str,
    sender: str,
    text: str,
    payload: dict[str, Any] | None = None,
    agent: str | None = None,
    client_id: str | None = None,
    attachment_id: int | None = None,
    now: datetime | None = None,
) -> tuple[Message, bool]:
    """Store one message; the bool is False when ``client_id`` was already stored (a resend)."""
    if sender not in MESSAGE_SENDERS:
        raise ValueError(f"unknown sender {sender!r}; expected one of {MESSAGE_SENDERS}")
    values = {
        "conversation_id": conversation_id,
        "shopper_id": shopper_id,
        "sender": sender,
        "agent": agent,
        "text": text[:MAX_TEXT_CHARS],
        "payload": payload or {},
        "client_id": client_id,
        "attachment_id": attachment_id,
        "created_at": as_utc(now) if now is not None else utc_now(),
    }
    if client_id is None:
        message = Message(**values)
        session.add(message)
        session.flush()
        return message, True
    inserted = insert_unless_duplicate(session, Message, values)
    message = session.scalars(
        select(Message).where(
            Message.conversation_id == conversation_id, Message.client_id == client_id
        )
    ).one()
    return message, inserted


def messages_after(
    session: Session, conversation_id: str, after_id: int = 0, *, limit: int = HISTORY_LIMIT
) -> list[Message]:
    """The conversation's messages with an id above ``after_id``, oldest first.

    With ``after_id`` 0 this is the newest ``limit`` messages (a widget needs the recent past,
    not a year of chat).
    """
    statement = select(Message).where(Message.conversation_id == conversation_id)
    if after_id > 0:
        rows = session.scalars(
            statement.where(Message.id > after_id).order_by(Message.id).limit(limit)
        )
        return list(rows)
    newest = session.scalars(statement.order_by(Message.id.desc()).limit(limit))
    return list(reversed(list(newest)))


def store_attachment(
    session: Session, *, conversation_id: str, content_type: str, data: bytes
) -> Attachment:
    """Keep a photo's bytes; the caller has checked type and size."""
    attachment = Attachment(
        conversation_id=conversation_id,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        created_at=utc_now(),
    )
    session.add(attachment)
    session.flush()
    return attachment
