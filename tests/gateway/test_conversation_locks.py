"""The gateway's per-conversation locks: one at a time, in order, and forgotten when unused
(a process that served a million conversations must not keep a million locks)."""

from __future__ import annotations

import asyncio

from handoff.gateway.conversation_locks import ConversationLocks
from handoff.gateway.keys import GATEWAY
from tests.gateway.conftest import (
    ASYNC,
    GatewayClient,
    message_with,
    receive_until,
    shopper_query,
)

pytestmark = ASYNC


async def test_turns_of_one_conversation_run_one_at_a_time_in_order() -> None:
    locks = ConversationLocks()
    events: list[str] = []

    async def turn(name: str) -> None:
        async with locks.held("c1"):
            events.append(f"{name} in")
            await asyncio.sleep(0.05)
            events.append(f"{name} out")

    await asyncio.gather(turn("a"), turn("b"), turn("c"))
    assert events == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert len(locks) == 0


async def test_a_waiter_cancelled_is_forgotten_and_blocks_nobody() -> None:
    locks = ConversationLocks()
    await locks.acquire("c1")
    waiter = asyncio.create_task(locks.acquire("c1"))
    await asyncio.sleep(0.01)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    locks.release("c1")
    assert len(locks) == 0
    async with locks.held("c1"):  # free again
        assert len(locks) == 1


async def test_the_gateway_keeps_no_lock_for_conversations_it_has_answered(
    client: GatewayClient,
) -> None:
    for number in range(5):
        async with client.ws_connect(f"/ws?{shopper_query(f'shopper-lock-{number}')}") as ws:
            await ws.send_json({"type": "message", "client_id": f"m{number}", "text": "在吗"})
            await receive_until(ws, message_with("请选择", "bot"))
    locks = client.server.app[GATEWAY].locks
    for _ in range(100):  # the last turn releases its lock just after its answer is stored
        if len(locks) == 0:
            break
        await asyncio.sleep(0.05)
    assert len(locks) == 0
