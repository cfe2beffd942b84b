"""The complaint form never files a phone number as the order number, and asks which one.

Rasa's regex entity extractor marks every 10–20 digit run as ``order_number``, a mobile
number too; the events below carry those entities as Rasa would send them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.complaint_form import PHONE_NOT_ORDER, ValidateComplaintForm
from tests.actions.conftest import DOMAIN, make_tracker, order_entity, slot_events, user_event

DEMO_ORDER = "2024112212345678"
OTHER_DEMO_ORDER = "2024112312345679"


def run_form(
    dispatcher: CollectingDispatcher, event: dict[str, Any], slots: dict[str, Any] | None = None
) -> dict[str, Any]:
    tracker = make_tracker([event], slots=slots, active_loop="complaint_form")
    return slot_events(asyncio.run(ValidateComplaintForm().run(dispatcher, tracker, DOMAIN)))


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "１３８１２３４５６７８",
        "Tel13812345678",
        "138.1234.5678",
        "138 1234 5678",
    ],
)
def test_the_issue_message_files_the_order_not_the_phone(
    dispatcher: CollectingDispatcher, phone: str
) -> None:
    text = f"电饭煲坏了，联系电话{phone}，订单号 {DEMO_ORDER}"
    entities = [order_entity("13812345678"), order_entity(DEMO_ORDER)]  # phone first, as Rasa
    slots = run_form(dispatcher, user_event(text, "complain", entities))
    assert slots["order_number"] == DEMO_ORDER
    assert slots["requested_slot"] == "complaint_confirmed"
    assert "电饭煲坏了" in slots["problem_description"]
    assert not any("没有查到" in (m.get("text") or "") for m in dispatcher.messages)


def test_a_phone_given_for_the_order_number_is_explained(
    dispatcher: CollectingDispatcher,
) -> None:
    event = user_event("13812345678", "give_order_number", [order_entity("13812345678")])
    slots = run_form(dispatcher, event, {"requested_slot": "order_number"})
    assert slots["order_number"] is None
    assert slots.get("order_attempts", 0.0) == 0.0  # not counted as a wrong order number
    assert [m["text"] for m in dispatcher.messages] == [PHONE_NOT_ORDER]
    assert slots["requested_slot"] == "order_number"


def test_two_order_numbers_ask_which_one(dispatcher: CollectingDispatcher) -> None:
    text = f"{DEMO_ORDER} 和 {OTHER_DEMO_ORDER} 都没收到"
    entities = [order_entity(DEMO_ORDER), order_entity(OTHER_DEMO_ORDER)]
    slots = run_form(
        dispatcher,
        user_event(text, "give_order_number", entities),
        {"requested_slot": "order_number"},
    )
    assert slots["order_number"] is None
    question = dispatcher.messages[0]
    assert "哪一个是订单号" in question["text"]
    assert [b["payload"] for b in question["buttons"]] == [DEMO_ORDER, OTHER_DEMO_ORDER]
    assert slots["requested_slot"] == "order_number"


def test_the_chosen_button_fills_the_order(dispatcher: CollectingDispatcher) -> None:
    event = user_event(DEMO_ORDER, "give_order_number", [order_entity(DEMO_ORDER)])
    slots = run_form(dispatcher, event, {"requested_slot": "order_number"})
    assert slots["order_number"] == DEMO_ORDER


def test_a_pasted_order_card_fills_the_order(dispatcher: CollectingDispatcher) -> None:
    text = f"咨询订单号:{DEMO_ORDER} 订单金额:99.00 下单时间:2024-03-02 14:22:10 电饭煲不加热"
    slots = run_form(dispatcher, user_event(text, "complain", [order_entity(DEMO_ORDER)]))
    assert slots["order_number"] == DEMO_ORDER
