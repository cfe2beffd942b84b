# mypy: disallow-subclassing-any=False
# (rasa_sdk ships no type information, so its base classes are Any.)
"""Low NLU confidence: "您是想…吗？" with the likeliest intents as buttons.

After two misunderstood messages in a row a human is offered instead.
"""

from __future__ import annotations

from typing import Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import turn_intent, user_turns

#: Consecutive misunderstood messages after which a human is offered.
MISSES_BEFORE_HUMAN: Final = 2
MAX_SUGGESTIONS: Final = 3

#: What each intent means, in the words a shopper would use on a button.
INTENT_LABELS_ZH: Final = {
    "complain": "我要投诉 / 反映问题",
    "check_progress": "查询投诉进度",
    "request_human": "转人工客服",
    "give_order_number": "提供订单号",
    "no_order_number": "我没有订单号",
    "ask_capabilities": "你能帮我做什么",
    "rate_service": "给服务打分",
    "greet": "打个招呼",
    "goodbye": "结束对话",
    "thanks": "表示感谢",
    "affirm": "是的",
    "deny": "不是",
    "bot_challenge": "你是机器人吗",
}
#: Intents never worth a button.
_NOT_SUGGESTED: Final = frozenset({"nlu_fallback", "out_of_scope"})


def consecutive_misses(tracker: Tracker) -> int:
    """How many of the latest user messages in a row were not understood."""
    misses = 0
    for turn in reversed(user_turns(tracker)):
        if turn_intent(turn) != "nlu_fallback":
            break
        misses += 1
    return misses


class ActionAskIntent(Action):
    """Offers the top intents as buttons; offers a human on the second miss in a row."""

    def name(self) -> str:
        return "action_ask_intent"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        suggestions = [
            item["name"]
            for item in ranking
            if item.get("name") in INTENT_LABELS_ZH and item.get("name") not in _NOT_SUGGESTED
        ][:MAX_SUGGESTIONS]
        if consecutive_misses(tracker) >= MISSES_BEFORE_HUMAN:
            others = [
                {"title": INTENT_LABELS_ZH[name], "payload": f"/{name}"}
                for name in suggestions
                if name != "request_human"
            ]
            dispatcher.utter_message(
                text="抱歉，我还是没能理解您的意思。为您转接人工客服好吗？",
                buttons=[{"title": "转人工客服", "payload": "/request_human"}, *others[:2]],
            )
            return []
        if not suggestions:
            dispatcher.utter_message(response="utter_default")
            return []
        labels = "、".join(f"“{INTENT_LABELS_ZH[name]}”" for name in suggestions)
        dispatcher.utter_message(
            text=f"抱歉，我不太确定您的意思。您是想{labels}吗？",
            buttons=[
                {"title": INTENT_LABELS_ZH[name], "payload": f"/{name}"} for name in suggestions
            ]
            + [{"title": "都不是，转人工", "payload": "/request_human"}],
        )
        return []
