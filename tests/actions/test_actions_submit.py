"""Submitting a complaint: one case per complaint, the promise, urgent → a human now."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from actions.submit import ActionSubmitComplaint
from handoff.models import Case, HandoffEntry
from tests.actions.conftest import DOMAIN, make_tracker, slot_events, texts, user_event

DEMO_ORDER = "2024112212345678"


def submit(
    dispatcher: CollectingDispatcher,
    slots: dict[str, Any],
    sender_id: str = "conv-submit",
    metadata: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    tracker = make_tracker(
        [user_event("/affirm", "affirm", metadata=metadata or {"shopper_id": "demo-shopper"})],
        slots={"complaint_confirmed": True, **slots},
        sender_id=sender_id,
    )
    return asyncio.run(ActionSubmitComplaint().run(dispatcher, tracker, DOMAIN))


def count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_normal_complaint_gets_case_category_and_promise(
    dispatcher: CollectingDispatcher, factory: sessionmaker[Session]
) -> None:
    events = submit(
        dispatcher,
        {"order_number": DEMO_ORDER, "problem_description": "我买的电饭煲用了两次就不加热了"},
    )
    said = "\n".join(texts(dispatcher))
    slots = slot_events(events)
    assert slots["case_number"].startswith("TS")
    assert slots["case_number"] in said
    assert "商品质量" in said
    assert "24 小时内" in said and "月" in said and "日" in said  # a due time in China time
    assert not any(e["event"] == "pause" for e in events)
    assert slots["problem_description"] is None and slots["order_number"] is None
    with factory() as session:
        case = session.scalars(select(Case)).one()
        assert case.order_id == DEMO_ORDER
        assert case.shopper_id == "demo-shopper"
        assert case.category == "quality" and case.urgency == "normal"
        assert case.conversation_id == "conv-submit"


def test_submitting_twice_opens_one_case(
    dispatcher: CollectingDispatcher, factory: sessionmaker[Session]
) -> None:
    slots = {"order_number": DEMO_ORDER, "problem_description": "电饭煲不加热了"}
    first = slot_events(submit(dispatcher, slots))
    again = CollectingDispatcher()
    second = slot_events(submit(again, slots))
    assert first["case_number"] == second["case_number"]
    assert count(factory, Case) == 1
    assert "之前已经为您登记过了" in texts(again)[0]


def test_complaint_without_order(
    dispatcher: CollectingDispatcher, factory: sessionmaker[Session]
) -> None:
    submit(
        dispatcher,
        {"no_order": True, "order_number": DEMO_ORDER, "problem_description": "优惠券领了用不了"},
    )
    with factory() as session:
        case = session.scalars(select(Case)).one()
        assert case.order_id is None


def test_urgent_complaint_is_queued_and_bot_pauses(
    dispatcher: CollectingDispatcher, factory: sessionmaker[Session]
) -> None:
    events = submit(
        dispatcher,
        {
            "order_number": DEMO_ORDER,
            "problem_description": "电饭煲漏电把我孩子手电伤了，我要打12315",
        },
    )
    assert [e["event"] for e in events[-2:]] == ["action", "pause"]  # listen, then pause
    assert any("人工客服" in text for text in texts(dispatcher))
    with factory() as session:
        case = session.scalars(select(Case)).one()
        entry = session.scalars(select(HandoffEntry)).one()
        assert case.urgency == "urgent"
        assert entry.priority == "urgent" and entry.case_id == case.id
        assert case.handed_to_human_at is not None


def test_shopper_id_falls_back_to_sender(
    dispatcher: CollectingDispatcher, factory: sessionmaker[Session]
) -> None:
    tracker = make_tracker(
        [user_event("/affirm", "affirm", metadata={})],
        slots={
            "complaint_confirmed": True,
            "no_order": True,
            "problem_description": "账号登录不上",
        },
        sender_id="web-123",
    )
    asyncio.run(ActionSubmitComplaint().run(dispatcher, tracker, DOMAIN))
    with factory() as session:
        assert session.scalars(select(Case)).one().shopper_id == "web-123"
