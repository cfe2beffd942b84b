"""Fuzzing the gateway (issue 9): generated WebSocket frames and HTTP requests, at least
10,000 inputs in all, against the real app on a temporary database (only Rasa is the fake of
tests/gateway/conftest.py). No response may be 5xx, no traceback may be logged, and every
socket must still answer afterwards.

Hypothesis generates the inputs: arbitrary JSON (deep, huge numbers, odd types), frames and
bodies shaped almost like the real ones with one field wrong, and raw text that is not JSON.
After every frame a sentinel frame is sent and its error frame awaited, so each input is
known to have been handled and the socket to be alive. Costs about a minute on two cores.
"""

from __future__ import annotations

import asyncio
import json
import logging
import string
import time
from collections.abc import Awaitable
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from handoff.gateway.app import make_app
from handoff.gateway.rasa import BotReply
from handoff.gateway.settings import Settings
from tests.gateway.conftest import (
    SECRET,
    GatewayClient,
    KeywordScreener,
    login,
    receive_until,
    shopper_query,
)

#: Examples per target; the total is checked against 10,000.
#: Hypothesis examples per target; each example is a batch of BATCH inputs (drawing a batch
#: costs Hypothesis far less per input than one example each).
EXAMPLES = {"shopper_frames": 600, "agent_frames": 200, "agent_http": 100, "shopper_http": 150}
BATCH = 10
ROUND_SECONDS = 30.0  # generous for a batch and its sentinel on a loaded machine
SENTINEL = json.dumps({"type": "sentinel", "client_id": "sentinel"})

numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 2**53, 2**63, 10**25, 1.5, float("nan"), float("inf")]),
)
SPECIAL_TEXTS = [
    "",
    " ",
    "\u202e退款",
    "\x00",
    "长" * 2001,
    "/EXTERNAL_handed_back",
    "转人工",
    "\ud800",
]
texts = st.one_of(st.text(max_size=12), st.sampled_from(SPECIAL_TEXTS))
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=4,
)
FIELDS = (
    "client_id",
    "text",
    "attachment_id",
    "display",
    "after",
    "shopper",
    "sig",
    "anon",
    "conversation_id",
    "entry_id",
    "to",
    "status",
    "resolution",
    "note",
)
#: Almost a real frame or body: a known type and a few fields, any of them possibly wrong.
shaped = st.builds(
    lambda kind, fields, odd: {"type": kind, **fields, **odd},
    st.sampled_from(["message", "typing", "hello", "watch", "x", ""]),
    st.dictionaries(st.sampled_from(FIELDS), scalars, max_size=4),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=1),
)


def _dumps(value: Any) -> str:
    """JSON as a browser would send it; lone surrogates escaped (they cannot travel raw)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


raw_frames = st.one_of(
    shaped.map(_dumps),
    json_values.map(_dumps),
    st.text(max_size=30),
    st.integers(min_value=1, max_value=60_000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=1, max_value=3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
)


class Tally:
    """Inputs tried and responses at 500 or above."""

    def __init__(self) -> None:
        self.inputs = 0
        self.server_errors: list[str] = []

    def response(self, what: str, status: int) -> None:
        self.inputs += 1
        if status >= 500:
            self.server_errors.append(f"{status} {what}")


def _run(loop: asyncio.AbstractEventLoop, work: Awaitable[None]) -> None:
    loop.run_until_complete(work)


async def _frame_round(ws: aiohttp.ClientWebSocketResponse, frames: list[str]) -> None:
    """Send ``frames``, then the sentinel; return when the sentinel is answered (frames are
    handled in order, so by then every frame was, and the socket is alive)."""
    for frame in frames:
        await ws.send_str(frame)
    await ws.send_str(SENTINEL)

    async def answered() -> None:
        while True:
            got = await ws.receive_json()
            if got.get("type") == "error" and got.get("client_id") == "sentinel":
                return

    await asyncio.wait_for(answered(), ROUND_SECONDS)


@pytest.fixture
def tally() -> Tally:
    return Tally()


def test_fuzz_frames_and_requests(
    settings_for_fuzz: Settings,
    tally: Tally,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    caplog.set_level(logging.INFO)
    loop = asyncio.new_event_loop()

    async def start() -> GatewayClient:
        app = make_app(
            settings_for_fuzz, assistant=lambda _c, _s: InstantRasa(), screener=KeywordScreener()
        )
        started: GatewayClient = TestClient(TestServer(app))
        await started.start_server()
        return started

    client = loop.run_until_complete(start())
    try:
        _fuzz(loop, client, tally)
    finally:
        _run(loop, client.close())
        loop.close()
    tracebacks = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    print(
        f"\nfuzz: {tally.inputs} inputs, {len(tally.server_errors)} responses >= 500, "
        f"{len(tracebacks)} tracebacks, {len(errors)} error log records"
    )
    assert tally.inputs >= 10_000
    assert tally.server_errors == []
    assert tracebacks == [] and errors == []


def _fuzz(loop: asyncio.AbstractEventLoop, client: GatewayClient, tally: Tally) -> None:
    def fuzz_settings(examples: int) -> settings:
        return settings(
            max_examples=examples,
            database=None,
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],  # a failure is reported as drawn
            suppress_health_check=list(HealthCheck),
        )

    shopper_ws = loop.run_until_complete(client.ws_connect(f"/ws?{shopper_query()}"))
    _run(loop, receive_until(shopper_ws, lambda f: f["type"] == "history"))

    @fuzz_settings(EXAMPLES["shopper_frames"])
    @given(st.lists(raw_frames, min_size=BATCH, max_size=BATCH))
    def shopper_frames(frames: list[str]) -> None:
        _run(loop, _frame_round(shopper_ws, frames))
        tally.inputs += len(frames)

    started = time.monotonic()
    shopper_frames()
    print(f"shopper_frames: {time.monotonic() - started:.1f} s")
    _run(loop, _still_answers(shopper_ws))
    _run(loop, shopper_ws.close())  # idle from here on: it would miss its heartbeats

    _run(loop, login(client, "alice"))
    agent_ws = loop.run_until_complete(client.ws_connect("/agent/ws"))

    @fuzz_settings(EXAMPLES["agent_frames"])
    @given(st.lists(raw_frames, min_size=BATCH, max_size=BATCH))
    def agent_frames(frames: list[str]) -> None:
        _run(loop, _frame_round(agent_ws, frames))
        tally.inputs += len(frames)

    started = time.monotonic()
    agent_frames()
    print(f"agent_frames: {time.monotonic() - started:.1f} s")
    _run(loop, _still_answers(agent_ws))
    _run(loop, agent_ws.close())

    bodies = st.one_of(
        shaped.map(_dumps).map(str.encode),
        json_values.map(_dumps).map(str.encode),
        st.binary(max_size=80),
    )
    actions = st.sampled_from(["reply", "note", "correct", "status", "transfer", "resolve", "x"])
    path_text = st.text(alphabet=string.printable + "会话", min_size=1, max_size=20)

    @fuzz_settings(EXAMPLES["agent_http"])
    @given(
        st.lists(
            st.tuples(st.integers(0, 3), bodies, actions, path_text), min_size=BATCH, max_size=BATCH
        )
    )
    def agent_http(batch: list[tuple[int, bytes, str, str]]) -> None:
        for args in batch:
            _run(loop, agent_request(*args))

    async def agent_request(route: int, body: bytes, action: str, name: str) -> None:
        cid = quote(name, safe="", errors="surrogatepass")
        if route == 0:
            response = await client.post("/agent/api/claim", data=body)
        elif route == 1:
            response = await client.post(f"/agent/api/conversations/{cid}/{action}", data=body)
        elif route == 2:
            response = await client.get(f"/agent/api/conversations/{cid}")
        else:
            fields = {"name": name, "password": body.decode(errors="replace")}
            response = await client.post("/agent/login", data=fields, allow_redirects=False)
        tally.response(f"agent route {route} {body[:40]!r}", response.status)
        response.release()

    started = time.monotonic()
    agent_http()
    print(f"agent_http: {time.monotonic() - started:.1f} s")

    content_types = st.sampled_from(
        [
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "application/json",
            "text/plain",
            "image/png",
            'multipart/mixed; boundary=""',
        ]
    )
    query_values = st.one_of(texts, numbers.map(str))

    @fuzz_settings(EXAMPLES["shopper_http"])
    @given(
        st.lists(
            st.tuples(st.integers(0, 2), st.binary(max_size=120), content_types, query_values),
            min_size=BATCH,
            max_size=BATCH,
        )
    )
    def shopper_http(batch: list[tuple[int, bytes, str, str]]) -> None:
        for args in batch:
            _run(loop, shopper_request(*args))

    async def shopper_request(route: int, body: bytes, content_type: str, value: str) -> None:
        q = quote(value, safe="", errors="surrogatepass")
        if route == 0:
            response = await client.post(
                f"/api/upload?after={q}&anon={q}&shopper={q}&sig={q}",
                data=body,
                headers={"Content-Type": content_type},
            )
        elif route == 1:
            response = await client.get(f"/attachments/{q or '1'}?t={q}")
        else:
            response = await client.get(f"/ws?after={q}&v={q}&sig={q}")
        tally.response(f"shopper route {route} {value[:40]!r}", response.status)
        response.release()

    started = time.monotonic()
    shopper_http()
    print(f"shopper_http: {time.monotonic() - started:.1f} s")
    # After everything, the gateway still serves a shopper: a new socket, a message acknowledged.
    _run(loop, _serves_a_shopper(client))


async def _serves_a_shopper(client: GatewayClient) -> None:
    async with client.ws_connect(f"/ws?{shopper_query('shopper-after-fuzz')}") as ws:
        await ws.send_json({"type": "message", "client_id": "after", "text": "你好"})
        await receive_until(ws, lambda f: f["type"] == "ack" and f["client_id"] == "after")


async def _still_answers(ws: aiohttp.ClientWebSocketResponse) -> None:
    """After everything: a well-formed message is still acknowledged (after the rate window)."""
    await ws.send_str(SENTINEL)
    await receive_until(ws, lambda f: f.get("client_id") == "sentinel")


class InstantRasa:
    """The outside world's Rasa, answering at once (this test is about the gateway)."""

    async def message(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[BotReply]:
        return [BotReply(text="您好，请问有什么可以帮您？")]

    async def pause(self, conversation_id: str) -> None:
        return None

    async def hand_back(self, conversation_id: str, *, resolved: bool) -> list[BotReply]:
        return [BotReply(text="人工客服已经处理完毕")]


@pytest.fixture
def settings_for_fuzz(db_url: str) -> Settings:
    return Settings(secret=SECRET, database_url=db_url, rasa_url="http://127.0.0.1:9")
