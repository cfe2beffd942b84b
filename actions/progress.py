# mypy: disallow-subclassing-any=False
# (rasa_sdk ships no type information, so its base classes are Any.)
"""'我的投诉到哪了': the status, next step and deadline of this shopper's own cases."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import resources
from actions.conversation import entity_values, latest_text, shopper_id_of
from actions.order_numbers import search_order_number

#: Without a case or order number, how many of the newest cases are listed.
MAX_LISTED: Final = 3
#: A case number as typed (any case, optional dash/space); handoff normalises it.
_CASE_NUMBER: Final = re.compile(r"TS\s*\d{6}\s*[-－]?\s*[0-9A-Z]{4}", re.IGNORECASE)


class ActionCheckProgress(Action):
    """Looks cases up by case number, order number or shopper; never another shopper's."""

    def name(self) -> str:
        return "action_check_progress"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        from handoff.case_numbers import normalize_case_number
        from handoff.cases import cases_for_shopper, status_text_zh
        from handoff.db import transaction

        shopper_id = shopper_id_of(tracker)
        text = latest_text(tracker)
        case_numbers = entity_values(tracker, "case_number")
        wanted_case = case_numbers[0] if case_numbers else None
        if wanted_case is None:
            match = _CASE_NUMBER.search(unicodedata.normalize("NFKC", text))
            wanted_case = normalize_case_number(match.group(0)) if match else None
        # From the text, never Rasa's order-number entity: that regex also matches phones.
        wanted_order = search_order_number(text).order_number

        with transaction(resources.session_factory()) as session:
            cases = cases_for_shopper(
                session,
                shopper_id,
                case_number=wanted_case,
                order_id=None if wanted_case else wanted_order,
            )
            lines = []
            for case in cases[:MAX_LISTED]:
                status, next_step = status_text_zh(case)
                lines.append(f"工单 {case.case_number}：{status}。{next_step}。")

        if not lines:
            if wanted_case or wanted_order:
                what = f"工单号 {wanted_case}" if wanted_case else f"订单 {wanted_order}"
                dispatcher.utter_message(
                    text=f"没有在您的账户下找到{what}相关的投诉，请核对号码；"
                    "如需帮助可以说“转人工”。"
                )
            else:
                dispatcher.utter_message(
                    text="您目前还没有投诉记录。如果遇到了问题，直接告诉我就可以帮您登记。"
                )
            return [SlotSet("shopper_id", shopper_id)]
        if len(cases) > MAX_LISTED:
            lines.append(
                f"（共 {len(cases)} 条，以上是最近的 {MAX_LISTED} 条；可以发工单号查询某一条。）"
            )
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet("shopper_id", shopper_id)]
