"""Photo uploads: a daily quota per conversation, and unattached uploads purged after a day.

A photo is uploaded first and attached to a message after; one never attached (the shopper
closed the tab, or a script uploads in a loop) is nobody's evidence and is deleted once it
is a day old. The quota keeps one conversation from filling the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from handoff.chat_models import Attachment, Message
from handoff.clock import as_utc, utc_now

UPLOADS_PER_CONVERSATION_PER_DAY: Final = 30
UNATTACHED_LIFETIME: Final = timedelta(days=1)
QUOTA_ZH: Final = (
    f"今天这个对话已经上传了 {UPLOADS_PER_CONVERSATION_PER_DAY} 张图片，达到上限，请明天再传，"
    "或者用文字描述问题。"
)


def uploads_today(session: Session, conversation_id: str, *, now: datetime | None = None) -> int:
    """Photos this conversation uploaded in the last 24 hours."""
    since = (as_utc(now) if now is not None else utc_now()) - timedelta(days=1)
    count = session.scalar(
        select(func.count(Attachment.id)).where(
            Attachment.conversation_id == conversation_id, Attachment.created_at >= since
        )
    )
    return int(count or 0)


def purge_unattached(session: Session, *, now: datetime | None = None) -> int:
    """Delete uploads older than a day that no message refers to; how many were deleted."""
    cutoff = (as_utc(now) if now is not None else utc_now()) - UNATTACHED_LIFETIME
    attached = select(Message.attachment_id).where(Message.attachment_id.is_not(None))
    result = session.execute(
        delete(Attachment)
        .where(Attachment.created_at < cutoff, Attachment.id.not_in(attached))
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)
