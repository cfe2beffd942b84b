"""Erasing one shopper's data on request (个人信息保护法 art. 47), everywhere we keep it.

Deleted: the shopper's conversations' messages and photos, Rasa's tracker events of those
conversations, their items in the trainers' inbox, incident notices, rate-limit counters
keyed by the shopper, and any Redis key naming the shopper or a conversation (``REDIS_URL``).

Kept, as the 电子商务法 requires of transaction records, but no longer the shopper's words
or identifiers: orders stay as they are (the shop's books); each case keeps its facts (order,
category, urgency, status, deadlines, outcome, rating) while its description, notes and
comments become :data:`ERASED_ZH` and its shopper and conversation ids a pseudonym (a keyed
hash, the same one the audit row names). Queue entries and 回访 keep their times with the
pseudonym. One audit row records the erasure and its counts.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass
from typing import Any, Final, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from handoff.chat_models import Attachment, Message
from handoff.db import transaction
from handoff.gateway.identity import ANON_PREFIX, Identity
from handoff.limit_models import RateCounter
from handoff.models import Case, CaseEvent, HandoffEntry, Order
from handoff.ops import audit, redis_keys, tracker_events
from handoff.review.models import ReviewItem
from handoff.supervision_models import Followup, IncidentNotice

ERASED_ZH: Final = "（应顾客要求已删除）"
#: Keys of a case event's ``detail`` that hold free text (notes, resolution notes, comments).
FREE_TEXT_KEYS: Final = frozenset({"text", "note", "comment"})


def pseudonym(secret: bytes, shopper_id: str) -> str:
    """What replaces the shopper's and their conversations' ids in the records kept."""
    digest = hmac.new(secret, f"erased:{shopper_id}".encode(), hashlib.sha256).hexdigest()
    return f"erased-{digest[:24]}"


def conversations_of(session: Session, shopper_id: str) -> set[str]:
    """Every conversation the shopper had: the one the gateway derives, and any on record."""
    anonymous = shopper_id.startswith(ANON_PREFIX)
    found = {Identity(shopper_id=shopper_id, anonymous=anonymous).conversation_id}
    for model in (Message, Case, HandoffEntry, Followup):
        statement = select(model.conversation_id).where(model.shopper_id == shopper_id)
        found.update(session.scalars(statement.distinct()))
    return found


@dataclass(frozen=True)
class ErasureResult:
    """What the erasure did, for the operator and the audit row."""

    subject: str
    conversations: int
    messages: int
    attachments: int
    tracker_events: int
    review_items: int
    incident_notices: int
    rate_counters: int
    redis_keys: int
    cases_anonymised: int
    case_events_redacted: int
    queue_entries_anonymised: int
    followups_anonymised: int
    orders_kept: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _deleted(session: Session, statement: Any) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _redact_event(event: CaseEvent) -> bool:
    """Blank the free text of one case event's detail; whether there was any."""
    if not FREE_TEXT_KEYS & event.detail.keys():
        return False
    event.detail = {
        key: (ERASED_ZH if key in FREE_TEXT_KEYS and value else value)
        for key, value in event.detail.items()
    }
    return True


def _anonymise_cases(session: Session, shopper_id: str, alias: str) -> tuple[int, int]:
    """Cases keep their facts; their text and ids go. (cases, events redacted)."""
    cases = list(session.scalars(select(Case).where(Case.shopper_id == shopper_id)))
    redacted = 0
    for case in cases:
        case.shopper_id = alias
        case.conversation_id = alias
        case.dedupe_key = f"erased:{case.id}"
        case.description = ERASED_ZH
        if case.resolution_note:
            case.resolution_note = ERASED_ZH
        case.rating_comment = None
        redacted += sum(_redact_event(event) for event in case.events)
    return len(cases), redacted


def _erase_rows(
    session: Session, shopper_id: str, conversations: set[str], alias: str
) -> dict[str, int]:
    """Everything in our database, in the caller's transaction."""
    in_conversations = Message.conversation_id.in_(conversations)
    counts = {
        "messages": _deleted(session, delete(Message).where(in_conversations)),
        "attachments": _deleted(
            session, delete(Attachment).where(Attachment.conversation_id.in_(conversations))
        ),
        "review_items": _deleted(
            session, delete(ReviewItem).where(ReviewItem.conversation_id.in_(conversations))
        ),
        "incident_notices": _deleted(
            session,
            delete(IncidentNotice).where(IncidentNotice.conversation_id.in_(conversations)),
        ),
        "rate_counters": _deleted(
            session,
            delete(RateCounter).where(RateCounter.key.endswith(f":{shopper_id}", autoescape=True)),
        ),
    }
    cases, events = _anonymise_cases(session, shopper_id, alias)
    counts["cases_anonymised"], counts["case_events_redacted"] = cases, events
    counts["queue_entries_anonymised"] = _deleted(
        session,
        update(HandoffEntry)
        .where(HandoffEntry.shopper_id == shopper_id)
        .values(shopper_id=alias, conversation_id=alias),
    )
    counts["followups_anonymised"] = _deleted(
        session,
        update(Followup)
        .where(Followup.shopper_id == shopper_id)
        .values(shopper_id=alias, conversation_id=alias, answer_text=None),
    )
    orders = select(Order.order_id).where(Order.shopper_id == shopper_id)
    counts["orders_kept"] = len(list(session.scalars(orders)))
    return counts


def erase_shopper(
    factory: sessionmaker[Session],
    shopper_id: str,
    *,
    secret: bytes,
    tracker_url: str,
    redis_url: str = "",
    actor: str,
) -> ErasureResult:
    """Erase ``shopper_id``'s data (see the module) and write the audit row.

    Rasa's events and Redis live outside our database and go first: if our transaction then
    fails, running the command again finishes the job (every step is idempotent).
    """
    shopper_id = shopper_id.strip()
    if not shopper_id:
        raise ValueError("a shopper id is needed")
    with factory() as session:
        conversations = conversations_of(session, shopper_id)
    events = tracker_events.delete_conversations(tracker_url, conversations)
    named = {shopper_id, *conversations}
    keys = redis_keys.delete_keys_naming(redis_url, named) if redis_url else 0
    subject = audit.shopper_subject(secret, shopper_id)
    with transaction(factory) as session:
        counts = _erase_rows(session, shopper_id, conversations, pseudonym(secret, shopper_id))
        result = ErasureResult(
            subject=subject,
            conversations=len(conversations),
            tracker_events=events,
            redis_keys=keys,
            **counts,
        )
        detail = {k: v for k, v in result.as_json().items() if k != "subject"}
        audit.record(session, actor=actor, action="erase", subject=subject, detail=detail)
    return result
