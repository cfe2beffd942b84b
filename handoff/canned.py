"""Canned replies: short texts agents insert with "/" in the reply box, kept in the database.

Everyone with the ``agent`` role reads them; supervisors and admins edit them in the console.
The first set (revision 0004) promises nothing an agent cannot check: no refund is promised
before anyone has looked at the order.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.clock import utc_now
from handoff.console_models import CannedReply

MAX_TITLE_CHARS: Final = 40
MAX_TEXT_CHARS: Final = 500


class CannedReplyError(ValueError):
    """A canned reply that cannot be saved; the message is Chinese, for the console."""


def list_replies(session: Session) -> list[CannedReply]:
    """All canned replies in their display order."""
    return list(session.scalars(select(CannedReply).order_by(CannedReply.position, CannedReply.id)))


def _clean(title: str, text: str) -> tuple[str, str]:
    title, text = title.strip(), text.strip()
    if not title:
        raise CannedReplyError("请填写快捷回复的标题。")
    if not text:
        raise CannedReplyError("请填写快捷回复的内容。")
    if len(title) > MAX_TITLE_CHARS:
        raise CannedReplyError(f"标题最多 {MAX_TITLE_CHARS} 个字。")
    if len(text) > MAX_TEXT_CHARS:
        raise CannedReplyError(f"内容最多 {MAX_TEXT_CHARS} 个字。")
    return title, text


def add_reply(session: Session, title: str, text: str, *, actor: str) -> CannedReply:
    """A new canned reply at the end of the list."""
    title, text = _clean(title, text)
    last = session.scalar(select(func.max(CannedReply.position))) or 0
    reply = CannedReply(
        title=title, text=text, position=last + 1, updated_at=utc_now(), updated_by=actor
    )
    session.add(reply)
    session.flush()
    return reply


def update_reply(
    session: Session, reply_id: int, title: str, text: str, *, actor: str
) -> CannedReply:
    """Change a canned reply's title and text."""
    reply = session.get(CannedReply, reply_id)
    if reply is None:
        raise CannedReplyError("这条快捷回复已被删除。")
    reply.title, reply.text = _clean(title, text)
    reply.updated_at, reply.updated_by = utc_now(), actor
    return reply


def delete_reply(session: Session, reply_id: int) -> None:
    """Remove a canned reply (deleting one already gone is fine)."""
    reply = session.get(CannedReply, reply_id)
    if reply is not None:
        session.delete(reply)


def reply_dict(reply: CannedReply) -> dict[str, Any]:
    """What the console receives."""
    return {"id": reply.id, "title": reply.title, "text": reply.text}
