"""One shopper's data in every table erasure and retention touch, written by our own code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handoff.case_work import add_note
from handoff.cases import TriageSummary, open_case, record_rating, resolve_case
from handoff.gateway.identity import Identity
from handoff.messages import store_attachment, store_message
from handoff.orders import list_orders
from handoff.queue import queue_for_human
from handoff.rate_limits import MESSAGES_PER_SHOPPER, hit
from handoff.review.capture import record_item

PHONE = "13812345678"
ADDRESS = "朝阳区建国路88号3栋2单元401室"
TRIAGE = TriageSummary(
    category="quality", category_confidence=0.9, urgency="normal", urgency_score=0.1, reasons=[]
)


@dataclass(frozen=True)
class Seeded:
    shopper_id: str
    conversation_id: str
    case_number: str
    order_id: str


def seed_shopper(session: Session, shopper_id: str, *, at: datetime) -> Seeded:
    """Messages (one with a photo), a resolved and rated case with a note, a queue entry, an
    inbox item and a rate-limit counter, all at ``at``."""
    conversation = Identity(shopper_id=shopper_id, anonymous=False).conversation_id
    photo = store_attachment(
        session, conversation_id=conversation, content_type="image/png", data=b"\x89PNG photo"
    )
    photo.created_at = at
    for sender, text, attachment in (
        ("shopper", f"电饭煲坏了，打我电话 {PHONE}，地址 {ADDRESS}", None),
        ("bot", "请问订单号是多少？", None),
        ("shopper", "", photo.id),
    ):
        store_message(
            session,
            conversation_id=conversation,
            shopper_id=shopper_id,
            sender=sender,
            text=text,
            attachment_id=attachment,
            now=at,
        )
    order = list_orders(session, shopper_id)[0]
    case, _ = open_case(
        session,
        conversation_id=conversation,
        shopper_id=shopper_id,
        order_id=order.order_id,
        description=f"电饭煲不加热，电话 {PHONE}",
        triage=TRIAGE,
        dedupe_key=f"{conversation}:{order.order_id}:seed",
        now=at,
    )
    add_note(session, case, f"顾客说住在 {ADDRESS}", actor="agent:alice", now=at)
    resolve_case(session, case, actor="agent:alice", resolution="refund", note="已退款", now=at)
    record_rating(
        session,
        conversation_id=conversation,
        shopper_id=shopper_id,
        rating=2,
        comment=f"打 {PHONE} 没人接",
        now=at,
    )
    queue_for_human(
        session,
        case,
        conversation_id=conversation,
        shopper_id=shopper_id,
        reason="shopper_request",
        priority="normal",
        now=at,
    )
    record_item(
        session,
        kind="intent",
        # Words of its own: repeats of one text (digits aside) fold into a single item.
        text=f"电饭煲坏了，{ {'1': '一', '2': '二', '3': '三'}.get(shopper_id[-1], '零') }号顾客",
        reasons=["low_confidence"],
        predicted={"intent": "complain", "confidence": 0.3},
        uncertainty=0.7,
        conversation_id=conversation,
        now=at,
    )
    hit(session, MESSAGES_PER_SHOPPER, shopper_id, now=at.timestamp())
    session.flush()
    return Seeded(shopper_id, conversation, case.case_number, order.order_id)
