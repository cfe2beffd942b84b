"""Gateway latency with 20 shoppers chatting at once: urgent message → console, agent → shopper.

Starts the real Rasa server, the real action server and the handoff gateway
(``python -m handoff serve``) on free ports of 127.0.0.1 against a temporary SQLite case store
(``tests/servers.py``), logs the demo agent in to the console (cookie session, then the
console's WebSocket) and connects SHOPPERS widgets to the shopper WebSocket, each with its own
signed shopper id. Every shopper chats with the assistant (ROUNDS rounds of a short script,
each turn waiting for the bot's answer); URGENT of them send, after the first round, a message
that a safety rule of the triage model catches and then wait for the agent while the others
go on chatting. Measured:

* urgent message sent → the console's queue event listing that conversation as waiting;
* the agent claims it and sends REPLIES replies: reply POSTed → the shopper's WebSocket has it;
* for reference, every ordinary turn: shopper message sent → first bot answer on the WebSocket.

The agent then hands each conversation back to the assistant. Everything runs on 127.0.0.1
and stops at the end (or after --timeout seconds).

    .venv/bin/python bench/gateway_bench.py [--shoppers 20] [--urgent 10] [--replies 5]
                                            [--rounds 3] [--timeout 900]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from bench_stats import percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: ``tests/servers.start_gateway`` runs the gateway with this HANDOFF_SECRET; checked against
#: the storefront's own signature before anything is measured.
GATEWAY_SECRET = b"browser-test-secret"
AGENT_NAME, AGENT_PASSWORD = "demo", "demo1234"  # the demo agent the gateway creates
#: One round of an ordinary shopper's chat with the assistant.
CHAT: tuple[str, ...] = ("你好", "我的投诉到哪了", "谢谢")
#: Messages a safety rule of the triage model catches (smoke and burns, electric shock, fire...).
URGENT: tuple[str, ...] = (
    "充电宝充电时冒烟了，孩子的手被烫伤了",
    "电热水壶漏电，我被电了一下，手现在还麻",
    "吹风机用着用着突然起火了，头发都烧焦了",
    "买的婴儿奶粉吃了以后孩子上吐下泻，已经送医院了",
)
THINK_SECONDS = 0.5  # between a bot answer and the shopper's next message
WAIT_SECONDS = 120.0  # any single wait (ack, bot answer, queue event, agent reply)

#: (row label, timings key), in print order.
ROWS = (
    ("urgent sent → console queue", "urgent"),
    ("agent reply → shopper", "reply"),
    ("shopper turn → bot answer", "bot"),
)


def sign(value: str) -> str:
    """A storefront signature for ``value``, valid for an hour (README "Shop integration")."""
    from handoff.gateway.identity import sign_shopper

    return sign_shopper(GATEWAY_SECRET, value, int(time.time()) + 3600)


def conversation_of(shopper_id: str) -> str:
    """The gateway's conversation id for a signed-in shopper."""
    from handoff.gateway.identity import Identity

    return Identity(shopper_id=shopper_id, anonymous=False).conversation_id


@dataclass
class Shopper:
    """One widget: its WebSocket and what it waits for."""

    shopper_id: str
    ws: aiohttp.ClientWebSocketResponse[bool] | None = None
    acks: dict[str, asyncio.Future[int]] = field(default_factory=dict)
    #: Messages from the bot or the system: (message id, sender, text, arrival time), in order.
    answers: asyncio.Queue[tuple[int, str, str, float]] = field(default_factory=asyncio.Queue)
    #: Agent reply text → when this widget received it.
    agent_texts: dict[str, asyncio.Future[float]] = field(default_factory=dict)
    agent_done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def conversation_id(self) -> str:
        return conversation_of(self.shopper_id)


@dataclass
class Bench:
    """Shared state of one run."""

    base_url: str
    agent_http: aiohttp.ClientSession
    replies: int
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    shoppers: dict[str, Shopper] = field(default_factory=dict)  # by conversation id
    #: Conversation id → when its urgent message was sent.
    urgent_sent: dict[str, float] = field(default_factory=dict)
    agent_tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return "ws" + self.base_url.removeprefix("http")


def pending(table: dict[str, asyncio.Future[Any]], key: str) -> asyncio.Future[Any]:
    """The future for ``key``, created on first use by whichever side gets there first."""
    if key not in table:
        table[key] = asyncio.get_running_loop().create_future()
    return table[key]


# ---------------------------------------------------------------------- shopper side


async def read_widget(shopper: Shopper) -> None:
    """Dispatch what the gateway pushes to one widget."""
    assert shopper.ws is not None
    async for frame in shopper.ws:
        if frame.type != aiohttp.WSMsgType.TEXT:
            continue
        now = time.perf_counter()
        data = json.loads(frame.data)
        if data.get("type") == "ack":
            ack = pending(shopper.acks, str(data.get("client_id")))
            if not ack.done():
                ack.set_result(int(data["id"]))
        elif data.get("type") == "message":
            message = data["message"]
            if message["sender"] in {"bot", "system"}:
                answer = (int(message["id"]), message["sender"], message["text"], now)
                shopper.answers.put_nowait(answer)
            elif message["sender"] == "agent":
                arrived = pending(shopper.agent_texts, message["text"])
                if not arrived.done():
                    arrived.set_result(now)


async def say(
    shopper: Shopper, text: str, sent: dict[str, float] | None = None
) -> tuple[float, int]:
    """Send a message as the widget does; return when it was sent and the id it was stored as.

    ``sent`` gets the send time under the conversation id before the frame leaves, so that
    the console can never see the result before the benchmark knows what it is waiting for.
    """
    assert shopper.ws is not None
    client_id = uuid.uuid4().hex[:16]
    ack = pending(shopper.acks, client_id)
    started = time.perf_counter()
    if sent is not None:
        sent[shopper.conversation_id] = started
    await shopper.ws.send_json({"type": "message", "client_id": client_id, "text": text})
    message_id: int = await asyncio.wait_for(ack, WAIT_SECONDS)
    return started, message_id


async def bot_turn(bench: Bench, shopper: Shopper, text: str) -> None:
    """One ordinary turn: the time until the first bot (or system) message stored after it."""
    while not shopper.answers.empty():  # trailing answers of the previous turn
        shopper.answers.get_nowait()
    started, message_id = await say(shopper, text)
    deadline = started + WAIT_SECONDS
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"no answer to {text!r} for {shopper.shopper_id}")
        answer_id, sender, answer, at = await asyncio.wait_for(shopper.answers.get(), left)
        if answer_id > message_id:
            if sender != "bot":  # e.g. "the assistant is unavailable": not a bot turn
                bench.errors.append(f"{text!r} answered by {sender}: {answer[:40]!r}")
                return
            bench.timings["bot"].append((at - started) * 1000)
            return


async def open_widget(
    bench: Bench, http: aiohttp.ClientSession, shopper: Shopper
) -> aiohttp.ClientWebSocketResponse[bool]:
    """Connect as the widget does (signed shopper id in the query) and check the welcome."""
    query = {
        "shopper": shopper.shopper_id,
        "sig": sign(shopper.shopper_id),
        "anon": "",
        "after": "0",
    }
    ws = await http.ws_connect(f"{bench.ws_url}/ws", params=query)
    welcome = await ws.receive_json(timeout=WAIT_SECONDS)
    if welcome.get("type") != "welcome" or welcome.get("anonymous"):
        await ws.close()
        raise RuntimeError(f"{shopper.shopper_id} was not recognised as signed in: {welcome}")
    shopper.ws = ws
    return ws


async def shopper_session(
    bench: Bench,
    http: aiohttp.ClientSession,
    shopper: Shopper,
    index: int,
    urgent: bool,
    rounds: int,
) -> None:
    ws = await open_widget(bench, http, shopper)
    reader = asyncio.create_task(read_widget(shopper))
    try:
        for round_no in range(rounds):
            for text in CHAT:
                await bot_turn(bench, shopper, text)
                await asyncio.sleep(THINK_SECONDS)
            if urgent and round_no == 0:
                await asyncio.sleep(0.2 * (index % 5))  # spread the urgent ones a little
                await say(shopper, URGENT[index % len(URGENT)], bench.urgent_sent)
                # The assistant is paused now: wait for the agent, who hands back at the end.
                await asyncio.wait_for(shopper.agent_done.wait(), WAIT_SECONDS * 2)
                return
    finally:
        reader.cancel()
        await ws.close()


# ---------------------------------------------------------------------- agent side


async def log_in(http: aiohttp.ClientSession, base_url: str) -> None:
    """The console's login form; the session cookie lands in ``http``'s jar."""
    form = {"name": AGENT_NAME, "password": AGENT_PASSWORD}
    async with http.post(f"{base_url}/agent/login", data=form, allow_redirects=False) as response:
        if response.status != 302:
            raise RuntimeError(f"console login failed: HTTP {response.status}")
    if not any(cookie.key == "handoff_session" for cookie in http.cookie_jar):
        raise RuntimeError("console login set no session cookie")


async def read_console(bench: Bench, ws: aiohttp.ClientWebSocketResponse[bool]) -> None:
    """Watch the queue; the first time an urgent conversation of ours is waiting, handle it."""
    async for frame in ws:
        if frame.type != aiohttp.WSMsgType.TEXT:
            continue
        now = time.perf_counter()
        data = json.loads(frame.data)
        if data.get("type") != "queue":
            continue
        for entry in data["waiting"]:
            conversation_id = entry["conversation_id"]
            sent = bench.urgent_sent.get(conversation_id)
            if sent is None or conversation_id in bench.agent_tasks:
                continue
            if entry["priority"] != "urgent":
                bench.errors.append(f"{conversation_id} queued as {entry['priority']}")
            bench.timings["urgent"].append((now - sent) * 1000)
            bench.agent_tasks[conversation_id] = asyncio.create_task(
                handle(bench, conversation_id, int(entry["entry_id"]))
            )


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with http.post(url, json=body) as response:
        result = await response.json()
        if response.status != 200:
            raise RuntimeError(f"POST {url}: HTTP {response.status} {result}")
        return result


async def handle(bench: Bench, conversation_id: str, entry_id: int) -> None:
    """The agent on one urgent conversation: claim, REPLIES replies, hand back."""
    shopper = bench.shoppers[conversation_id]
    api = f"{bench.base_url}/agent/api"
    try:
        claimed = await post(bench.agent_http, f"{api}/claim", {"entry_id": entry_id})
        if claimed.get("conversation_id") != conversation_id:
            raise RuntimeError(f"claimed {claimed}, expected {conversation_id}")
        for number in range(1, bench.replies + 1):
            text = f"您好，我是人工客服，正在为您处理（{conversation_id[2:10]} 第 {number} 条）"
            arrived = pending(shopper.agent_texts, text)
            started = time.perf_counter()
            url = f"{api}/conversations/{conversation_id}/reply"
            await post(bench.agent_http, url, {"text": text})
            at: float = await asyncio.wait_for(arrived, WAIT_SECONDS)
            bench.timings["reply"].append((at - started) * 1000)
        url = f"{api}/conversations/{conversation_id}/resolve"
        await post(bench.agent_http, url, {"resolution": "explanation", "note": "gateway_bench"})
    except Exception as error:  # reported with the table; the shopper must not wait forever
        bench.errors.append(f"agent on {conversation_id}: {error!r}")
    finally:
        shopper.agent_done.set()


# ---------------------------------------------------------------------- the run


async def check_secret(http: aiohttp.ClientSession, base_url: str) -> None:
    """The storefront signs its demo shopper: make sure we sign with the gateway's secret."""
    async with http.get(f"{base_url}/") as response:
        page = html.unescape(await response.text())
    from handoff.gateway.identity import valid_shopper_signature

    match = re.search(r'data-sig="([0-9]+\.[0-9a-f]{64})"', page)
    if match is None or not valid_shopper_signature(GATEWAY_SECRET, "demo-shopper", match[1]):
        raise RuntimeError("the gateway's HANDOFF_SECRET is not the one this benchmark signs with")


async def warm_up(bench: Bench, http: aiohttp.ClientSession) -> None:
    """One turn first: it loads the assistant's and the screener's lazy resources."""
    shopper = Shopper("bench-warmup")
    ws = await open_widget(bench, http, shopper)
    reader = asyncio.create_task(read_widget(shopper))
    try:
        await bot_turn(bench, shopper, "你好")
    finally:
        reader.cancel()
        await ws.close()
    bench.timings.clear()


async def run(base_url: str, shoppers: int, urgent: int, replies: int, rounds: int) -> Bench:
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    # The console is same-origin only: send the Origin header a browser on the page would.
    headers = {"Origin": base_url}
    jar = aiohttp.CookieJar(unsafe=True)  # accept the session cookie from an IP-address host
    agent_http = aiohttp.ClientSession(timeout=timeout, headers=headers, cookie_jar=jar)
    shopper_http = aiohttp.ClientSession(timeout=timeout, headers=headers)
    async with agent_http, shopper_http:
        bench = Bench(base_url, agent_http, replies)
        people = [Shopper(f"bench-shopper-{index:02d}") for index in range(shoppers)]
        bench.shoppers = {shopper.conversation_id: shopper for shopper in people}
        await check_secret(shopper_http, base_url)
        await warm_up(bench, shopper_http)
        await log_in(agent_http, base_url)
        async with agent_http.ws_connect(f"{bench.ws_url}/agent/ws") as console:
            first = await console.receive_json(timeout=WAIT_SECONDS)
            if first.get("type") != "queue":
                raise RuntimeError(f"the console's first frame is not the queue: {first}")
            watcher = asyncio.create_task(read_console(bench, console))
            try:
                await asyncio.gather(
                    *(
                        shopper_session(bench, shopper_http, shopper, i, i < urgent, rounds)
                        for i, shopper in enumerate(people)
                    )
                )
                await asyncio.gather(*bench.agent_tasks.values())
            finally:
                watcher.cancel()
                for task in bench.agent_tasks.values():
                    task.cancel()
    return bench


def print_table(bench: Bench, shoppers: int, urgent: int, wall: float) -> None:
    print(
        f"\nGateway latency, {shoppers} shoppers chatting at once, {urgent} urgent, "
        f"{bench.replies} agent replies each ({wall:.1f}s wall)"
    )
    print(f"{'measurement':<30}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}{'max ms':>10}")
    for name, key in ROWS:
        values = bench.timings.get(key, [])
        if not values:
            print(f"{name:<30}{0:>6}{'-':>10}{'-':>10}{'-':>10}{'-':>10}")
            continue
        print(
            f"{name:<30}{len(values):>6}{percentile(values, 0.5):>10.0f}"
            f"{percentile(values, 0.99):>10.0f}{statistics.fmean(values):>10.0f}"
            f"{max(values):>10.0f}"
        )
    expected = {"urgent": urgent, "reply": urgent * bench.replies}
    for key, count in expected.items():
        if len(bench.timings.get(key, [])) != count:
            bench.errors.append(f"{key}: {len(bench.timings.get(key, []))} of {count} measured")
    for error in bench.errors:
        print(f"error: {error}")


def main() -> int:
    from tests.servers import missing_prerequisite, start_gateway, start_servers

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=20)
    parser.add_argument("--urgent", type=int, default=10, help="how many of them send one")
    parser.add_argument("--replies", type=int, default=5, help="agent replies per urgent one")
    parser.add_argument("--rounds", type=int, default=3, help="chat rounds per ordinary shopper")
    parser.add_argument("--timeout", type=float, default=900.0, help="for the measured part")
    args = parser.parse_args()
    if not 0 <= args.urgent <= args.shoppers or args.rounds < 1 or args.replies < 1:
        parser.error("need 0 <= --urgent <= --shoppers, --rounds >= 1 and --replies >= 1")
    reason = missing_prerequisite()
    if reason:
        print(f"skipped: {reason}")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        servers = start_servers(Path(folder))
        info = next(servers)
        try:
            gateway = start_gateway(Path(folder), info)
            base_url = next(gateway)
            try:
                started = time.perf_counter()
                bench = asyncio.run(
                    asyncio.wait_for(
                        run(base_url, args.shoppers, args.urgent, args.replies, args.rounds),
                        args.timeout,
                    )
                )
                print_table(bench, args.shoppers, args.urgent, time.perf_counter() - started)
            finally:
                gateway.close()
        finally:
            servers.close()
    return 1 if bench.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
