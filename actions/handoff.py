# mypy: disallow-subclassing-any=False
# (rasa_sdk ships no type information, so its base classes are Any.)
"""Handing the shopper to a human agent, and taking them back afterwards.

While an agent is in charge the bot must stay silent: the handoff returns
``ConversationPaused`` and Rasa ignores the conversation until the gateway resumes it and
triggers ``EXTERNAL_handed_back``.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    ConversationResumed,
    EventType,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import resources
from actions.conversation import entity_values, shopper_id_of

_TRUE_WORDS = {"true", "1", "yes", "y", "resolved", "是", "已解决"}
_FALSE_WORDS = {"false", "0", "no", "n", "unresolved", "否", "未解决"}


def _as_flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def pause_for_agent() -> list[EventType]:
    """Events that hand the conversation to the agent: listen, then pause.

    A paused conversation runs no action, not even ``action_listen``; without it the
    gateway's later ``EXTERNAL_handed_back`` would follow the handoff action directly and no
    rule (they all start after ``action_listen``) would match it.
    """
    return [ActionExecuted("action_listen"), ConversationPaused()]


def handed_back_resolved(tracker: Tracker) -> bool:
    """Whether the agent resolved the problem: entity or metadata ``resolved``; default yes.

    An agent hands a shopper back when done with them, so a missing flag means resolved; the
    gateway sends ``resolved: false`` when the agent only returns the shopper to the bot.
    """
    for value in entity_values(tracker, "resolved"):
        flag = _as_flag(value)
        if flag is not None:
            return flag
    metadata = tracker.latest_message.get("metadata") or {}
    if isinstance(metadata, dict) and "resolved" in metadata:
        flag = _as_flag(metadata["resolved"])
        if flag is not None:
            return flag
    return True


class ActionHumanHandoff(Action):
    """Queues the conversation for an agent (priority of its case, if any) and pauses the bot."""

    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        from handoff.cases import cases_for_shopper, queue_for_human
        from handoff.db import transaction

        shopper_id = shopper_id_of(tracker)
        case_number = tracker.get_slot("case_number")
        with transaction(resources.session_factory()) as session:
            case = None
            if case_number:
                found = cases_for_shopper(session, shopper_id, case_number=str(case_number))
                case = found[0] if found else None
            priority = "urgent" if case is not None and case.urgency == "urgent" else "normal"
            queue_for_human(
                session,
                case,
                conversation_id=tracker.sender_id,
                shopper_id=shopper_id,
                reason="shopper_request",
                priority=priority,
            )
        dispatcher.utter_message(
            text="好的，正在为您转接人工客服，请稍候。等待期间您可以继续留言，"
            "客服接入后会看到之前的全部对话。"
        )
        events: list[EventType] = [SlotSet("shopper_id", shopper_id)]
        # Leave any form but keep what was filled: nothing the shopper typed is lost. (Always
        # sent, so the rules can say "no form after a handoff" in every case.)
        events += [ActiveLoop(None), SlotSet("requested_slot", None), *pause_for_agent()]
        return events


class ActionHandedBack(Action):
    """Greets the shopper back; a resolved conversation goes on to the satisfaction rating."""

    def name(self) -> str:
        return "action_handed_back"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        resolved = handed_back_resolved(tracker)
        events: list[EventType] = [ConversationResumed(), SlotSet("handback_resolved", resolved)]
        if resolved:
            dispatcher.utter_message(
                text="感谢您的耐心，人工客服已经处理完毕，我是智能客服小助手，继续为您服务～"
            )
            events += [SlotSet("rating", None), SlotSet("rating_comment", None)]
        else:
            dispatcher.utter_message(text="欢迎回来，我是智能客服小助手，还有什么可以帮您的吗？")
        return events
