"""Fixtures for the action tests: a temporary case store, the real triage model, trackers.

Each test gets its own SQLite file (``DATABASE_URL`` → ``tmp_path``) and a fresh
``CollectingDispatcher``; trackers are built from events the way Rasa sends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session, sessionmaker

from actions import resources

TRIAGE_MODEL = Path("models/triage/latest/metadata.json")

#: The parts of bot/domain.yml the actions read (forms and slots); kept in step by hand
#: because the project environment has no YAML parser (test_domain_matches checks names).
DOMAIN: dict[str, Any] = {
    "forms": {
        "complaint_form": {
            "required_slots": ["order_number", "problem_description", "complaint_confirmed"]
        },
        "satisfaction_form": {"required_slots": ["rating", "rating_comment"]},
    },
    "slots": {
        name: {"mappings": [{"type": "custom"}]}
        for name in (
            "order_number",
            "problem_description",
            "no_order",
            "order_attempts",
            "complaint_confirmed",
            "case_number",
            "shopper_id",
            "handback_resolved",
            "rating",
            "rating_comment",
        )
    },
}

DEMO_SHOPPER = "demo-shopper"

INITIAL_SLOTS: dict[str, Any] = {name: None for name in DOMAIN["slots"]} | {
    "no_order": False,
    "order_attempts": 0.0,
    "requested_slot": None,
}


@pytest.fixture(autouse=True)
def case_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite case store for every test, seeded with the demo orders on first use."""
    if not TRIAGE_MODEL.exists():
        pytest.skip("no triage model at models/triage/latest: run `make train` first")
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    resources.reset()
    yield url
    resources.reset()


@pytest.fixture
def factory(case_store: str) -> sessionmaker[Session]:
    return resources.session_factory()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def user_event(
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    confidence: float = 0.95,
    ranking: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``user`` event as Rasa sends it to the action server.

    ``metadata`` defaults to what the gateway sends for the demo shopper, who owns the demo
    orders (the complaint form accepts only the shopper's own orders).
    """
    metadata = {"shopper_id": DEMO_SHOPPER} if metadata is None else metadata
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
            "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
            "metadata": metadata or {},
        },
        "metadata": metadata or {},
    }


def order_entity(value: str) -> dict[str, Any]:
    return {"entity": "order_number", "value": value, "extractor": "RegexEntityExtractor"}


def make_tracker(
    events: list[dict[str, Any]],
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
    sender_id: str | None = None,
) -> Tracker:
    """A tracker whose latest message is the last ``user`` event in ``events``."""
    users = [event for event in events if event["event"] == "user"]
    latest = users[-1]["parse_data"] if users else {}
    return Tracker(
        sender_id=sender_id or f"conv-{uuid.uuid4().hex[:8]}",
        slots=INITIAL_SLOTS | (slots or {}),
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    """Everything the action said, in order."""
    return [message.get("text") or "" for message in dispatcher.messages]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``slot`` events as a name → value dict (later events win)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
