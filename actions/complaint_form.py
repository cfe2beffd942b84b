# mypy: disallow-subclassing-any=False
# (rasa_sdk ships no type information, so its base classes are Any.)
"""The complaint form: order number, problem description and a confirmation step.

One interpretation step (:meth:`ValidateComplaintForm.get_extraction_events`) decides what the
latest message means for the form, given the question that is open; the ``validate_<slot>``
methods then check each value. Messages that belong to another topic (a human, progress,
small talk) extract nothing, so Rasa rejects the form and the rules in ``bot/data/rules.yml``
answer them before the form asks its question again.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import resources
from actions.conversation import (
    clean_text,
    entity_values,
    latest_intent,
    latest_text,
    shopper_id_of,
    text_before_suggestion,
)
from actions.form_validation import InterpretingFormValidation
from actions.order_numbers import OrderNumberSearch, search_order_number
from actions.order_ownership import find_owned_order
from triage_model.normalize import mask_personal_data

log = logging.getLogger(__name__)

#: Failed order numbers after which a human is offered (the form keeps asking).
MAX_ORDER_ATTEMPTS: Final = 3
#: How much of the description the confirmation step shows.
SUMMARY_CHARS: Final = 200

#: Intents that are about something else while the form is open; the rules handle them.
INTERRUPTIONS: Final = frozenset(
    {
        "request_human",
        "check_progress",
        "bot_challenge",
        "ask_capabilities",
        "greet",
        "goodbye",
        "thanks",
        "out_of_scope",
        "nlu_fallback",
        "send_photo",
        "EXTERNAL_handed_back",
    }
)

_ORDER_LABEL: Final = re.compile(r"(订单编号|订单号码|订单号|订单|单号)\s*(是|为)?\s*[:：]?\s*$")
_FILLER: Final = re.compile(
    r"(你好|您好|在吗|在不在|有人吗|亲|客服|我要|我想|我|要|想|投诉|举报|反映|一下|订单编号|订单号|"
    r"订单|单号|编号|号码|这个|是|为|的|了|啊|呀|吧|呢|[\s\W_\d])+"
)
#: Words left after removing filler needed before a message counts as a description.
MIN_DESCRIPTION_CHARS: Final = 3

ORDER_FORMAT_ERROR: Final = (
    "这个订单号的格式好像不对：订单号是 10–20 位数字（中间可以有空格或短横线），"
    "可以在“我的订单”里复制。"
)


def find_order_number(text: str) -> str | None:
    """The order number in ``text`` as written (never a phone number), or None.

    None too when two candidates remain and nothing says which is the order number; the form
    then asks (:func:`actions.order_numbers.search_order_number` says which ones).
    """
    return search_order_number(text).written


def description_from_message(text: str) -> str:
    """The shopper's words minus the order number and its label ("订单号：…")."""
    text = clean_text(text)
    number = find_order_number(text)
    if number is not None:
        before, _, after = text.partition(number)
        text = f"{_ORDER_LABEL.sub('', before.rstrip())} {after}"
    return clean_text(text).strip(" ,，。.;；:：!！~～-")


def is_description(text: str) -> bool:
    """Whether ``text`` says what went wrong, not only "我要投诉" or an order number."""
    return len(_FILLER.sub("", text)) >= MIN_DESCRIPTION_CHARS


PHONE_NOT_ORDER: Final = (
    "这个号码看起来是手机号码，不是订单号。订单号是 10–20 位数字，可以在“我的订单”里复制。"
)


def _search_entities(tracker: Tracker) -> OrderNumberSearch:
    """The order-number entities of a message without text (a button payload), phones excluded."""
    found = [search_order_number(value) for value in entity_values(tracker, "order_number")]
    numbers = list(dict.fromkeys(s.order_number for s in found if s.order_number))
    if len(numbers) == 1:
        return OrderNumberSearch(numbers[0], numbers[0])
    return OrderNumberSearch(ambiguous=tuple(numbers))


def ask_which_order_number(dispatcher: CollectingDispatcher, search: OrderNumberSearch) -> None:
    """Two or more numbers could be the order number: show them as buttons and ask."""
    dispatcher.utter_message(
        text="您的消息里有几个号码，请问哪一个是订单号？",
        buttons=[{"title": number, "payload": number} for number in search.ambiguous],
    )


class ValidateComplaintForm(InterpretingFormValidation):
    """Fills and checks the complaint form; see the module docstring."""

    def name(self) -> str:
        return "validate_complaint_form"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """rasa_sdk's validation, plus the summary the confirmation question shows.

        Only when a form slot changed: with no slot event Rasa treats the turn as not for the
        form (转人工 mid-form), and an extra summary event would hide that.
        """
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        changed = {
            event["name"]: event["value"]
            for event in events
            if event.get("event") == "slot" and event.get("name") != "requested_slot"
        }
        if not changed:
            return events
        summary = confirmation_summary({**tracker.slots, **changed})
        return [*events, SlotSet("confirmation_summary", summary)]

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """A shopper without an order (account, payment, scams) is not asked for one.

        ``no_order`` is listed (it starts as ``False``, so it is never asked) because rasa_sdk
        only returns the events of listed slots.
        """
        if tracker.slots.get("no_order"):
            return ["no_order", "problem_description", "complaint_confirmed"]
        return ["no_order", "order_number", "problem_description", "complaint_confirmed"]

    def interpret(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """The slot changes the latest message asks for; empty when it is about something else."""
        requested = tracker.get_slot("requested_slot")
        intent = latest_intent(tracker)
        text = latest_text(tracker) or text_before_suggestion(tracker)
        if intent in INTERRUPTIONS and not (
            requested == "problem_description" and intent == "nlu_fallback"
        ):
            return {}
        updates: dict[str, Any] = {}

        # The order number: read from the text (Rasa's regex entity cannot tell a phone number
        # from an order number); the entity only for a button payload, which has no text.
        search = search_order_number(text) if text else OrderNumberSearch()
        if search == OrderNumberSearch():
            search = _search_entities(tracker)
        candidate = search.order_number
        if candidate is None and requested == "order_number":
            candidate = search.malformed
        asked_which = False
        if search.ambiguous:
            ask_which_order_number(dispatcher, search)
            asked_which = True
        elif candidate is None and search.phones and requested == "order_number":
            dispatcher.utter_message(text=PHONE_NOT_ORDER)
            asked_which = True
        if candidate is not None:
            updates.update(order_number=candidate, no_order=False)
        elif asked_which and requested == "order_number":
            updates["order_number"] = None
        elif intent == "no_order_number" or (intent == "deny" and requested == "order_number"):
            updates.update(order_number=None, no_order=True)
        elif requested == "complaint_confirmed" and intent == "give_order_number":
            updates.update(order_number=None, no_order=False)  # "修改订单号"

        # The description: taken from a complaint (also the first message) or when asked.
        description = description_from_message(text)
        if requested == "problem_description":
            if "order_number" not in updates or is_description(description):
                updates["problem_description"] = description
        elif requested == "complaint_confirmed" and intent == "complain":
            # "修改问题描述": a typed new description replaces the old one at once.
            updates["problem_description"] = description if is_description(description) else None
        elif tracker.get_slot("problem_description") is None and is_description(description):
            updates["problem_description"] = description

        # The confirmation.
        if requested == "complaint_confirmed":
            if updates:
                updates["complaint_confirmed"] = None
            elif intent == "affirm":
                updates["complaint_confirmed"] = True
            elif intent == "deny":
                dispatcher.utter_message(text="好的，请选择需要修改的内容：")
                updates["complaint_confirmed"] = None
            else:
                dispatcher.utter_message(text="请点击下方的按钮确认提交，或者选择要修改的内容。")
                updates["complaint_confirmed"] = None
        elif not updates and requested is not None and not asked_which:
            # Neither an answer nor another topic we know: say what we need, keep the form.
            dispatcher.utter_message(text="抱歉，我没能从这句话里找到需要的信息。")
            updates[requested] = None
        return updates

    def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accept an order number only when it is well-formed and in the order store."""
        if slot_value is None:
            return {"order_number": None}
        from handoff.orders import normalize_order_id

        attempts = float(tracker.get_slot("order_attempts") or 0)
        order_id = normalize_order_id(str(slot_value))
        if order_id is None:
            dispatcher.utter_message(text=ORDER_FORMAT_ERROR)
        else:
            order = find_owned_order(order_id, shopper_id_of(tracker))  # not found = not yours
            if order is not None:
                return {"order_number": order_id, "order_attempts": 0.0}
            dispatcher.utter_message(
                text=f"没有查到订单号 {order_id} 的订单，"
                "请核对后重新输入（注意不要多输或少输数字）。"
            )
        attempts += 1
        log.info(
            "order number not accepted (%d): %s", attempts, mask_personal_data(str(slot_value))
        )
        if attempts >= MAX_ORDER_ATTEMPTS:
            dispatcher.utter_message(
                text="订单号几次都没能核对上，别着急：您可以转人工客服帮您查找，"
                "或者不填订单号直接登记问题。",
                buttons=[
                    {"title": "转人工客服", "payload": "/request_human"},
                    {"title": "没有订单号", "payload": "/no_order_number"},
                ],
            )
        return {"order_number": None, "order_attempts": attempts}

    def validate_no_order(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Nothing to check: the slot only records the shopper's answer."""
        return {"no_order": bool(slot_value)}

    def validate_problem_description(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accept what the triage model can read; explain politely what it cannot."""
        if slot_value is None:
            return {"problem_description": None}
        from triage_model import InvalidText

        text = clean_text(str(slot_value))
        try:
            resources.triage_model().predict(text)
        except InvalidText as error:
            dispatcher.utter_message(text=error.message_zh)
            return {"problem_description": None}
        return {"problem_description": text}

    def validate_complaint_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Only an explicit yes confirms."""
        return {"complaint_confirmed": True if slot_value is True else None}


def confirmation_summary(slots: dict[str, Any]) -> str:
    """What the confirmation question shows: the order (or that there is none) and the problem.

    The validator keeps it in the ``confirmation_summary`` slot and the question is the
    ``utter_ask_complaint_confirmed`` response: Rasa renders it itself instead of calling the
    action server once more on every form turn (one round trip of the three an opening
    complaint cost; see README "Assistant latency").
    """
    order = slots.get("order_number")
    if slots.get("no_order") or not order:
        order = "无（与订单无关的问题）"
    description = str(slots.get("problem_description") or "")
    if len(description) > SUMMARY_CHARS:
        description = description[:SUMMARY_CHARS] + "…"
    return f"订单号：{order}\n问题描述：{description}"
