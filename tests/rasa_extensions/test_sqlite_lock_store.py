"""SQLiteLockStore: Rasa's ticket-lock semantics, and mutual exclusion across processes.

The store exists so that several Rasa worker processes can serve at once without two of them
handling the same conversation at the same time; the cross-process tests below check exactly
that, next to a control run without the lock that shows the workload does lose updates.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import sqlite3
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from rasa.core.actions import action
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers
from rasa.utils import endpoints as rasa_endpoints
from rasa.utils.endpoints import EndpointConfig

from handoff import turn_limits
from rasa_extensions import turn_budget
from rasa_extensions.sqlite_lock_store import SQLiteLockStore
from tests.rasa_extensions.counter_workload import (
    CONVERSATION,
    PAUSE_SECONDS,
    PROCESSES,
    ROUNDS,
    WAIT_SECONDS,
    run_counters,
)
from tests.rasa_extensions.processes import join_or_kill

REPO = Path(__file__).resolve().parents[2]
STORE_TYPE = "rasa_extensions.sqlite_lock_store.SQLiteLockStore"


@pytest.fixture
def store(tmp_path: Path) -> SQLiteLockStore:
    return SQLiteLockStore(path=str(tmp_path / "locks.db"))


def ticket_numbers(store: SQLiteLockStore, conversation_id: str) -> list[int]:
    """The stored tickets as they are, expired ones included (``from_dict`` keeps them)."""
    lock = store.get_lock(conversation_id)
    assert lock is not None
    return [ticket.number for ticket in lock.tickets]


# Rasa's ticket-lock semantics, in one process.


def test_tickets_are_issued_in_order(store: SQLiteLockStore) -> None:
    assert [store.issue_ticket("c1") for _ in range(3)] == [0, 1, 2]
    assert store.issue_ticket("c2") == 0  # every conversation has its own queue
    assert ticket_numbers(store, "c1") == [0, 1, 2]


def test_second_ticket_is_locked_until_the_first_is_served(store: SQLiteLockStore) -> None:
    first, second = store.issue_ticket("c1"), store.issue_ticket("c1")
    lock = store.get_lock("c1")
    assert lock is not None
    assert not lock.is_locked(first)
    assert lock.is_locked(second)

    store.finish_serving("c1", first)

    lock = store.get_lock("c1")
    assert lock is not None
    assert not lock.is_locked(second)


def test_cleanup_deletes_the_lock_only_when_nobody_waits(store: SQLiteLockStore) -> None:
    first, second = store.issue_ticket("c1"), store.issue_ticket("c1")

    store.cleanup("c1", first)
    assert ticket_numbers(store, "c1") == [second]  # kept: the second ticket still waits

    store.cleanup("c1", second)
    assert store.get_lock("c1") is None


def test_update_lock_drops_expired_tickets(store: SQLiteLockStore) -> None:
    """A worker that died mid-turn must not block its conversation for good."""
    live = store.issue_ticket("c1")
    expired = store.issue_ticket("c1", lock_lifetime=-1)  # expired at once
    assert ticket_numbers(store, "c1") == [live, expired]

    store.update_lock("c1")

    assert ticket_numbers(store, "c1") == [live]


def test_lock_store_errors_surface_as_lock_errors(tmp_path: Path) -> None:
    """Rasa expects LockError from issue_ticket; a directory is no database file."""
    with pytest.raises(LockError):
        SQLiteLockStore(path=str(tmp_path)).issue_ticket("c1")


def test_async_lock_serialises_turns_of_one_conversation(store: SQLiteLockStore) -> None:
    """Inside ``async with`` the turn holds the lock; a second turn waits, then runs."""
    events: list[str] = []

    async def turn(name: str, hold_seconds: float) -> None:
        async with store.lock("c1") as lock:
            events.append(f"{name} in")
            assert store.get_lock("c1") is not None
            assert lock.conversation_id == "c1"
            await asyncio.sleep(hold_seconds)
            events.append(f"{name} out")

    async def two_turns() -> None:
        first = asyncio.create_task(turn("first", 0.2))
        while not events:  # the first turn holds the lock before the second asks
            await asyncio.sleep(0.001)
        await asyncio.wait_for(turn("second", 0.0), WAIT_SECONDS)
        await first

    asyncio.run(two_turns())

    assert events == ["first in", "first out", "second in", "second out"]
    assert store.get_lock("c1") is None  # cleaned up: nobody waits any more


def test_async_lock_goes_past_a_dead_workers_ticket(store: SQLiteLockStore) -> None:
    """The waiter's update_lock drops the expired ticket and the turn goes ahead."""
    dead = store.issue_ticket("c1", lock_lifetime=0.3)

    async def turn() -> list[int]:
        async with store.lock("c1") as lock:
            return [ticket.number for ticket in lock.tickets]

    held = asyncio.run(asyncio.wait_for(turn(), WAIT_SECONDS))

    assert dead not in held
    assert held == [dead + 1]


# The turn budget (rasa_extensions.turn_budget), as on the Redis lock store.


def test_the_store_bounds_action_calls_inside_its_lock_lifetime(store: SQLiteLockStore) -> None:
    """Rasa's pairing (300 s action calls, 60 s locks) let a slow action's conversation run a
    second turn; the store replaces both (90 s calls, 150 s tickets)."""
    budget = store.budget
    assert budget.lock_lifetime == turn_limits.DEFAULT_LOCK_LIFETIME_SECONDS
    assert budget.action_timeout < budget.turn_seconds < budget.lock_lifetime
    assert budget.action_timeout == action.DEFAULT_REQUEST_TIMEOUT  # not Rasa's 300 s
    assert budget.action_timeout == rasa_endpoints.DEFAULT_REQUEST_TIMEOUT


def test_a_lifetime_shorter_than_the_action_timeout_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RASA_ACTION_TIMEOUT", "300")
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "60")

    with pytest.raises(ValueError, match="TICKET_LOCK_LIFETIME"):
        SQLiteLockStore(path=str(tmp_path / "locks.db"))


def short_budget_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lock_lifetime: float
) -> SQLiteLockStore:
    """A store whose limits are seconds, not minutes (the same rule, scaled down)."""
    monkeypatch.setenv("RASA_ACTION_TIMEOUT", "0.1")
    monkeypatch.setattr(turn_limits, "OWN_WORK_SECONDS", 0.1)
    monkeypatch.setattr(turn_limits, "TURN_MARGIN_SECONDS", 0.5)
    return SQLiteLockStore(path=str(tmp_path / "locks.db"), lock_lifetime=lock_lifetime)


def test_a_turn_past_its_budget_is_cancelled_and_frees_the_conversation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = short_budget_store(tmp_path, monkeypatch, lock_lifetime=1.0)
    assert store.budget.turn_seconds == pytest.approx(0.5)

    async def scenario() -> list[str]:
        order: list[str] = []

        async def stuck() -> None:
            async with store.lock("c1"):
                order.append("stuck in")
                await asyncio.sleep(30)
                order.append("never")

        task = asyncio.create_task(stuck())
        await asyncio.sleep(0.05)
        async with store.lock("c1"):
            order.append("next in")
        with pytest.raises(turn_budget.TurnTimeout):
            await task
        return order

    assert asyncio.run(asyncio.wait_for(scenario(), WAIT_SECONDS)) == ["stuck in", "next in"]


def test_queued_turns_never_overlap_however_long_they_waited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three messages at once, each turn taking most of the budget: served one at a time.

    With Rasa's tickets (expiry counted from each message's arrival) the second turn's
    ticket ran out while it was being served and the third came in beside it, or the third's
    ran out while it waited and it failed with LockError.
    """
    store = short_budget_store(tmp_path, monkeypatch, lock_lifetime=3.0)
    hold = 2.0  # within the turn budget (2.5 s), more than half the lifetime
    events: list[str] = []

    async def turn(name: str) -> None:
        async with store.lock("c1"):
            events.append(f"{name} in")
            await asyncio.sleep(hold)
            events.append(f"{name} out")

    async def three_turns() -> None:
        tasks = []
        for name in ("first", "second", "third"):
            tasks.append(asyncio.create_task(turn(name)))
            await asyncio.sleep(0.1)  # arrival order
        await asyncio.gather(*tasks)

    asyncio.run(asyncio.wait_for(three_turns(), WAIT_SECONDS))

    expected = [f"{n} {side}" for n in ("first", "second", "third") for side in ("in", "out")]
    assert events == expected
    assert store.get_lock("c1") is None


# How Rasa builds it from endpoints.yml.


def test_endpoint_config_builds_the_store_on_the_configured_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "locks.db"

    store = LockStore.create(EndpointConfig(type=STORE_TYPE, db=str(path)))

    assert isinstance(store, SQLiteLockStore)
    assert store.path == path
    store.issue_ticket("c1")
    assert path.is_file()


def test_sanic_runs_the_requested_workers_with_this_lock_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa refuses SANIC_WORKERS > 1 with an in-memory lock store; ours must be accepted."""
    monkeypatch.setenv("SANIC_WORKERS", "2")

    assert number_of_sanic_workers(EndpointConfig(type=STORE_TYPE, db=str(tmp_path))) == 2
    assert number_of_sanic_workers(EndpointConfig(type="in_memory")) == 1  # the control


def test_project_endpoints_use_this_lock_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """bot/endpoints.yml (which scripts/run-services runs) gets two workers and our store."""
    monkeypatch.setenv("SANIC_WORKERS", "2")
    endpoints = AvailableEndpoints.read_endpoints(str(REPO / "bot/endpoints.yml"))

    assert number_of_sanic_workers(endpoints.lock_store) == 2
    store = LockStore.create(endpoints.lock_store)  # opens nothing until first used
    assert isinstance(store, SQLiteLockStore)
    assert store.path == Path("var/rasa_locks.db")


# Several processes.


def test_lock_excludes_other_processes(store: SQLiteLockStore, tmp_path: Path) -> None:
    store.get_lock(CONVERSATION)  # the children inherit an open connection: they must not use it

    assert run_counters(store, tmp_path / "counter", locked=True) == PROCESSES * ROUNDS
    assert store.get_lock(CONVERSATION) is None  # the last turn cleaned up


def test_control_without_the_lock_loses_updates(store: SQLiteLockStore, tmp_path: Path) -> None:
    """The same workload unlocked: shows that the test above can fail."""
    assert run_counters(store, tmp_path / "counter", locked=False) < PROCESSES * ROUNDS


class SlowReadLockStore(SQLiteLockStore):
    """Pauses after every read of a lock, to widen any gap between reading and writing it."""

    def _read(self, connection: sqlite3.Connection, conversation_id: str) -> TicketLock | None:
        lock = super()._read(connection, conversation_id)
        time.sleep(PAUSE_SECONDS)
        return lock


def _issue_tickets(store: SQLiteLockStore, start: Barrier, results: Queue[list[int]]) -> None:
    start.wait(WAIT_SECONDS)
    results.put([store.issue_ticket(CONVERSATION) for _ in range(ROUNDS)])


def test_tickets_issued_by_concurrent_processes_are_all_distinct(tmp_path: Path) -> None:
    """Issuing is one transaction: no two processes get the same ticket, none is lost.

    A get-then-save issue (Rasa's base class) fails this with the slow reads.
    """
    store = SlowReadLockStore(path=str(tmp_path / "locks.db"))
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    results: Queue[list[int]] = context.Queue()
    workers = [
        context.Process(target=_issue_tickets, args=(store, start, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        issued = sorted(
            ticket for _ in range(PROCESSES) for ticket in results.get(timeout=WAIT_SECONDS)
        )
    finally:
        join_or_kill(workers, WAIT_SECONDS)

    assert issued == list(range(PROCESSES * ROUNDS))
    assert ticket_numbers(store, CONVERSATION) == issued


# Process start: Sanic forks its workers after Rasa has built the lock store.


def test_store_with_an_open_connection_pickles(store: SQLiteLockStore) -> None:
    ticket = store.issue_ticket("c1")

    clone = pickle.loads(pickle.dumps(store))

    assert isinstance(clone, SQLiteLockStore)
    assert clone.path == store.path
    assert ticket_numbers(clone, "c1") == [ticket]  # same file, its own connection


def _issue_in_child(store: SQLiteLockStore, results: Queue[dict[str, Any]]) -> None:
    inherited = store._connection
    ticket = store.issue_ticket("c1")
    results.put(
        {
            "ticket": ticket,
            "own_connection": store._connection is not inherited,
            "connection_pid_is_own": store._connection_pid == os.getpid(),
        }
    )


def test_forked_child_opens_its_own_connection(store: SQLiteLockStore) -> None:
    """SQLite connections must not cross fork(); the child reopens and shares the file."""
    first = store.issue_ticket("c1")
    parent_connection = store._connection
    context = multiprocessing.get_context("fork")
    results: Queue[dict[str, Any]] = context.Queue()
    child = context.Process(target=_issue_in_child, args=(store, results))
    child.start()
    try:
        result = results.get(timeout=WAIT_SECONDS)
        child.join(WAIT_SECONDS)
    finally:
        if child.is_alive():
            child.kill()
            child.join()

    assert child.exitcode == 0
    assert result == {"ticket": first + 1, "own_connection": True, "connection_pid_is_own": True}
    assert store._connection is parent_connection  # the parent keeps its own
    assert ticket_numbers(store, "c1") == [first, first + 1]  # the child's ticket is shared
