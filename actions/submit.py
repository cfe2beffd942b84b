# mypy: disallow-subclassing-any=False
# (rasa_sdk ships no type information, so its base classes are Any.)
"""Submitting a confirmed complaint: triage it, open the case, say what happens next.

Idempotent: the dedupe key (conversation + order + hash of the normalised description) makes
a retried action, a double click or the same complaint filed twice return the case already
opened instead of a second one.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import resources
from actions.conversation import clean_text, shopper_id_of
from actions.handoff import pause_for_agent

log = logging.getLogger(__name__)

#: Slots of the complaint form, cleared after submission so the next complaint starts fresh.
FORM_SLOTS = ("order_number", "problem_description", "complaint_confirmed")


def dedupe_key(conversation_id: str, order_id: str | None, description: str) -> str:
    """The same complaint (same conversation, order and normalised words) gets the same key."""
    from triage_model.normalize import normalize

    digest = hashlib.sha256(normalize(description).encode("utf-8")).hexdigest()[:24]
    return f"{conversation_id}:{order_id or '-'}:{digest}"


def triage_summary(description: str) -> Any:
    """The triage model's verdict as the case store's ``TriageSummary``.

    A text the model refuses (the form validates it, so only on a bypassed form) is filed as
    ``other``/``normal`` rather than lost: an agent reads every case anyway.
    """
    from handoff.cases import TriageSummary
    from triage_model import InvalidText

    try:
        prediction = resources.triage_model().predict(description)
    except InvalidText as error:
        log.warning("triage refused the description (%s); filing as other/normal", error.code)
        return TriageSummary("other", 0.0, "normal", 0.0, [f"invalid_text:{error.code}"])
    reasons = [f"{r.trigger}:{r.source}:{r.evidence}" for r in prediction.reasons]
    return TriageSummary(
        category=prediction.category,
        category_confidence=float(min(max(prediction.category_confidence, 0.0), 1.0)),
        urgency=prediction.urgency,
        urgency_score=float(min(max(prediction.urgency_score, 0.0), 1.0)),
        reasons=reasons,
    )


class ActionSubmitComplaint(Action):
    """Opens (or finds) the case and tells the case number, category and promise."""

    def name(self) -> str:
        return "action_submit_complaint"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        from handoff.cases import open_case, queue_for_human
        from handoff.clock import format_zh
        from handoff.db import transaction
        from handoff.orders import normalize_order_id
        from triage_model.labels import CATEGORY_NAMES_ZH

        shopper_id = shopper_id_of(tracker)
        conversation_id = tracker.sender_id
        description = clean_text(str(tracker.get_slot("problem_description") or ""))
        raw_order = tracker.get_slot("order_number")
        order_id = None
        if not tracker.get_slot("no_order") and raw_order:
            order_id = normalize_order_id(str(raw_order))
        if not description:
            dispatcher.utter_message(
                text="还没有收到问题描述，请说一下您遇到的问题，我再帮您登记。"
            )
            return [SlotSet("complaint_confirmed", None)]

        triage = triage_summary(description)
        with transaction(resources.session_factory()) as session:
            case, created = open_case(
                session,
                conversation_id=conversation_id,
                shopper_id=shopper_id,
                order_id=order_id,
                description=description,
                triage=triage,
                dedupe_key=dedupe_key(conversation_id, order_id, description),
            )
            urgent = case.urgency == "urgent"
            if urgent:
                queue_for_human(
                    session,
                    case,
                    conversation_id=conversation_id,
                    shopper_id=shopper_id,
                    reason="urgent_complaint",
                    priority="urgent",
                )
            case_number = case.case_number
            category = CATEGORY_NAMES_ZH.get(case.category, "其他")
            due = format_zh(case.first_response_due)

        opening = "已为您登记投诉" if created else "这个问题之前已经为您登记过了"
        dispatcher.utter_message(
            text=f"{opening}，工单号：{case_number}（问题类型：{category}）。请记下工单号，方便查询进度。"
        )
        events: list[EventType] = [
            SlotSet("case_number", case_number),
            SlotSet("shopper_id", shopper_id),
        ]
        events += [SlotSet(slot, None) for slot in FORM_SLOTS]
        events += [SlotSet("no_order", False), SlotSet("order_attempts", 0.0)]
        if urgent:
            dispatcher.utter_message(
                text="您反映的情况比较紧急，已为您优先转接人工客服，客服马上就来，请稍候，不要离开对话。"
            )
            events += pause_for_agent()
        else:
            dispatcher.utter_message(
                text=f"客服会在 24 小时内（{due} 前）给您首次答复，请留意消息。"
                "还有其他可以帮您的吗？"
            )
        log.info(
            "complaint %s in conversation %s (%s, %s)",
            "opened" if created else "found again",
            conversation_id,
            case_number,
            "urgent" if urgent else "normal",
        )
        return events
