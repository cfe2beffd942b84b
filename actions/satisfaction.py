# mypy: disallow-subclassing-any=False
# (rasa_sdk ships no type information, so its base classes are Any.)
"""The satisfaction rating after an agent resolved the problem: a 1–5 score and a comment."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import resources
from actions.conversation import entity_values, latest_intent, latest_text, shopper_id_of
from actions.form_validation import InterpretingFormValidation

#: The rating slot's value when the shopper declines to rate.
DECLINED: Final = 0.0
MAX_COMMENT_CHARS: Final = 2000

_CHINESE_DIGITS: Final = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_SCORE: Final = re.compile(r"(?<!\d)([1-5])(?!\d)|([一二两三四五])\s*(分|星|颗星)")
# Longest phrases first: "非常不满意" must not be read as "满意".
_WORDS: Final = (
    ("非常不满意", 1),
    ("很不满意", 1),
    ("太差", 1),
    ("很差", 1),
    ("不满意", 2),
    ("一般", 3),
    ("还行", 3),
    ("非常满意", 5),
    ("很满意", 5),
    ("满意", 4),
    ("好评", 5),
    ("差评", 1),
)
_NO_COMMENT: Final = {
    "",
    "没有",
    "没有了",
    "没",
    "无",
    "不用",
    "不用了",
    "没意见",
    "没有意见",
    "算了",
}

#: A reply that only thanks or acknowledges ("谢谢", "好的，谢谢～", "ok") is not a comment on
#: the service: after the comment question it means "nothing to add".
_ONLY_THANKS: Final = re.compile(
    r"(?:好的?|嗯+|哦+|ok|okay|谢谢(?:你们|您们|你|您|啦|了)?|谢啦|谢了|多谢|感谢(?:你|您)?|thanks?|thankyou|没事了?)+"
)
_NOT_WORDS: Final = re.compile(r"[\s\W_]+")


def only_thanks(text: str) -> bool:
    """Whether ``text`` is nothing but thanks or an acknowledgement, in any punctuation."""
    bare = _NOT_WORDS.sub("", unicodedata.normalize("NFKC", text).lower())
    return bare == "" or _ONLY_THANKS.fullmatch(bare) is not None


def parse_rating(text: str, entities: list[str]) -> int | None:
    """A 1–5 score from the ``rating`` entity, a digit, "四分" or words such as 非常满意."""
    for value in entities:
        found = parse_rating(value, [])
        if found is not None:
            return found
    text = unicodedata.normalize("NFKC", text)
    match = _SCORE.search(text)
    if match:
        return int(match.group(1)) if match.group(1) else _CHINESE_DIGITS[match.group(2)]
    for phrase, score in _WORDS:
        if phrase in text:
            return score
    return None


class ValidateSatisfactionForm(InterpretingFormValidation):
    """Reads the score and the optional comment."""

    def name(self) -> str:
        return "validate_satisfaction_form"

    def interpret(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """Slot changes for the latest message; empty for a human request (a rule handles it)."""
        requested = tracker.get_slot("requested_slot")
        intent = latest_intent(tracker)
        if intent == "request_human" or intent.startswith("EXTERNAL_") or requested is None:
            return {}
        text = latest_text(tracker)
        if requested == "rating":
            score = parse_rating(text, entity_values(tracker, "rating"))
            if score is not None:
                return {"rating": float(score)}
            if intent == "deny":
                return {"rating": DECLINED, "rating_comment": ""}
            dispatcher.utter_message(
                text="请回复 1–5 之间的数字打分（5 分最满意），或点击下方按钮。"
            )
            return {"rating": None}
        if requested == "rating_comment":
            comment = text.strip(" 。.!！~～")
            if intent == "deny" or comment in _NO_COMMENT or only_thanks(comment):
                return {"rating_comment": ""}
            return {"rating_comment": comment[:MAX_COMMENT_CHARS]}
        return {}

    def validate_rating(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Whole numbers 1–5, or the "declined" marker."""
        if slot_value is None:
            return {"rating": None}
        value = float(slot_value)
        if value == DECLINED or (value.is_integer() and 1 <= value <= 5):
            return {"rating": value}
        dispatcher.utter_message(text="评分需要是 1 到 5 之间的整数哦。")
        return {"rating": None}

    def validate_rating_comment(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Any text is a fine comment; "" means "no comment"; None means not asked yet."""
        return {"rating_comment": None if slot_value is None else str(slot_value)}


class ActionRecordRating(Action):
    """Stores the rating on the conversation's resolved case and thanks the shopper."""

    def name(self) -> str:
        return "action_record_rating"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        from handoff.cases import record_rating
        from handoff.db import transaction

        slot = tracker.get_slot("rating")
        score: int | None
        if slot is None:  # a rating given without being asked
            score = parse_rating(latest_text(tracker), entity_values(tracker, "rating"))
        else:
            score = int(float(slot)) if float(slot) != DECLINED else None
        reset: list[EventType] = [SlotSet("rating", None), SlotSet("rating_comment", None)]
        if score is None:
            dispatcher.utter_message(text="好的，不打扰您了。祝您生活愉快，有需要随时找我！")
            return reset
        comment = tracker.get_slot("rating_comment") or None
        shopper_id = shopper_id_of(tracker)
        with transaction(resources.session_factory()) as session:
            record_rating(
                session,
                conversation_id=tracker.sender_id,
                shopper_id=shopper_id,
                rating=score,
                comment=comment,
            )
        thanks = "感谢您的评价！" + ("您的意见我们已经记录，会转达给相关同事。" if comment else "")
        dispatcher.utter_message(text=thanks + "祝您生活愉快～")
        return [*reset, SlotSet("shopper_id", shopper_id)]
