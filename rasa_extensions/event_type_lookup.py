"""Find an event's class by its type name with a dictionary instead of a class-tree walk.

Why: Rasa 3.6 turns every stored or received event dict into an object through
``Event.resolve_by_type``, which walks all subclasses of ``Event`` (``all_subclasses``,
recursive, with an ``inspect.isabstract`` check each) for every single event. A turn
deserialises the conversation's events and each action's answer, and profiled under 20
conversations always in flight the walk was about 8% of a Rasa worker's CPU.

:func:`resolve_by_type` answers from a dictionary built from the same walk, in the same order
(the first class with a type name wins, as in Rasa's loop), rebuilt once when a name is
missing (an event class imported later), and otherwise falls back exactly as Rasa does
("topic" → None, else the default, else ``ValueError``). Tests compare it with Rasa's method
for every event type. :func:`install` refuses a Rasa whose ``Event`` lacks the method;
``rest_channel.settle_worker`` installs it in each worker before it serves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

#: Rasa's own method, kept by :func:`install` (the tests compare against it).
rasa_resolve_by_type: Callable[..., Any] | None = None
_classes_by_name: dict[str, type[Event]] = {}


def _rebuild() -> None:
    classes: dict[str, type[Event]] = {}
    for event_class in all_subclasses(Event):
        classes.setdefault(event_class.type_name, event_class)
    _classes_by_name.clear()
    _classes_by_name.update(classes)


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """Rasa's ``Event.resolve_by_type``, answered from a dictionary."""
    found = _classes_by_name.get(type_name)
    if found is None:
        _rebuild()
        found = _classes_by_name.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None  # Rasa's backwards compatibility with old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def install() -> None:
    """Use :func:`resolve_by_type` for every event of this process."""
    global rasa_resolve_by_type
    current = Event.__dict__.get("resolve_by_type")
    if not isinstance(current, staticmethod):
        raise RuntimeError(
            "rasa.shared.core.events.Event.resolve_by_type is not the static method "
            "rasa_extensions.event_type_lookup was written for"
        )
    if current.__func__ is not resolve_by_type:
        rasa_resolve_by_type = current.__func__
        Event.resolve_by_type = staticmethod(resolve_by_type)
