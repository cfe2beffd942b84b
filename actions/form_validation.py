"""The shared shape of our form validators: one ``interpret`` decides every slot change.

rasa_sdk's default extraction asks each slot separately; our forms read one message in
context (which question is open, which intent, what text), so each validator implements
``interpret`` and this class turns its answer into ``SlotSet`` events.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict


class InterpretingFormValidation(FormValidationAction):  # type: ignore[misc]
    """A form validator whose slot changes all come from :meth:`interpret`."""

    async def get_extraction_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        updates = self.interpret(dispatcher, tracker)
        tracker.slots.update(updates)  # later validation in this turn sees the new values
        return [SlotSet(slot, value) for slot, value in updates.items()]

    @abstractmethod
    def interpret(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """The slot changes the latest message asks for; empty when it is about something else."""
