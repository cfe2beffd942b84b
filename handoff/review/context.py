"""The conversation around an inbox item, masked as the inbox is ("one click away")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.chat_models import Message
from handoff.review.folding import fold_key
from handoff.review.masking import mask_for_review
from handoff.review.models import ReviewItem
from handoff.serialize import iso

BEFORE: Final = 10
AFTER: Final = 6


def conversation_around(session: Session, item: ReviewItem) -> list[dict[str, Any]]:
    """Up to ten messages before the item's latest occurrence and six after, masked."""
    if not item.conversation_id:
        return []
    pivot = item.last_seen_at + timedelta(seconds=5)
    base = select(Message).where(Message.conversation_id == item.conversation_id)
    before = list(
        session.scalars(
            base.where(Message.created_at <= pivot).order_by(Message.id.desc()).limit(BEFORE)
        )
    )[::-1]
    last_id = before[-1].id if before else 0
    after = list(
        session.scalars(base.where(Message.id > last_id).order_by(Message.id).limit(AFTER))
    )
    return [
        {
            "id": m.id,
            "sender": m.sender,
            "text": mask_for_review(m.display_text or m.text),
            "at": iso(m.created_at),
            "this": m.sender == "shopper" and fold_key(mask_for_review(m.text)) == item.fold_key,
        }
        for m in [*before, *after]
    ]
