"""RedisTicketLockStore against a real Redis: atomic tickets, order, expiry, the turn budget.

The Redis is the session's ``redis_server`` fixture (tests/cluster/services.py); each test
gets its own key prefix, so nothing leaks between tests.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import secrets
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from rasa.core.actions import action
from rasa.core.lock_store import LockError, LockStore
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers
from rasa.utils import endpoints as rasa_endpoints
from rasa.utils.endpoints import EndpointConfig

from handoff import turn_limits
from rasa_extensions import redis_lock_store, turn_budget
from rasa_extensions.redis_lock_store import RedisTicketLockStore
from tests.cluster.services import RedisServer
from tests.rasa_extensions.counter_workload import (
    CONVERSATION,
    PROCESSES,
    ROUNDS,
    WAIT_SECONDS,
    run_counters,
)
from tests.rasa_extensions.processes import join_or_kill

REPO = Path(__file__).resolve().parents[2]
STORE_TYPE = "rasa_extensions.redis_lock_store.RedisTicketLockStore"
#: Concurrent acquirers per process in the many-acquirers test (x PROCESSES).
ACQUIRERS = 25


@pytest.fixture
def store(redis_server: RedisServer) -> RedisTicketLockStore:
    return RedisTicketLockStore(url=redis_server.url(), key_prefix=f"test:{secrets.token_hex(4)}:")


def run(coroutine: object) -> object:
    return asyncio.run(asyncio.wait_for(coroutine, WAIT_SECONDS))  # type: ignore[arg-type]


def test_turns_of_one_conversation_run_one_at_a_time_in_arrival_order(
    store: RedisTicketLockStore,
) -> None:
    events: list[str] = []

    async def turn(name: str, hold_seconds: float) -> None:
        async with store.lock("c1") as lock:
            assert lock.conversation_id == "c1"
            events.append(f"{name} in")
            await asyncio.sleep(hold_seconds)
            events.append(f"{name} out")

    async def three_turns() -> None:
        first = asyncio.create_task(turn("first", 0.2))
        while not events:
            await asyncio.sleep(0.001)
        second = asyncio.create_task(turn("second", 0.05))
        await asyncio.sleep(0.02)  # the second has its ticket before the third asks
        await turn("third", 0.0)
        await asyncio.gather(first, second)

    run(three_turns())

    assert events == [
        "first in", "first out", "second in", "second out", "third in", "third out"
    ]  # fmt: skip


def test_other_conversations_do_not_wait(store: RedisTicketLockStore) -> None:
    async def both() -> list[str]:
        order: list[str] = []

        async def hold() -> None:
            async with store.lock("slow"):
                await asyncio.sleep(0.5)
                order.append("slow done")

        slow = asyncio.create_task(hold())
        await asyncio.sleep(0.05)
        async with store.lock("other"):
            order.append("other served")
        await slow
        return order

    assert run(both()) == ["other served", "slow done"]


def test_keys_expire_and_vanish_when_the_queue_empties(
    store: RedisTicketLockStore, redis_server: RedisServer
) -> None:
    async def one_turn() -> None:
        async with store.lock("c1"):
            ttl = await store._redis().pttl(f"{store.key_prefix}{{c1}}:queue")
            assert 0 < ttl <= redis_lock_store.KEY_TTL_SECONDS * 1000

    run(one_turn())

    keys = redis_server.command("--scan", "--pattern", f"{store.key_prefix}*").split()
    assert keys == [f"{store.key_prefix}{{c1}}:counter"]  # the counter stays, expiring
    ttl = int(redis_server.command("PTTL", keys[0]))
    assert 0 < ttl <= redis_lock_store.KEY_TTL_SECONDS * 1000


def test_a_dead_waiter_is_skipped_within_its_short_lifetime(
    store: RedisTicketLockStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message whose Rasa process died while it waited must not block the ones after it."""
    monkeypatch.setattr(redis_lock_store, "WAITER_LIFETIME_SECONDS", 0.3)

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        async with store.lock("c1"):
            await store.issue("c1")  # a waiter that never polls again (its process died)
        started = loop.time()
        async with store.lock("c1"):
            return loop.time() - started

    waited = run(scenario())
    assert isinstance(waited, float) and 0.2 < waited < WAIT_SECONDS


def test_a_live_waiter_keeps_its_place_however_long_it_waits(
    store: RedisTicketLockStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_lock_store, "WAITER_LIFETIME_SECONDS", 0.2)
    order: list[str] = []

    async def scenario() -> None:
        async def holder() -> None:
            async with store.lock("c1"):
                await asyncio.sleep(1.0)  # five waiter lifetimes
                order.append("holder")

        task = asyncio.create_task(holder())
        await asyncio.sleep(0.05)
        async with store.lock("c1"):
            order.append("waiter")
        await task

    run(scenario())
    assert order == ["holder", "waiter"]


def test_the_served_ticket_lives_the_lock_lifetime_from_the_start_of_its_turn(
    store: RedisTicketLockStore,
) -> None:
    """Not from its arrival: a message that waited long still gets its whole budget."""

    async def scenario() -> tuple[int, int]:
        ticket = await store.issue("c1")
        assert await store.poll("c1", ticket) == redis_lock_store.SERVED
        expiry = await store._redis().hget(f"{store.key_prefix}{{c1}}:expiries", ticket)
        seconds, micros = await store._redis().time()
        await store.release("c1", ticket)
        return int(expiry), seconds * 1000 + micros // 1000

    expiry, now = run(scenario())  # type: ignore[misc]
    lifetime_ms = store.budget.lock_lifetime * 1000
    assert lifetime_ms - 5000 < expiry - now <= lifetime_ms


def test_a_turn_past_its_budget_is_cancelled_and_frees_the_conversation(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The turn cannot outlive its ticket: cancelled with TurnTimeout, and the next goes."""
    monkeypatch.setenv("RASA_ACTION_TIMEOUT", "0.1")
    monkeypatch.setattr(turn_limits, "OWN_WORK_SECONDS", 0.1)
    monkeypatch.setattr(turn_limits, "TURN_MARGIN_SECONDS", 0.5)
    store = RedisTicketLockStore(
        url=redis_server.url(), key_prefix=f"test:{secrets.token_hex(4)}:", lock_lifetime=1.0
    )
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

    assert run(scenario()) == ["stuck in", "next in"]


def test_someone_elses_cancellation_is_not_a_timeout(store: RedisTicketLockStore) -> None:
    async def scenario() -> None:
        async def turn() -> None:
            async with store.lock("c1"):
                await asyncio.sleep(30)

        task = asyncio.create_task(turn())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with store.lock("c1"):  # released all the same
            pass

    run(scenario())


def test_redis_down_is_a_lock_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_lock_store, "REDIS_RETRY_SECONDS", 0.3)
    from tests.servers import free_port

    store = RedisTicketLockStore(url=f"redis://127.0.0.1:{free_port()}/0")

    async def scenario() -> None:
        async with store.lock("c1"):
            pass

    with pytest.raises(LockError):
        run(scenario())


def test_the_lock_survives_a_redis_restart_between_turns(
    store: RedisTicketLockStore, redis_server: RedisServer
) -> None:
    async def one_turn() -> None:
        async with store.lock("c1"):
            pass

    run(one_turn())
    redis_server.restart()  # the client reconnects, the scripts are loaded again
    run(one_turn())


# Many concurrent acquirers in several processes (several Rasa servers).


def test_lock_excludes_other_processes(store: RedisTicketLockStore, tmp_path: Path) -> None:
    assert run_counters(store, tmp_path / "counter", locked=True) == PROCESSES * ROUNDS


def test_control_without_the_lock_loses_updates(
    store: RedisTicketLockStore, tmp_path: Path
) -> None:
    """The same workload unlocked: shows that the test above can fail."""
    assert run_counters(store, tmp_path / "counter", locked=False) < PROCESSES * ROUNDS


def _acquire_many(
    store: RedisTicketLockStore, start: Barrier, results: Queue[list[tuple[int, int, int]]]
) -> None:
    """ACQUIRERS tasks at once; each records (ticket number, occupancy seen, order served)."""

    async def everyone() -> list[tuple[int, int, int]]:
        client = store._redis()
        occupancy_key = f"{store.key_prefix}occupancy"
        served_key = f"{store.key_prefix}served"

        async def acquirer() -> tuple[int, int, int]:
            ticket = await store.issue(CONVERSATION)
            try:
                await store._wait_until_served(CONVERSATION, ticket)
                inside = int(await client.incr(occupancy_key))
                order = int(await client.incr(served_key))
                await asyncio.sleep(0.001)
                await client.decr(occupancy_key)
            finally:
                await store.release(CONVERSATION, ticket)
            return int(ticket.split(":")[0]), inside, order

        return list(await asyncio.gather(*(acquirer() for _ in range(ACQUIRERS))))

    start.wait(WAIT_SECONDS)
    results.put(asyncio.run(everyone()))


def test_many_concurrent_acquirers_get_distinct_tickets_served_alone_in_order(
    store: RedisTicketLockStore,
) -> None:
    """PROCESSES x ACQUIRERS tickets at once: all distinct, each served alone, by number."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    results: Queue[list[tuple[int, int, int]]] = context.Queue()
    workers = [
        context.Process(target=_acquire_many, args=(store, start, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        seen = [row for _ in range(PROCESSES) for row in results.get(timeout=WAIT_SECONDS)]
    finally:
        join_or_kill(workers, WAIT_SECONDS)

    total = PROCESSES * ACQUIRERS
    assert sorted(ticket for ticket, _, _ in seen) == list(range(1, total + 1))
    assert {inside for _, inside, _ in seen} == {1}  # nobody ever had company
    by_order = [ticket for ticket, _, _ in sorted(seen, key=lambda row: row[2])]
    assert by_order == sorted(by_order)  # served strictly in ticket order


# Configuration.


def test_endpoint_config_builds_the_store_and_bounds_action_calls(
    redis_server: RedisServer,
) -> None:
    store = LockStore.create(EndpointConfig(url=redis_server.url(), type=STORE_TYPE))

    assert isinstance(store, RedisTicketLockStore)
    budget = store.budget
    assert budget.action_timeout < budget.turn_seconds < budget.lock_lifetime
    assert budget.action_timeout == action.DEFAULT_REQUEST_TIMEOUT  # not Rasa's 300 s
    assert budget.action_timeout == rasa_endpoints.DEFAULT_REQUEST_TIMEOUT


def test_a_lifetime_shorter_than_the_action_timeout_is_refused(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa's own pairing (300 s actions, 60 s locks) is the bug: refused at start."""
    monkeypatch.setenv("RASA_ACTION_TIMEOUT", "300")
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "60")

    with pytest.raises(ValueError, match="TICKET_LOCK_LIFETIME"):
        RedisTicketLockStore(url=redis_server.url())


def test_cluster_endpoints_use_this_store_from_redis_url(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bot/endpoints-cluster.yml takes REDIS_URL; Rasa then allows several workers."""
    monkeypatch.setenv("REDIS_URL", redis_server.url())
    monkeypatch.setenv("RASA_TRACKER_URL", "postgresql://u:p@127.0.0.1:1/rasa")
    monkeypatch.setenv("ACTIONS_URL", "http://127.0.0.1:1/webhook")
    monkeypatch.setenv("SANIC_WORKERS", "2")
    endpoints = AvailableEndpoints.read_endpoints(str(REPO / "bot/endpoints-cluster.yml"))

    assert number_of_sanic_workers(endpoints.lock_store) == 2
    store = LockStore.create(endpoints.lock_store)
    assert isinstance(store, RedisTicketLockStore)
    assert store.url == redis_server.url()
