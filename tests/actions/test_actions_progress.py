"""'我的投诉到哪了': status, next step and deadline, only of the shopper's own cases."""

from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session, sessionmaker

from actions.progress import ActionCheckProgress
from handoff.cases import TriageSummary, open_case
from handoff.db import transaction
from tests.actions.conftest import DOMAIN, make_tracker, texts, user_event

TRIAGE = TriageSummary("quality", 0.9, "normal", 0.1, [])


def open_demo_case(factory: sessionmaker[Session], shopper: str, order: str, key: str) -> str:
    with transaction(factory) as session:
        case, _ = open_case(
            session,
            conversation_id=f"conv-{shopper}",
            shopper_id=shopper,
            order_id=order,
            description="坏了",
            triage=TRIAGE,
            dedupe_key=key,
        )
        return case.case_number


def ask(text: str, shopper: str, entities: list[dict[str, str]] | None = None) -> list[str]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        [user_event(text, "check_progress", entities, metadata={"shopper_id": shopper})]
    )
    asyncio.run(ActionCheckProgress().run(dispatcher, tracker, DOMAIN))
    return texts(dispatcher)


def test_progress_lists_own_cases_with_deadline(factory: sessionmaker[Session]) -> None:
    mine = open_demo_case(factory, "demo-shopper", "2024112212345678", "k1")
    theirs = open_demo_case(factory, "shopper-1001", "2024111810011001", "k2")
    said = "\n".join(ask("我的投诉到哪了", "demo-shopper"))
    assert mine in said and theirs not in said
    assert "处理中" in said and "前首次回复您" in said


def test_progress_by_case_number_is_scoped_to_the_shopper(factory: sessionmaker[Session]) -> None:
    theirs = open_demo_case(factory, "shopper-1001", "2024111810011001", "k2")
    entity = [{"entity": "case_number", "value": theirs}]
    said = "\n".join(ask(f"查一下工单 {theirs}", "demo-shopper", entity))
    assert "没有在您的账户下找到" in said
    assert theirs in "\n".join(ask(f"查一下工单 {theirs.lower()}", "shopper-1001"))


def test_progress_by_order_number(factory: sessionmaker[Session]) -> None:
    mine = open_demo_case(factory, "demo-shopper", "2024112212345678", "k1")
    said = "\n".join(ask("订单2024-1122-1234-5678的投诉有结果了吗", "demo-shopper"))
    assert mine in said


def test_progress_without_cases(factory: sessionmaker[Session]) -> None:
    assert "还没有投诉记录" in ask("进度如何", "nobody")[0]
