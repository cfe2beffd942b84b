"""Two real Rasa servers on a real PostgreSQL (tracker store) and Redis (lock store), attacked.

Issue 14's fault tests for the Rasa side, on the package's Rasa pair (starting Rasa costs
most of a minute); test 1, bursts through two gateways onto both servers, is in
``test_gateway_burst_faults.py``:

4. PostgreSQL stopped with ``-m immediate`` under load, started again: served again within
   30 s, 0 acknowledged messages lost, 0 silent forks (no in-memory fallback, ever);
5. an action that takes 70 s (the action server stalled with SIGSTOP: a real, slow action
   server) with messages queued behind it on both servers: 0 overlapping turns.

A turn counts as acknowledged when Rasa answered it (HTTP 200 with at least one reply).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from typing import Any

import aiohttp
import pytest

from handoff.gateway.channel_signature import SIGNATURE_HEADER, channel_signature
from tests.cluster.rasa_cluster import RasaCluster, assert_no_fork, user_turns
from tests.cluster.services import PostgresServer
from tests.servers import Servers

pytestmark = pytest.mark.slow

#: Test 4: conversations chatting while PostgreSQL goes down for OUTAGE_SECONDS.
CHATTERS = 20
OUTAGE_SECONDS = 5.0
BACK_WITHIN_SECONDS = 30.0
#: Test 5: how long the action server stalls (Rasa's own lock lifetime is 60 s).
STALL_SECONDS = 70.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=240)


async def say(
    session: aiohttp.ClientSession, server: Servers, sender: str, text: str
) -> list[dict[str, Any]]:
    """One signed REST-channel turn, as the gateway sends it; Rasa's replies."""
    data = json.dumps({"sender": sender, "message": text}, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: channel_signature(server.secrets["RASA_CHANNEL_SECRET"], data),
    }
    async with session.post(
        f"{server.rasa_url}/webhooks/rest/webhook", data=data, headers=headers
    ) as response:
        response.raise_for_status()
        replies: list[dict[str, Any]] = await response.json()
        return replies


def test_the_turn_check_catches_overlapping_and_lost_turns() -> None:
    """What the checks below look for: a turn begun inside another, events out of order."""
    listen = {"event": "action", "name": "action_listen"}
    whole = [
        {**listen, "timestamp": 1},
        {"event": "user", "text": "a", "timestamp": 2},
        {"event": "bot", "timestamp": 3},
        {**listen, "timestamp": 4},
    ]
    assert user_turns(whole) == ["a"]
    overlapped = [*whole[:3], {"event": "user", "text": "b", "timestamp": 3.5}, whole[3]]
    with pytest.raises(AssertionError, match="inside another turn"):
        user_turns(overlapped)
    with pytest.raises(AssertionError, match="out of order"):
        user_turns([whole[0], whole[2], whole[1], whole[3]])


def test_postgres_immediate_stop_under_load_loses_no_acknowledged_message(
    cluster: RasaCluster, postgres_server: PostgresServer
) -> None:
    run = uuid.uuid4().hex[:6]
    restarted_at: list[float] = []
    acknowledged: dict[str, list[str]] = {}
    answered_at: list[float] = []
    failed: list[str] = []

    async def chatter(session: aiohttp.ClientSession, number: int, stop_at: float) -> None:
        sender = f"outage-{run}-{number}"
        acknowledged[sender] = []
        turn = 0
        while time.monotonic() < stop_at:
            text = f"你好 {turn}"
            server = cluster.servers[(number + turn) % len(cluster.servers)]
            if await say(session, server, sender, text):
                acknowledged[sender].append(text)
                answered_at.append(time.monotonic())
            else:
                failed.append(text)
            turn += 1

    async def outage() -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(3.0)
        await loop.run_in_executor(None, lambda: postgres_server.stop(mode="immediate"))
        await asyncio.sleep(OUTAGE_SECONDS)
        await loop.run_in_executor(None, postgres_server.start)
        restarted_at.append(time.monotonic())

    async def scenario() -> None:
        stop_at = time.monotonic() + 3.0 + OUTAGE_SECONDS + 15.0
        async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
            await asyncio.gather(outage(), *(chatter(session, n, stop_at) for n in range(CHATTERS)))

    try:
        asyncio.run(scenario())
    finally:
        if not postgres_server.is_running():
            postgres_server.start()

    (restart,) = restarted_at
    after = [moment for moment in answered_at if moment >= restart]
    assert after, "no turn was answered after PostgreSQL came back"
    assert after[0] - restart < BACK_WITHIN_SECONDS
    print(f"\nfirst answer {after[0] - restart:.1f} s after the restart; {len(failed)} failed")
    for sender, texts in acknowledged.items():
        assert user_turns(cluster.tracker_events(sender)) == texts, sender  # exactly these
    if failed:  # a turn that could not be saved was an error in the log, never silent
        assert "tracker store: save of" in cluster.logs()
    assert_no_fork(cluster)


def test_a_70_second_action_lets_no_queued_message_overlap_it(cluster: RasaCluster) -> None:
    """SIGSTOP stalls the action server: the progress query's action call takes 70 s."""
    sender = f"slow-{uuid.uuid4().hex[:6]}"
    queued = ["你好 一", "你好 二", "你好 三"]
    finished: dict[str, float] = {}

    async def send(session: aiohttp.ClientSession, server: Servers, text: str) -> None:
        assert await say(session, server, sender, text), text
        finished[text] = time.monotonic()

    async def scenario() -> None:
        async with aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session:
            await send(session, cluster.servers[0], "你好")  # the session has started
            os.killpg(cluster.actions.pid, signal.SIGSTOP)
            try:
                slow = asyncio.create_task(send(session, cluster.servers[0], "我的投诉到哪了"))
                others = []
                for index, text in enumerate(queued):
                    await asyncio.sleep(1.0)
                    server = cluster.servers[(index + 1) % len(cluster.servers)]
                    others.append(asyncio.create_task(send(session, server, text)))
                await asyncio.sleep(STALL_SECONDS - len(queued))
            finally:
                os.killpg(cluster.actions.pid, signal.SIGCONT)
            await asyncio.gather(slow, *others)

    asyncio.run(scenario())

    texts = user_turns(cluster.tracker_events(sender))
    assert texts == ["你好", "我的投诉到哪了", *queued]  # in arrival order, each once
    assert all(finished[text] > finished["我的投诉到哪了"] for text in queued)
    assert_no_fork(cluster)
