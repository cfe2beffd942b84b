"""The chat transcript: every message of a conversation, in both directions.

The gateway stores a message before it acknowledges or forwards it, so the transcript is
complete after a crash. Each message also has a number in its conversation (``seq``, see
:mod:`handoff.message_sequence`), committed in order, which lets a reconnecting widget or
console ask for "everything after N" and a live view drop a copy it has already shown.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from handoff.chat_models import MESSAGE_SENDERS, Attachment, Message
from handoff.clock import as_utc, utc_now
from handoff.message_sequence import give_back, take_next

MAX_TEXT_CHARS: Final = 2000
HISTORY_LIMIT: Final = 500
#: How many of the assistant's latest messages a quick reply's title is looked up in.
OFFERED_BUTTONS_LOOKBACK: Final = 50


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
    display_text: str | None = None,
    now: datetime | None = None,
) -> tuple[Message, bool]:
    """Store one message; the bool is False when ``client_id`` was already stored (a resend).

    ``display_text`` is what people read instead of ``text`` (a quick reply's title); the
    caller has checked it (see :func:`offered_title`).
    """
    if sender not in MESSAGE_SENDERS:
        raise ValueError(f"unknown sender {sender!r}; expected one of {MESSAGE_SENDERS}")
    values = {
        "conversation_id": conversation_id,
        "shopper_id": shopper_id,
        "sender": sender,
        "agent": agent,
        "text": text[:MAX_TEXT_CHARS],
        "display_text": display_text[:MAX_TEXT_CHARS] if display_text else None,
        "payload": payload or {},
        "client_id": client_id,
        "attachment_id": attachment_id,
        "created_at": as_utc(now) if now is not None else utc_now(),
    }
    if client_id is None:
        message = Message(**values)  # numbered by handoff.message_sequence on flush
        session.add(message)
        session.flush()
        return message, True
    # The number first: it locks the conversation, so no other writer can store this
    # client_id between the look-up and the insert.
    connection = session.connection()
    seq = take_next(connection, conversation_id)
    stored = session.scalars(
        select(Message).where(
            Message.conversation_id == conversation_id, Message.client_id == client_id
        )
    ).one_or_none()
    if stored is not None:
        give_back(connection, conversation_id)
        return stored, False
    message = Message(**values, seq=seq)
    session.add(message)
    session.flush()
    return message, True


def messages_after_seq(
    session: Session, conversation_id: str, after_seq: int, *, limit: int = HISTORY_LIMIT
) -> list[Message]:
    """The conversation's messages numbered above ``after_seq``, in order (a resume)."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
            .order_by(Message.seq)
            .limit(limit)
        )
    )


def seq_of(session: Session, conversation_id: str, message_id: int) -> int:
    """The number of the conversation's last message with an id up to ``message_id``.

    What a widget of the previous release means by ``after`` (a message id): within one
    conversation ids and numbers grow together, because both are taken under the
    conversation's lock.
    """
    found = session.scalar(
        select(func.max(Message.seq)).where(
            Message.conversation_id == conversation_id, Message.id <= message_id
        )
    )
    return int(found or 0)


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


def offered_title(session: Session, conversation_id: str, payload: str, title: str) -> str | None:
    """``title`` if the assistant offered a button with this ``payload`` and this title.

    A shopper's quick reply arrives as the button's payload plus the title the widget
    showed. The title is only believed when one of the assistant's recent messages in this
    conversation offered exactly that button, so a client cannot make the agent read one
    thing while the assistant received another.
    """
    wanted = title.strip()
    if not wanted or not payload:
        return None
    offers = session.scalars(
        select(Message.payload)
        .where(Message.conversation_id == conversation_id, Message.sender == "bot")
        .order_by(Message.id.desc())
        .limit(OFFERED_BUTTONS_LOOKBACK)
    )
    for offer in offers:
        for button in (offer or {}).get("buttons") or []:
            if not isinstance(button, dict):
                continue
            if button.get("payload") == payload and str(button.get("title", "")).strip() == wanted:
                return wanted[:MAX_TEXT_CHARS]
    return None


def unrouted_messages(session: Session, *, since: datetime) -> list[Message]:
    """Shopper messages stored since ``since`` that were never routed, oldest first."""
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.created_at >= as_utc(since),
                Message.sender == "shopper",
                Message.routed_at.is_(None),
            )
            .order_by(Message.id)
        )
    )


def needs_routing(session: Session, message_id: int, *, since: datetime) -> bool:
    """Whether a shopper message is still unrouted and recent enough to answer now."""
    message = session.get(Message, message_id)
    return (
        message is not None
        and message.routed_at is None
        and as_utc(message.created_at) >= as_utc(since)
    )


def mark_routed(
    session: Session,
    message_id: int,
    *,
    only_if_unrouted: bool = False,
    now: datetime | None = None,
) -> bool:
    """Record that a shopper message has been routed; with ``only_if_unrouted``, claim it.

    The claim is one conditional ``UPDATE``, so of two processes claiming the same message
    exactly one gets True.
    """
    statement = update(Message).where(Message.id == message_id)
    if only_if_unrouted:
        statement = statement.where(Message.routed_at.is_(None))
    result = session.execute(
        statement.values(routed_at=as_utc(now) if now is not None else utc_now()),
        execution_options={"synchronize_session": False},
    )
    return cast(CursorResult[Any], result).rowcount == 1


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
