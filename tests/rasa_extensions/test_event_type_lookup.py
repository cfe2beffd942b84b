"""event_type_lookup: the same class as Rasa's resolve_by_type for every event type name."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from rasa_extensions import event_type_lookup
from rasa_extensions.event_type_lookup import install, resolve_by_type


def _rasas() -> Any:
    install()  # keeps Rasa's method, whatever installed ours first in this process
    original = event_type_lookup.rasa_resolve_by_type
    assert original is not None
    return original


def test_every_event_type_resolves_to_the_class_rasa_finds() -> None:
    names = {event_class.type_name for event_class in all_subclasses(Event)}
    assert {"user", "slot", "action", "session_started", "pause"} <= names

    for name in sorted(names):
        assert resolve_by_type(name) is _rasas()(name), name


def test_unknown_names_fall_back_as_rasa_does() -> None:
    assert resolve_by_type("topic") is _rasas()("topic") is None
    assert resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        resolve_by_type("no_such_event")
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        _rasas()("no_such_event")


def test_an_event_class_defined_later_is_found() -> None:
    class ShopperRated(Event):
        type_name = "test_shopper_rated_event"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, ShopperRated)

        def __hash__(self) -> int:
            return hash(self.type_name)

        def as_story_string(self) -> None:
            return None

    resolve_by_type("user")  # the dictionary exists before the class does
    assert resolve_by_type("test_shopper_rated_event") is ShopperRated
    assert _rasas()("test_shopper_rated_event") is ShopperRated


def test_installed_lookup_deserialises_events() -> None:
    install()
    install()

    assert Event.__dict__["resolve_by_type"].__func__ is resolve_by_type
    events = [
        Event.from_parameters({"event": "action", "name": "action_listen"}),
        Event.from_parameters({"event": "user", "text": "你好", "parse_data": {}}),
    ]
    assert isinstance(events[0], ActionExecuted) and isinstance(events[1], UserUttered)
