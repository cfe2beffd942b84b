"""The satisfaction rating: parsed from buttons or words, stored on the resolved case."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.satisfaction import ActionRecordRating, ValidateSatisfactionForm, parse_rating
from handoff.cases import TriageSummary, open_case, resolve_case
from handoff.db import transaction
from handoff.models import Case
from tests.actions.conftest import DOMAIN, make_tracker, slot_events, texts, user_event


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        ("", ["5"], 5),
        ("4分吧", [], 4),
        ("打三分", [], 3),
        ("三分", [], 3),
        ("非常不满意", [], 1),
        ("非常满意", [], 5),
        ("你好", [], None),
        ("12345", [], None),
    ],
)
def test_parse_rating(text: str, entities: list[str], expected: int | None) -> None:
    assert parse_rating(text, entities) == expected


def run_form(
    dispatcher: CollectingDispatcher, event: dict[str, Any], slots: dict[str, Any]
) -> dict[str, Any]:
    tracker = make_tracker([event], slots=slots, active_loop="satisfaction_form")
    return slot_events(asyncio.run(ValidateSatisfactionForm().run(dispatcher, tracker, DOMAIN)))


def test_rating_then_comment(dispatcher: CollectingDispatcher) -> None:
    button = user_event(
        '/rate_service{"rating": "4"}', "rate_service", [{"entity": "rating", "value": "4"}]
    )
    assert run_form(dispatcher, button, {"requested_slot": "rating"})["rating"] == 4.0
    comment = user_event("客服很耐心", "thanks")
    slots = run_form(dispatcher, comment, {"requested_slot": "rating_comment", "rating": 4.0})
    assert slots["rating_comment"] == "客服很耐心"
    none = user_event("没有", "deny")
    assert (
        run_form(dispatcher, none, {"requested_slot": "rating_comment", "rating": 4.0})[
            "rating_comment"
        ]
        == ""
    )


def test_unreadable_rating_is_asked_again(dispatcher: CollectingDispatcher) -> None:
    slots = run_form(dispatcher, user_event("嗯嗯", "affirm"), {"requested_slot": "rating"})
    assert slots["rating"] is None
    assert "1–5" in texts(dispatcher)[0]


def test_rating_is_stored_on_the_resolved_case(
    dispatcher: CollectingDispatcher, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as session:
        case, _ = open_case(
            session,
            conversation_id="conv-rate",
            shopper_id="demo-shopper",
            order_id="2024112212345678",
            description="电饭煲不加热",
            triage=TriageSummary("quality", 0.9, "normal", 0.1, []),
            dedupe_key="rate-1",
        )
        resolve_case(session, case, actor="agent:li", resolution="exchange")
    tracker = make_tracker(
        [user_event("没有", "deny")],
        slots={"rating": 5.0, "rating_comment": "换货很快", "shopper_id": "demo-shopper"},
        sender_id="conv-rate",
    )
    events = asyncio.run(ActionRecordRating().run(dispatcher, tracker, DOMAIN))
    assert "感谢您的评价" in texts(dispatcher)[0]
    assert slot_events(events)["rating"] is None
    with factory() as session:
        stored = session.scalars(select(Case)).one()
        assert stored.rating == 5 and stored.rating_comment == "换货很快"


@pytest.mark.parametrize("reply", ["谢谢", "谢谢！", "好的，谢谢～", "嗯嗯", "OK", "谢谢你们"])
def test_thanks_after_the_comment_question_is_no_comment(
    dispatcher: CollectingDispatcher, reply: str
) -> None:
    slots = run_form(
        dispatcher,
        user_event(reply, "thanks"),
        {"requested_slot": "rating_comment", "rating": 5.0},
    )
    assert slots["rating_comment"] == ""


def test_a_comment_that_also_thanks_is_kept(dispatcher: CollectingDispatcher) -> None:
    slots = run_form(
        dispatcher,
        user_event("客服很耐心，谢谢", "thanks"),
        {"requested_slot": "rating_comment", "rating": 5.0},
    )
    assert slots["rating_comment"] == "客服很耐心，谢谢"


def test_the_same_rating_twice_is_logged_once(
    dispatcher: CollectingDispatcher, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as session:
        case, _ = open_case(
            session,
            conversation_id="conv-twice",
            shopper_id="demo-shopper",
            order_id="2024112212345678",
            description="电饭煲不加热",
            triage=TriageSummary("quality", 0.9, "normal", 0.1, []),
            dedupe_key="rate-twice",
        )
        resolve_case(session, case, actor="agent:li", resolution="exchange")
    slots = {"rating": 5.0, "rating_comment": "", "shopper_id": "demo-shopper"}
    for _ in range(2):  # the form's answer, then the same button clicked again
        tracker = make_tracker([user_event("没有", "deny")], slots=slots, sender_id="conv-twice")
        asyncio.run(ActionRecordRating().run(dispatcher, tracker, DOMAIN))
    with factory() as session:
        stored = session.scalars(select(Case)).one()
        assert [e.kind for e in stored.events].count("rated") == 1
        assert stored.rating == 5
