"""Reading who is talking and what they just said from a tracker.

Kept apart from the actions so that every action answers "which shopper is this" the same way:
the gateway's metadata first, then what an earlier turn stored, then the sender id.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

MAX_SHOPPER_ID_CHARS = 64
_TAGS = re.compile(r"<[^>]{0,200}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")


def shopper_id_of(tracker: Tracker) -> str:
    """The shopper id: ``metadata.shopper_id`` of this message, else the slot, else sender id.

    The REST channel copies the POST body's ``metadata`` into the message; turns without it
    (``trigger_intent`` from the gateway) fall back to the id an earlier turn stored.
    """
    metadata = tracker.latest_message.get("metadata") or {}
    if isinstance(metadata, dict):
        value = metadata.get("shopper_id")
        if isinstance(value, (str, int)) and str(value).strip():
            return str(value).strip()[:MAX_SHOPPER_ID_CHARS]
    slot = tracker.get_slot("shopper_id")
    if isinstance(slot, str) and slot:
        return slot
    return str(tracker.sender_id)


def latest_text(tracker: Tracker) -> str:
    """The latest user text with markup and control characters removed (never None)."""
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        return ""  # a button payload such as /affirm carries no words of the shopper
    return clean_text(text)


def clean_text(text: str) -> str:
    """Remove HTML-like tags and invisible control characters; collapse whitespace."""
    text = _CONTROL.sub("", _TAGS.sub(" ", text))
    return re.sub(r"\s+", " ", text).strip()


def latest_intent(tracker: Tracker) -> str:
    """The name of the latest user intent, or an empty string."""
    intent: dict[str, Any] = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else ""


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """All values of ``entity`` in the latest message, as strings."""
    values: list[str] = []
    for item in tracker.latest_message.get("entities") or []:
        if item.get("entity") == entity and item.get("value") is not None:
            values.append(str(item["value"]))
    return values


def user_turns(tracker: Tracker) -> list[dict[str, Any]]:
    """The user messages of the conversation, oldest first, since the last restart."""
    turns: list[dict[str, Any]] = []
    for event in tracker.events:
        if event.get("event") == "restart":
            turns = []
        elif event.get("event") == "user":
            turns.append(event)
    return turns


def turn_intent(turn: dict[str, Any]) -> str:
    """The intent name of one user event."""
    intent = (turn.get("parse_data") or {}).get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else ""


def text_before_suggestion(tracker: Tracker) -> str:
    """What the shopper wrote before clicking a "您是想…吗？" button, so it is not lost.

    When the latest message is a button payload and the one before was not understood
    (``nlu_fallback``), the earlier words are what the shopper actually said.
    """
    if not (tracker.latest_message.get("text") or "").startswith("/"):
        return ""
    turns = user_turns(tracker)
    if len(turns) >= 2 and turn_intent(turns[-2]) == "nlu_fallback":
        return clean_text(str(turns[-2].get("text") or ""))
    return ""
