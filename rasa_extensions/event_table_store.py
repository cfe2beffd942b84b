"""What our two tracker stores share: Rasa's ``events`` table, read and written by plain SQL,
and failures that fail the turn (``tracker_store_failures``) instead of forking it.

Why plain SQL: profiling 20 conversations in flight put half of every Rasa turn's CPU in
Rasa's SQLTrackerStore's ORM machinery (building and compiling queries, sessions, pooled
connections), to run three small statements. The stores keep everything else Rasa's:

- the table is Rasa's ``events`` table, created by Rasa's own model (Rasa's tools still read
  it, and ``handoff.ops`` deletes from it);
- a tracker is the events since the latest ``session_started``, ordered by id, exactly as
  Rasa's ``_event_query`` selects them, and a save appends the events the table lacks;
- rows are written as Rasa writes them (:func:`event_row`).

Subclasses (``sqlite_tracker_store``, ``postgres_tracker_store``) give the three
statements' plumbing for their database; this class runs them through
:func:`~rasa_extensions.tracker_store_failures.guarded`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, ClassVar, Final

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from rasa_extensions.tracker_store_failures import guarded, refuse_fail_safe

#: The columns an event fills, in the order of :data:`INSERT`.
COLUMNS: Final = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")
#: Named parameters: both sqlite3 and SQLAlchemy's ``text()`` take ``:name``.
INSERT: Final = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join(':' + c for c in COLUMNS)})"
)


def event_row(sender_id: str, event: Any) -> dict[str, Any]:
    """The ``events`` row of ``event`` (``json.dumps`` of ``event.as_dict()``, as Rasa)."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class EventTableStore(SQLTrackerStore):
    """Rasa's SQL store, its three operations on a plain connection, failing loudly."""

    #: ``tracker_store_failures.refuse_fail_safe``: Rasa's Agent uses this store unwrapped.
    refuses_fail_safe: ClassVar[bool] = True
    #: Errors worth retrying (the database restarting); anything else fails at once.
    transient_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def _refuse_fail_safe(self) -> None:
        """Subclasses call this from their constructor (Rasa builds the Agent next)."""
        refuse_fail_safe()

    def _sender_ids(self) -> list[str]:
        raise NotImplementedError

    def _read_events(self, sender_id: str, all_sessions: bool) -> list[dict[str, Any]]:
        """The conversation's event dicts, oldest first (latest session unless all)."""
        raise NotImplementedError

    def _append_new_events(self, tracker: DialogueStateTracker) -> None:
        """In one transaction: count the stored events of the session, insert the rest."""
        raise NotImplementedError

    async def keys(self) -> Iterable[str]:
        """The conversation ids with at least one event."""
        return await guarded("retrieve", "(all)", self._sender_ids, self.transient_errors)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The conversation's tracker (latest session only, unless asked for all)."""
        events = await guarded(
            "retrieve",
            sender_id,
            lambda: self._read_events(sender_id, fetch_events_from_all_sessions),
            self.transient_errors,
        )
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's events the table does not have yet (idempotent: a save
        retried after a commit whose answer was lost appends nothing twice)."""
        await self.stream_events(tracker)
        await guarded(
            "save",
            tracker.sender_id,
            lambda: self._append_new_events(tracker),
            self.transient_errors,
        )
