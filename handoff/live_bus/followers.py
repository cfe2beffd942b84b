"""This process's inboxes by topic: the part both buses share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from handoff.live_bus.base import Event
from handoff.live_bus.inbox import Inbox


class Followers:
    """Which local inboxes follow which topic."""

    def __init__(self) -> None:
        self._topics: dict[str, set[Inbox]] = defaultdict(set)

    def add(self, topic: str, inbox: Inbox) -> bool:
        """Follow; True if ``topic`` had no follower here before."""
        first = topic not in self._topics
        self._topics[topic].add(inbox)
        return first

    def remove(self, topic: str, inbox: Inbox) -> bool:
        """Stop following; True if ``topic`` has no follower here any more."""
        inboxes = self._topics.get(topic)
        if inboxes is None:
            return False
        inboxes.discard(inbox)
        if inboxes:
            return False
        del self._topics[topic]
        return True

    def deliver(self, topic: str, event: Event) -> None:
        for inbox in list(self._topics.get(topic, ())):
            inbox.put(topic, event)

    def topics(self) -> Iterator[str]:
        return iter(list(self._topics))
