"""A human on request (also mid-form), and the hand-back that asks for a rating."""

from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.handoff import ActionHandedBack, ActionHumanHandoff
from handoff.models import HandoffEntry
from tests.actions.conftest import DOMAIN, make_tracker, slot_events, texts, user_event


def test_request_human_mid_form_queues_pauses_and_keeps_slots(
    dispatcher: CollectingDispatcher, factory: sessionmaker[Session]
) -> None:
    tracker = make_tracker(
        [user_event("转人工", "request_human", metadata={"shopper_id": "demo-shopper"})],
        slots={"order_number": "2024112212345678", "requested_slot": "problem_description"},
        active_loop="complaint_form",
        sender_id="conv-human",
    )
    events = asyncio.run(ActionHumanHandoff().run(dispatcher, tracker, DOMAIN))
    kinds = [event["event"] for event in events]
    assert kinds[-2:] == ["action", "pause"]  # listen, then pause: rules match the hand-back
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in events if e["event"] == "active_loop"
    ]
    assert "order_number" not in slot_events(events)  # what was filled stays
    assert "人工客服" in texts(dispatcher)[0]
    with factory() as session:
        entry = session.scalars(select(HandoffEntry)).one()
        assert entry.conversation_id == "conv-human"
        assert entry.shopper_id == "demo-shopper" and entry.priority == "normal"


def test_asking_twice_gives_one_queue_entry(factory: sessionmaker[Session]) -> None:
    for _ in range(2):
        tracker = make_tracker([user_event("人工", "request_human")], sender_id="conv-twice")
        asyncio.run(ActionHumanHandoff().run(CollectingDispatcher(), tracker, DOMAIN))
    with factory() as session:
        assert len(session.scalars(select(HandoffEntry)).all()) == 1


def test_handed_back_resolved_or_not(dispatcher: CollectingDispatcher) -> None:
    resolved = make_tracker(
        [user_event("", "EXTERNAL_handed_back", [{"entity": "resolved", "value": "true"}])]
    )
    events = asyncio.run(ActionHandedBack().run(dispatcher, resolved, DOMAIN))
    assert slot_events(events)["handback_resolved"] is True
    assert events[0]["event"] == "resume"
    unresolved = make_tracker(
        [user_event("", "EXTERNAL_handed_back", [{"entity": "resolved", "value": False}])]
    )
    events = asyncio.run(ActionHandedBack().run(CollectingDispatcher(), unresolved, DOMAIN))
    assert slot_events(events)["handback_resolved"] is False
