"""Live updates between the gateway's processes: who must re-read what, and typing.

The database stays the truth; the bus only says "conversation X has message N" (with the
message, so a view can show it without a read), "the queue changed", "the agent is
typing". Two implementations:

- :class:`~handoff.live_bus.local.LocalBus` (the default, ``make run`` on SQLite): within one
  process; views also re-read the database every second, which is how a second process on
  the same SQLite file is noticed.
- :class:`~handoff.live_bus.redis_bus.RedisBus` (``REDIS_URL`` set, ``make run-cluster``):
  Redis pub/sub between any number of gateways, with typing as Redis keys that expire.

Each live view owns an :class:`~handoff.live_bus.inbox.Inbox`: bounded, typing dropped
first, the view closed when it still overflows (a socket that never reads).
"""

from __future__ import annotations

from handoff.live_bus.base import LiveBus
from handoff.live_bus.inbox import Inbox
from handoff.live_bus.local import LocalBus


def make_bus(redis_url: str) -> LiveBus:
    """Redis pub/sub when ``redis_url`` is set, else the in-process bus."""
    if not redis_url:
        return LocalBus()
    from handoff.live_bus.redis_bus import RedisBus  # imports redis only when used

    return RedisBus(redis_url)


__all__ = ["Inbox", "LiveBus", "LocalBus", "make_bus"]
