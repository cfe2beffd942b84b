"""Low confidence: '您是想…吗？' with the top intents as buttons, a human after two misses."""

from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionAskIntent
from tests.actions.conftest import DOMAIN, make_tracker, user_event

RANKING = [
    {"name": "nlu_fallback", "confidence": 0.45},
    {"name": "complain", "confidence": 0.4},
    {"name": "check_progress", "confidence": 0.3},
    {"name": "out_of_scope", "confidence": 0.1},
    {"name": "greet", "confidence": 0.05},
]


def miss(text: str) -> dict[str, object]:
    return user_event(text, "nlu_fallback", confidence=0.45, ranking=RANKING)


def test_first_miss_offers_the_top_intents(dispatcher: CollectingDispatcher) -> None:
    tracker = make_tracker([user_event("你好", "greet"), miss("那个东西吧")])
    asyncio.run(ActionAskIntent().run(dispatcher, tracker, DOMAIN))
    message = dispatcher.messages[0]
    assert message["text"].startswith("抱歉，我不太确定您的意思。您是想")
    payloads = [button["payload"] for button in message["buttons"]]
    assert payloads == ["/complain", "/check_progress", "/greet", "/request_human"]


def test_second_miss_in_a_row_offers_a_human(dispatcher: CollectingDispatcher) -> None:
    tracker = make_tracker([miss("那个东西吧"), miss("就是那个啊")])
    asyncio.run(ActionAskIntent().run(dispatcher, tracker, DOMAIN))
    message = dispatcher.messages[0]
    assert "转接人工客服" in message["text"]
    assert message["buttons"][0]["payload"] == "/request_human"
