"""Where the supervisor's side meets the shopper's chat: 回访 questions and incident notices.

Two small calls from the gateway: :func:`on_shopper_open` when a signed shopper's widget
connects (a due follow-up is asked, once), and :func:`before_route` before each shopper
message is routed (a follow-up answer is recorded instead of going to the assistant; a
shopper affected by an open incident is told its approved message first, once).
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy.orm import Session

from handoff.chat_models import Message
from handoff.clock import utc_now
from handoff.followups.store import BUTTONS, QUESTION_ZH, answer, due_for_shopper, mark_asked
from handoff.gateway.hub import QUEUE_TOPIC
from handoff.gateway.identity import Identity
from handoff.gateway.service import Gateway
from handoff.incidents.service import notice_for
from handoff.messages import store_message

SOLVED: Final = "/followup_solved"
NOT_SOLVED: Final = "/followup_not_solved"
THANKS_ZH: Final = "感谢您的反馈，祝您购物愉快！"
REOPENED_ZH: Final = (
    "非常抱歉问题还没有解决。您的工单 {case_number} 已重新打开，客服会尽快联系您。"
    "您也可以直接在这里描述现在的情况。"
)


def _say(
    session: Session, identity: Identity, text: str, payload: dict[str, Any] | None = None
) -> None:
    store_message(
        session,
        conversation_id=identity.conversation_id,
        shopper_id=identity.shopper_id,
        sender="bot",
        text=text,
        payload=payload or {},
    )


async def on_shopper_open(gateway: Gateway, identity: Identity) -> None:
    """Ask a due follow-up when a signed shopper opens the chat (each follow-up once)."""
    if identity.anonymous:
        return

    def work(session: Session) -> bool:
        followup = due_for_shopper(session, identity.shopper_id, utc_now())
        if followup is None or not mark_asked(session, followup, utc_now()):
            return False
        question = QUESTION_ZH.format(case_number=followup.case.case_number)
        _say(session, identity, question, {"buttons": [dict(b) for b in BUTTONS]})
        return True

    if await gateway.db(work):
        gateway.hub.changed(identity.conversation_id)


async def before_route(gateway: Gateway, identity: Identity, message: Message) -> bool:
    """Run before routing; True when the message was handled here (a follow-up answer)."""
    if identity.anonymous:
        return False
    text = message.text.strip()
    if text in (SOLVED, NOT_SOLVED):

        def record(session: Session) -> bool:
            followup = due_for_shopper(session, identity.shopper_id, utc_now())
            if followup is None:
                return False
            case = answer(session, followup, solved=text == SOLVED, by="shopper", now=utc_now())
            number = case.case_number if case is not None else ""
            _say(
                session,
                identity,
                THANKS_ZH if text == SOLVED else REOPENED_ZH.format(case_number=number),
            )
            return True

        if await gateway.db(record):
            gateway.hub.changed(identity.conversation_id)
            gateway.hub.changed(QUEUE_TOPIC)
            return True
        return False

    def tell(session: Session) -> bool:
        notices = notice_for(
            session,
            conversation_id=identity.conversation_id,
            shopper_id=identity.shopper_id,
            now=utc_now(),
        )
        for notice in notices:
            _say(session, identity, notice)
        return bool(notices)

    if await gateway.db(tell):
        gateway.hub.changed(identity.conversation_id)
        gateway.hub.changed(QUEUE_TOPIC)
    return False
