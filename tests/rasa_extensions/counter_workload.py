"""The cross-process race every lock store must prevent: a read-modify-write of a counter.

Shared by the SQLite and the Redis lock store tests: PROCESSES forked processes each run
ROUNDS increments of a counter file, each inside the same conversation's lock (or, for the
control run, without it, which loses updates).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

from rasa.core.lock_store import LockStore

CONVERSATION = "same-conversation"
#: Processes and increments per process of the counter workload (4 x 25 = 100).
PROCESSES = 4
ROUNDS = 25
#: Between reading the counter and writing it back. Long enough that, without the lock,
#: concurrent processes are all but certain to overwrite each other's increments.
PAUSE_SECONDS = 0.005
#: Generous limits for a loaded two-core machine; nothing asserts on speed.
WAIT_SECONDS = 120.0


def _increment(counter: Path) -> None:
    """Read-modify-write with a pause in the middle: the race the lock must prevent.

    The write goes through a per-process file and ``os.replace`` so that a reader never
    sees a half-written number; only whole increments can be lost.
    """
    value = int(counter.read_text())
    time.sleep(PAUSE_SECONDS)
    scratch = counter.with_name(f"{counter.name}.{os.getpid()}")
    scratch.write_text(str(value + 1))
    os.replace(scratch, counter)


def _count(store: LockStore, counter: Path, start: Barrier, locked: bool) -> None:
    """One worker process: ROUNDS increments, each inside the conversation's lock or not."""

    async def work() -> None:
        for _ in range(ROUNDS):
            if locked:
                async with store.lock(CONVERSATION):
                    _increment(counter)
            else:
                _increment(counter)

    start.wait(WAIT_SECONDS)  # all processes begin together, so their turns do overlap
    asyncio.run(work())


def run_counters(store: LockStore, counter: Path, locked: bool) -> int:
    """Run the workload in PROCESSES processes; the final count.

    Forked like Sanic's workers (which fork after Rasa has built the lock store), and
    because spawned ones would spend seconds importing Rasa on a loaded machine.
    """
    counter.write_text("0")
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=_count, args=(store, counter, start, locked))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            worker.join(WAIT_SECONDS)
        assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
                worker.join()
    return int(counter.read_text())
