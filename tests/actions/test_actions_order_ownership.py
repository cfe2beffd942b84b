"""Issue 9, finding 4: an order is accepted only for the shopper it belongs to, and "not
yours" reads exactly like "not found", so order numbers cannot be enumerated."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.complaint_form import ValidateComplaintForm
from tests.actions.conftest import (
    DOMAIN,
    make_tracker,
    order_entity,
    slot_events,
    texts,
    user_event,
)

MINE = "2024112212345678"  # demo-shopper's rice cooker
THEIRS = "2024111810011001"  # shopper-1001's phone
MISSING = "2024111899999999"


def _offer(order: str, shopper_id: str) -> tuple[dict[str, Any], str]:
    dispatcher = CollectingDispatcher()
    event = user_event(
        order, "give_order_number", [order_entity(order)], metadata={"shopper_id": shopper_id}
    )
    tracker = make_tracker(
        [event], slots={"requested_slot": "order_number"}, active_loop="complaint_form"
    )
    events = asyncio.run(ValidateComplaintForm().run(dispatcher, tracker, DOMAIN))
    return slot_events(events), "\n".join(texts(dispatcher))


def test_the_shoppers_own_order_is_accepted() -> None:
    slots, _ = _offer(MINE, "demo-shopper")
    assert slots["order_number"] == MINE


def test_another_shoppers_order_is_refused_like_a_missing_one() -> None:
    theirs, theirs_said = _offer(THEIRS, "demo-shopper")
    missing, missing_said = _offer(MISSING, "demo-shopper")
    assert theirs["order_number"] is None and missing["order_number"] is None
    # The same answer with only the number differing: nothing says "exists, not yours".
    assert theirs_said.replace(THEIRS, "N") == missing_said.replace(MISSING, "N")
    assert "OPPO" not in theirs_said


def test_an_anonymous_visitor_owns_no_order() -> None:
    slots, _ = _offer(MINE, "anon-0123456789abcdef0123456789abcdef")
    assert slots["order_number"] is None
