"""Intent items, read from Rasa's tracker store after the fact instead of on the relay path.

Every shopper message Rasa parses is a ``user`` event in its ``events`` table with the whole
``parse_data`` (intent ranking included). The harvester reads the events it has not seen yet,
in id order, and captures the ones the assistant was unsure about; the message *before* a
rephrasing or a 转人工 is captured too. How far it has read is a cursor in our database,
advanced with compare-and-set, so two gateway instances harvesting together never capture an
event twice and a restart carries on where the last run stopped. Nothing here touches the
turn a shopper is waiting for.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from handoff.clock import utc_now
from handoff.conflicts import insert_unless_duplicate
from handoff.db import transaction
from handoff.review.capture import (
    IntentGuess,
    follow_up_reasons,
    intent_guess,
    intent_reasons,
    intent_uncertainty,
    record_item,
)
from handoff.review.models import HarvestCursor

log = logging.getLogger(__name__)

CURSOR_NAME: Final = "rasa_tracker"
DEFAULT_TRACKER_FILE: Final = Path("var") / "rasa_tracker.db"
BATCH: Final = 500
#: Actions that answer a message the assistant did not understand.
FALLBACK_ACTIONS: Final = frozenset({"action_ask_intent", "action_default_fallback"})

_NEW_USER_EVENTS = text(
    "SELECT id, sender_id, data FROM events WHERE type_name = 'user' AND id > :after "
    "ORDER BY id LIMIT :limit"
)
_PREVIOUS_USER_EVENT = text(
    "SELECT id, data FROM events WHERE sender_id = :sender AND type_name = 'user' "
    "AND id < :before ORDER BY id DESC LIMIT 1"
)
_NEXT_ACTION = text(
    "SELECT action_name FROM events WHERE sender_id = :sender AND type_name = 'action' "
    "AND id > :after AND action_name <> 'action_listen' ORDER BY id LIMIT 1"
)


def tracker_url(env: Mapping[str, str]) -> str:
    """``$RASA_TRACKER_URL`` (SQLAlchemy URL), else ``var/rasa_tracker.db`` (bot/endpoints.yml)."""
    url = env.get("RASA_TRACKER_URL", "").strip()
    return url or f"sqlite:///{Path.cwd() / DEFAULT_TRACKER_FILE}"


def tracker_engine(url: str) -> Engine:
    """A read-only-in-practice engine on the tracker store (we only ever SELECT)."""
    return create_engine(url, pool_pre_ping=True)


@dataclass(frozen=True)
class UserEvent:
    id: int
    sender: str
    text: str
    parse_data: dict[str, Any]

    @property
    def is_payload(self) -> bool:
        """A quick-reply payload (/affirm) rather than words the shopper typed."""
        return self.text.startswith("/")

    @property
    def intent(self) -> str | None:
        name = (self.parse_data.get("intent") or {}).get("name")
        return name if isinstance(name, str) else None


def _event(row_id: int, sender: str, data: str) -> UserEvent | None:
    try:
        body = json.loads(data)
    except (TypeError, ValueError):
        return None
    words = body.get("text")
    if not isinstance(words, str) or not words.strip():
        return None  # an intent triggered by the gateway (handed back), not a message
    parse = body.get("parse_data")
    return UserEvent(row_id, sender, words.strip(), parse if isinstance(parse, dict) else {})


def _cursor(session: Session) -> int:
    insert_unless_duplicate(
        session, HarvestCursor, {"name": CURSOR_NAME, "position": 0, "updated_at": utc_now()}
    )
    position = session.scalar(
        select(HarvestCursor.position).where(HarvestCursor.name == CURSOR_NAME)
    )
    return int(position or 0)


def _capture(
    session: Session, event: UserEvent, guess: IntentGuess, reasons: list[str], **extra: Any
) -> None:
    record_item(
        session,
        kind="intent",
        text=event.text,
        reasons=reasons,
        predicted=guess.predicted(),
        uncertainty=intent_uncertainty(guess),
        conversation_id=event.sender,
        source=f"rasa:event:{event.id}",
        **extra,
    )


def _harvest_event(session: Session, tracker: Any, event: UserEvent) -> int:
    """Capture what one new event says about itself and about the message before it."""
    captured = 0
    guess = intent_guess(event.parse_data)
    if guess is not None and not event.is_payload:
        reasons = intent_reasons(guess)
        answer = tracker.execute(_NEXT_ACTION, {"sender": event.sender, "after": event.id}).scalar()
        if answer in FALLBACK_ACTIONS and "fallback" not in reasons:
            reasons.insert(0, "fallback")
        if reasons:
            _capture(session, event, guess, reasons)
            captured += 1
    row = tracker.execute(
        _PREVIOUS_USER_EVENT, {"sender": event.sender, "before": event.id}
    ).first()
    previous = _event(row[0], event.sender, row[1]) if row is not None else None
    if previous is None or previous.is_payload:
        return captured
    previous_guess = intent_guess(previous.parse_data)
    if previous_guess is None:
        return captured
    if event.is_payload:
        # A button clicked right after a misunderstood message names what it meant.
        if previous_guess.fallback and event.intent and event.intent != "request_human":
            suggested = {"intent": event.intent, "by": "shopper"}
            _capture(session, previous, previous_guess, ["rephrased"], suggested=suggested)
            return captured + 1
        reasons = ["asked_for_human"] if event.intent == "request_human" else []
    else:
        reasons = follow_up_reasons(previous.text, event.text, event.intent)
    if reasons:
        _capture(session, previous, previous_guess, reasons)
        captured += 1
    return captured


class _CursorMoved(Exception):
    """Another harvester read these events first: roll this run back."""


def _harvest_rows(
    factory: sessionmaker[Session], connection: Any, rows: list[Any], start: int
) -> int:
    captured = 0
    with transaction(factory) as session:
        for row_id, sender, data in rows:
            event = _event(int(row_id), str(sender), str(data))
            if event is not None:
                captured += _harvest_event(session, connection, event)
        moved = session.execute(
            update(HarvestCursor)
            .where(HarvestCursor.name == CURSOR_NAME, HarvestCursor.position == start)
            .values(position=int(rows[-1][0]), updated_at=utc_now())
        )
        if getattr(moved, "rowcount", 0) != 1:
            raise _CursorMoved
    return captured


def harvest_once(
    factory: sessionmaker[Session], tracker: Engine, *, limit: int = BATCH
) -> tuple[int, int]:
    """Read up to ``limit`` new user events; returns (events read, items captured).

    The items and the cursor move in one transaction; if another harvester moved the cursor
    meanwhile, this run's work is rolled back and nothing is captured twice.
    """
    with transaction(factory) as session:
        start = _cursor(session)
    try:
        with tracker.connect() as connection:
            rows = list(connection.execute(_NEW_USER_EVENTS, {"after": start, "limit": limit}))
            if not rows:
                return 0, 0
            return len(rows), _harvest_rows(factory, connection, rows, start)
    except _CursorMoved:
        log.info("another harvester read the events after %d first", start)
        return 0, 0
    except OperationalError as error:
        if "no such table" in str(error):
            return 0, 0  # Rasa has not created its tracker table yet
        raise


def harvest_all(factory: sessionmaker[Session], tracker: Engine) -> tuple[int, int]:
    """Harvest until no new event is left."""
    read_total = captured_total = 0
    while True:
        read, captured = harvest_once(factory, tracker)
        read_total += read
        captured_total += captured
        if read < BATCH:
            return read_total, captured_total
