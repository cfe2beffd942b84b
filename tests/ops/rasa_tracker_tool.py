"""Writes and reads conversations through Rasa's real tracker stores (run by ``.venv-rasa``).

The tests of retention and erasure run in ``.venv``, which has no Rasa; they call this
script so that the rows they delete are rows Rasa wrote, and so that "gone" is what Rasa
itself reads back afterwards. JSON in on stdin, JSON out on stdout:

    write STORE  [{"sender": ..., "texts": [...], "timestamp": unix}, ...]  -> {"saved": n}
    read  STORE  ["sender", ...]  -> {"sender": [user texts Rasa retrieves], ...}

STORE is a SQLite file (our ``SQLiteTrackerStore``) or a ``postgresql://`` URL (Rasa's
``SQLTrackerStore``, as a cluster configures it).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any
from urllib.parse import urlsplit

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_extensions.sqlite_tracker_store import SQLiteTrackerStore

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\n')


def store(target: str) -> Any:
    if not target.startswith("postgresql"):
        return SQLiteTrackerStore(domain=DOMAIN, db=target)
    url = urlsplit(target)
    return SQLTrackerStore(
        domain=DOMAIN,
        dialect="postgresql",
        host=url.hostname,
        port=url.port,
        db=url.path.lstrip("/"),
        username=url.username,
        password=url.password,
    )


async def write(target: str, conversations: list[dict[str, Any]]) -> dict[str, int]:
    tracker_store = store(target)
    for conversation in conversations:
        at = float(conversation["timestamp"])
        events = [
            ActionExecuted("action_session_start", timestamp=at),
            SessionStarted(timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
        ]
        for offset, text in enumerate(conversation["texts"], start=1):
            events.append(
                UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=at + offset)
            )
            events.append(ActionExecuted("action_listen", timestamp=at + offset))
        sender = conversation["sender"]
        await tracker_store.save(DialogueStateTracker.from_events(sender, events, DOMAIN.slots))
    return {"saved": len(conversations)}


async def read(target: str, senders: list[str]) -> dict[str, list[str]]:
    tracker_store = store(target)
    found: dict[str, list[str]] = {}
    for sender in senders:
        tracker = await tracker_store.retrieve_full_tracker(sender)
        texts = (
            []
            if tracker is None
            else [e.text for e in tracker.events if isinstance(e, UserUttered)]
        )
        found[sender] = texts
    return found


def main() -> int:
    command, target = sys.argv[1], sys.argv[2]
    payload = json.load(sys.stdin)
    work = write(target, payload) if command == "write" else read(target, payload)
    print(json.dumps(asyncio.run(work), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
