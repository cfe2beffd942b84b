"""Writes and reads conversations through Rasa's real tracker stores (run by ``.venv-rasa``).

The tests of retention and erasure run in ``.venv``, which has no Rasa; they call this
script so that the rows they delete are rows Rasa wrote, and so that "gone" is what Rasa
itself reads back afterwards. JSON in on stdin, JSON out on stdout:

    write STORE  [{"sender": ..., "texts": [...], "timestamp": unix}, ...]  -> {"saved": n}
    read  STORE  ["sender", ...]  -> {"sender": [user texts Rasa retrieves], ...}

STORE is a SQLite file (our ``SQLiteTrackerStore``) or a ``postgresql://`` URL (Rasa's
``SQLTrackerStore``, as a cluster configures it).

``serve`` answers many such requests from one process (importing Rasa's stores costs ~13 s,
TensorFlow included): one JSON request a line on stdin, ``{"command", "store", "payload"}``,
one line ``ANSWER_PREFIX`` + ``{"ok": answer}`` or ``{"error": traceback}`` on stdout each,
until stdin closes. Every request builds its store anew, as one run per request did.
"""

from __future__ import annotations

import asyncio
import json
import sys
import traceback
from typing import Any
from urllib.parse import urlsplit

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_extensions.sqlite_tracker_store import SQLiteTrackerStore

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\n')
#: Marks ``serve``'s answer lines (anything else a library prints is not one).
ANSWER_PREFIX = "TRACKER-TOOL-ANSWER "


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


def close(tracker_store: Any) -> None:
    """Close the store's connections, as the end of a one-request run did: the last SQLite
    connection to close moves the write-ahead log into the file (the tests copy the file)."""
    connection = getattr(tracker_store, "_connection", None)
    if connection is not None:
        connection.close()
    engine = getattr(tracker_store, "engine", None)
    if engine is not None:
        engine.dispose()


async def write(target: str, conversations: list[dict[str, Any]]) -> dict[str, int]:
    tracker_store = store(target)
    try:
        return await _write(tracker_store, conversations)
    finally:
        close(tracker_store)


async def _write(tracker_store: Any, conversations: list[dict[str, Any]]) -> dict[str, int]:
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
    try:
        return await _read(tracker_store, senders)
    finally:
        close(tracker_store)


async def _read(tracker_store: Any, senders: list[str]) -> dict[str, list[str]]:
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


def run(command: str, target: str, payload: Any) -> Any:
    work = write(target, payload) if command == "write" else read(target, payload)
    return asyncio.run(work)


def serve() -> int:
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = {"ok": run(request["command"], request["store"], request["payload"])}
        except Exception:
            answer = {"error": traceback.format_exc()}
        print(ANSWER_PREFIX + json.dumps(answer, ensure_ascii=False), flush=True)
    return 0


def main() -> int:
    if sys.argv[1] == "serve":
        return serve()
    command, target = sys.argv[1], sys.argv[2]
    print(json.dumps(run(command, target, json.load(sys.stdin)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
