"""Only a payload the assistant offered may reach Rasa as a payload.

Rasa reads any message that starts with ``/`` as an intent (``/EXTERNAL_handed_back``,
``/rate_service{"rating": 5}``), so a shopper who types one would get agent-only behaviour: the
hand-back message, the rating question. A message reaches Rasa as written only if one of the
assistant's recent buttons in this conversation had exactly that payload; anything else that
starts with a slash gets a full-width slash (``／``) instead, so the assistant reads it as the
text it is. The transcript keeps what the shopper typed.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.chat_models import Message
from handoff.messages import OFFERED_BUTTONS_LOOKBACK

INTENT_PREFIX: Final = "/"
DEFANGED_PREFIX: Final = "／"


def offered_payload(session: Session, conversation_id: str, payload: str) -> bool:
    """Whether one of the assistant's recent messages here offered a button with ``payload``."""
    offers = session.scalars(
        select(Message.payload)
        .where(Message.conversation_id == conversation_id, Message.sender == "bot")
        .order_by(Message.id.desc())
        .limit(OFFERED_BUTTONS_LOOKBACK)
    )
    for offer in offers:
        for button in (offer or {}).get("buttons") or []:
            if isinstance(button, dict) and button.get("payload") == payload:
                return True
    return False


def text_for_assistant(session: Session, conversation_id: str, text: str) -> str:
    """``text`` as Rasa may receive it (see the module docstring)."""
    stripped = text.lstrip()
    if not stripped.startswith(INTENT_PREFIX):
        return text
    if offered_payload(session, conversation_id, text):
        return text
    return DEFANGED_PREFIX + stripped[len(INTENT_PREFIX) :]
