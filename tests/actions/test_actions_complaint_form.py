"""The complaint form: order numbers checked against the store, the description kept."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.complaint_form import (
    ValidateComplaintForm,
    confirmation_summary,
    description_from_message,
    is_description,
)
from tests.actions.conftest import (
    DOMAIN,
    make_tracker,
    order_entity,
    slot_events,
    texts,
    user_event,
)

DEMO_ORDER = "2024112212345678"
FIRST_MESSAGE = "我买的电饭煲用了两次就不加热了，订单号 2024112212345678"


def run_form(
    dispatcher: CollectingDispatcher,
    event: dict[str, Any],
    slots: dict[str, Any] | None = None,
) -> dict[str, Any]:
    tracker = make_tracker([event], slots=slots, active_loop="complaint_form")
    events = asyncio.run(ValidateComplaintForm().run(dispatcher, tracker, DOMAIN))
    return slot_events(events)


def test_first_message_fills_order_and_description(dispatcher: CollectingDispatcher) -> None:
    event = user_event(FIRST_MESSAGE, "complain", [order_entity(DEMO_ORDER)])
    slots = run_form(dispatcher, event)
    assert slots["order_number"] == DEMO_ORDER
    assert slots["problem_description"] == "我买的电饭煲用了两次就不加热了"
    assert slots["requested_slot"] == "complaint_confirmed"  # the description is not asked again
    assert texts(dispatcher) == []


def test_bare_complaint_asks_for_the_order_first(dispatcher: CollectingDispatcher) -> None:
    slots = run_form(dispatcher, user_event("我要投诉", "complain"))
    assert "problem_description" not in slots
    assert slots["requested_slot"] == "order_number"


def test_order_number_with_dashes_and_full_width_digits(dispatcher: CollectingDispatcher) -> None:
    event = user_event("订单号是 ２０２４-１１２２-１２３４-５６７８", "give_order_number")
    slots = run_form(dispatcher, event, {"requested_slot": "order_number"})
    assert slots["order_number"] == DEMO_ORDER
    assert slots["requested_slot"] == "problem_description"


def test_unknown_order_is_named_and_asked_again(dispatcher: CollectingDispatcher) -> None:
    event = user_event("2099010100000000", "give_order_number", [order_entity("2099010100000000")])
    slots = run_form(dispatcher, event, {"requested_slot": "order_number"})
    assert slots["order_number"] is None
    assert slots["order_attempts"] == 1
    assert slots["requested_slot"] == "order_number"
    assert "没有查到订单号 2099010100000000" in texts(dispatcher)[0]


def test_malformed_order_number_gets_a_format_hint(dispatcher: CollectingDispatcher) -> None:
    slots = run_form(
        dispatcher, user_event("12345", "give_order_number"), {"requested_slot": "order_number"}
    )
    assert slots["order_number"] is None
    assert slots["order_attempts"] == 1
    assert "10–20 位数字" in texts(dispatcher)[0]


def test_third_failure_offers_a_human(dispatcher: CollectingDispatcher) -> None:
    slots = run_form(
        dispatcher,
        user_event("123456", "give_order_number"),
        {"requested_slot": "order_number", "order_attempts": 2.0},
    )
    assert slots["order_attempts"] == 3
    buttons = dispatcher.messages[-1]["buttons"]
    assert {"title": "转人工客服", "payload": "/request_human"} in buttons
    assert slots["requested_slot"] == "order_number"  # still asking: nothing is lost


def test_no_order_skips_the_order_number(dispatcher: CollectingDispatcher) -> None:
    event = user_event("没有订单号，是我的账号被盗了，有人用我的账号下单", "no_order_number")
    slots = run_form(dispatcher, event, {"requested_slot": "order_number"})
    assert slots["no_order"] is True
    assert slots["problem_description"].startswith("没有订单号，是我的账号被盗了")
    assert slots["requested_slot"] == "complaint_confirmed"


def test_description_step_takes_free_text_even_when_unsure(
    dispatcher: CollectingDispatcher,
) -> None:
    event = user_event("屏幕有一条竖线", "nlu_fallback", confidence=0.3)
    slots = run_form(
        dispatcher, event, {"requested_slot": "problem_description", "order_number": DEMO_ORDER}
    )
    assert slots["problem_description"] == "屏幕有一条竖线"
    assert slots["requested_slot"] == "complaint_confirmed"


def test_emoji_only_description_is_refused_politely(dispatcher: CollectingDispatcher) -> None:
    event = user_event("😡😡😡", "nlu_fallback", confidence=0.2)
    slots = run_form(
        dispatcher, event, {"requested_slot": "problem_description", "order_number": DEMO_ORDER}
    )
    assert slots["problem_description"] is None
    assert "文字" in texts(dispatcher)[0]


def test_huge_description_is_refused_but_order_kept(dispatcher: CollectingDispatcher) -> None:
    event = user_event("电饭煲坏了" * 1000, "complain", [order_entity(DEMO_ORDER)])
    slots = run_form(dispatcher, event)
    assert slots["order_number"] == DEMO_ORDER
    assert slots["problem_description"] is None
    assert "2000" in texts(dispatcher)[0]
    assert slots["requested_slot"] == "problem_description"


def test_markup_is_stripped_from_the_description(dispatcher: CollectingDispatcher) -> None:
    event = user_event("<script>alert(1)</script>耳机左边没有声音", "complain")
    slots = run_form(
        dispatcher, event, {"requested_slot": "problem_description", "order_number": DEMO_ORDER}
    )
    assert slots["problem_description"] == "alert(1) 耳机左边没有声音"
    assert "<" not in slots["problem_description"]


def test_request_human_mid_form_is_left_to_the_rules(dispatcher: CollectingDispatcher) -> None:
    tracker = make_tracker(
        [user_event("转人工", "request_human")],
        slots={"requested_slot": "order_number"},
        active_loop="complaint_form",
    )
    form = ValidateComplaintForm()
    assert form.interpret(dispatcher, tracker) == {}
    assert texts(dispatcher) == []


def test_confirmation_yes(dispatcher: CollectingDispatcher) -> None:
    slots = run_form(
        dispatcher,
        user_event("/affirm", "affirm"),
        {
            "requested_slot": "complaint_confirmed",
            "order_number": DEMO_ORDER,
            "problem_description": "坏了",
        },
    )
    assert slots["complaint_confirmed"] is True
    assert slots["requested_slot"] is None  # the form is done


def test_confirmation_correct_the_order_number(dispatcher: CollectingDispatcher) -> None:
    filled = {
        "requested_slot": "complaint_confirmed",
        "order_number": DEMO_ORDER,
        "problem_description": "电饭煲不加热",
    }
    slots = run_form(dispatcher, user_event("/give_order_number", "give_order_number"), filled)
    assert slots["order_number"] is None
    assert slots["requested_slot"] == "order_number"
    # A typed new number replaces the old one at once.
    dispatcher = CollectingDispatcher()
    event = user_event(
        "订单号错了，是2024111809876543", "give_order_number", [order_entity("2024111809876543")]
    )
    slots = run_form(dispatcher, event, filled)
    assert slots["order_number"] == "2024111809876543"
    assert "problem_description" not in slots  # kept as it was
    assert slots["requested_slot"] == "complaint_confirmed"


def test_confirmation_correct_the_description(dispatcher: CollectingDispatcher) -> None:
    filled = {
        "requested_slot": "complaint_confirmed",
        "order_number": DEMO_ORDER,
        "problem_description": "电饭煲不加热",
    }
    slots = run_form(dispatcher, user_event("/complain", "complain"), filled)
    assert slots["problem_description"] is None
    assert slots["requested_slot"] == "problem_description"
    assert "order_number" not in slots or slots["order_number"] == DEMO_ORDER


def test_validator_keeps_the_confirmation_summary(dispatcher: CollectingDispatcher) -> None:
    event = user_event(FIRST_MESSAGE, "complain", [order_entity(DEMO_ORDER)])
    summary = run_form(dispatcher, event)["confirmation_summary"]
    assert summary == f"订单号：{DEMO_ORDER}\n问题描述：我买的电饭煲用了两次就不加热了"


def test_confirmation_summary_without_order_and_with_a_long_description() -> None:
    summary = confirmation_summary({"no_order": True, "problem_description": "账号被盗" * 100})
    assert summary.startswith("订单号：无（与订单无关的问题）\n问题描述：账号被盗")
    assert summary.endswith("…") and len(summary) < 260


def test_description_helpers() -> None:
    assert description_from_message(FIRST_MESSAGE) == "我买的电饭煲用了两次就不加热了"
    assert not is_description(description_from_message("我要投诉，订单号：2024112212345678"))
    assert is_description("东西坏了")


def test_no_summary_event_when_the_message_is_not_for_the_form(
    dispatcher: CollectingDispatcher,
) -> None:
    """转人工 mid-form must leave the form without slot events, so Rasa lets the rule run."""
    event = user_event("转人工", "request_human")
    slots = run_form(dispatcher, event, {"order_number": DEMO_ORDER})
    assert "confirmation_summary" not in slots
