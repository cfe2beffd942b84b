"""Two sessions of one conversation, written and read by every tracker store test."""

from __future__ import annotations

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet]
slots:
  order_number:
    type: text
    mappings: [{type: custom}]
"""
)


def first_session() -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=1.0),
        SessionStarted(timestamp=1.0),
        ActionExecuted("action_listen", timestamp=1.1),
        UserUttered("我要投诉", {"name": "complain", "confidence": 0.9}, timestamp=2.0),
        SlotSet("order_number", "2024112212345678", timestamp=2.1),
        BotUttered("请问订单号是多少？", timestamp=2.2),
    ]


def second_session() -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=90.0),
        SessionStarted(timestamp=90.0),
        SlotSet("order_number", "2024112212345678", timestamp=90.0),  # carried over
        ActionExecuted("action_listen", timestamp=90.1),
        UserUttered("我的投诉到哪了", {"name": "check_progress", "confidence": 0.8}, timestamp=91),
    ]


def sample_tracker(events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("shopper-2", events, slots=DOMAIN.slots)


def event_dicts(tracker: DialogueStateTracker | None) -> list[dict[str, object]]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]
