"""The claim race, many times: several agents claim one queued conversation at the same moment.

Each trial queues a conversation, then ``--agents`` threads (each with its own database
session, released together by a barrier) call ``handoff.queue.claim_entry`` and commit.
Exactly one must win and every other must be told the conversation is taken
(``QueueConflictError``). Prints the counts; exits non-zero if any trial had zero or several
winners or an unexpected error. ``DATABASE_URL`` selects the database (default: a temporary
SQLite file, as ``make run`` uses).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path


def run(trials: int, agents: int, url: str) -> Counter[str]:
    from handoff.db import make_session_factory, prepare_database, transaction
    from handoff.models import HandoffEntry
    from handoff.queue import QueueConflictError, claim_entry, queue_for_human

    factory = make_session_factory(prepare_database(url))
    outcomes: Counter[str] = Counter()
    for trial in range(trials):
        with transaction(factory) as session:
            entry_id = queue_for_human(
                session,
                None,
                conversation_id=f"race-{trial}",
                shopper_id="bench-shopper",
                reason="claim race",
                priority="urgent",
            ).id
        barrier = threading.Barrier(agents)
        results: list[str] = []
        lock = threading.Lock()

        def claim(
            agent: str,
            entry_id: int = entry_id,
            barrier: threading.Barrier = barrier,
            results: list[str] = results,
            lock: threading.Lock = lock,
        ) -> None:
            try:
                with transaction(factory) as session:
                    entry = session.get(HandoffEntry, entry_id)
                    assert entry is not None
                    barrier.wait(timeout=60)
                    claim_entry(session, entry, agent=agent)
                outcome = "won"
            except QueueConflictError:
                outcome = "told it is taken"
            except Exception as error:  # any other outcome is a failure, reported below
                outcome = f"error: {type(error).__name__}: {error}"
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=claim, args=(f"agent{n}",)) for n in range(agents)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = results.count("won")
        outcomes[
            "trials with exactly one winner" if winners == 1 else f"trials with {winners} winners"
        ] += 1
        outcomes.update(results)
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL", f"sqlite:///{Path(tmp) / 'race.db'}")
        began = time.perf_counter()
        outcomes = run(args.trials, args.agents, url)
        seconds = time.perf_counter() - began
    print(f"{args.trials} trials x {args.agents} agents claiming at once ({seconds:.1f} s):")
    for name, count in sorted(outcomes.items()):
        print(f"  {name:<40} {count}")
    good = outcomes["trials with exactly one winner"] == args.trials and not any(
        name.startswith("error") for name in outcomes
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
