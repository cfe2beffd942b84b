"""Create the tracker store's tables once, before Rasa's worker processes start.

Why: on a fresh SQLite database every worker creates the SQL tracker store's tables at the
same moment, and all but one log ``ERROR Could not create tables: table events already
exists`` (harmless, but an error in a new install's first log). Creating them first, in one
process, keeps the log honest. Idempotent; scripts/run-services calls it on every start:

    .venv-rasa/bin/python -m rasa_extensions.prepare_tracker_store bot/endpoints.yml
"""

from __future__ import annotations

import sys


def prepare(endpoints_path: str) -> str:
    """Build the configured tracker store (SQL stores create missing tables); its kind."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(endpoints_path, "tracker_store")
    store = TrackerStore.create(config)
    return type(store).__name__


def main(argv: list[str] | None = None) -> int:
    """Command line: one argument, the endpoints file."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m rasa_extensions.prepare_tracker_store ENDPOINTS_YML")
        return 2
    print(f"tracker store ready: {prepare(args[0])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
