"""The chat widget's side of the gateway's WebSocket, for benchmarks: protocol 2, as
``handoff/static/widget.js`` speaks it.

A :class:`Widget` connects to ``/ws?v=2``, sends the ``hello`` frame with a signed shopper id
(signed with ``gateway_bench.GATEWAY_SECRET`` as the storefront signs it), and then sends
messages with a ``client_id``, waits for their ``ack`` and for the assistant's answer. Each
widget connects from its own loopback address (127.x.y.z; Linux answers on all of 127/8), so
that the gateway's per-address rate limit (README "Rate limits") sees one shopper per
address, as it would on the internet, instead of thousands behind 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from gateway_bench import sign

#: Any single wait (the ack, the assistant's answer) longer than this is an error.
WAIT_SECONDS = 60.0


class TurnFailed(Exception):
    """The gateway refused the message, or the answer came from the system, not the bot."""


def loopback_address(number: int) -> str:
    """A distinct address in 127.0.0.0/8 for each ``number`` (no .0 or .255 octet)."""
    low, number = number % 254 + 1, number // 254
    middle, number = number % 254 + 1, number // 254
    return f"127.{number % 254 + 1}.{middle}.{low}"


@dataclass
class Widget:
    """One shopper's open widget: its own HTTP session (own source address) and socket."""

    shopper_id: str
    http: aiohttp.ClientSession
    ws: aiohttp.ClientWebSocketResponse[bool]
    acks: dict[str, asyncio.Future[int]] = field(default_factory=dict)
    #: The assistant's and the system's messages, in arrival order, with their arrival time.
    answers: asyncio.Queue[tuple[dict[str, Any], float]] = field(default_factory=asyncio.Queue)
    #: Every bot message so far (the quick-reply buttons are looked up here).
    bot_messages: list[dict[str, Any]] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                await self.reader
        with contextlib.suppress(aiohttp.ClientError, OSError):
            await self.ws.close()
        await self.http.close()

    async def _read(self) -> None:
        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            now = time.perf_counter()
            data = json.loads(frame.data)
            kind = data.get("type")
            if kind == "ack":
                future = self.acks.pop(str(data.get("client_id")), None)
                if future is not None and not future.done():
                    future.set_result(int(data["id"]))
            elif kind == "error":
                future = self.acks.pop(str(data.get("client_id")), None)
                if future is not None and not future.done():
                    future.set_exception(TurnFailed(f"refused: {data.get('message')}"))
            elif kind == "message" and data["message"]["sender"] in {"bot", "system"}:
                message = data["message"]
                if message["sender"] == "bot":
                    self.bot_messages.append(message)
                self.answers.put_nowait((message, now))

    async def turn(self, text: str, display: str | None = None) -> tuple[float, dict[str, Any]]:
        """Send ``text``; the seconds until the first answer stored after it, and that answer."""
        while not self.answers.empty():  # the rest of the previous turn's answer
            self.answers.get_nowait()
        client_id = uuid.uuid4().hex[:16]
        ack: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.acks[client_id] = ack
        frame: dict[str, Any] = {"type": "message", "client_id": client_id, "text": text}
        if display:
            frame["display"] = display
        started = time.perf_counter()
        await self.ws.send_json(frame)
        message_id = await asyncio.wait_for(ack, WAIT_SECONDS)
        deadline = started + WAIT_SECONDS
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no answer to {text!r} within {WAIT_SECONDS:.0f} s")
            answer, at = await asyncio.wait_for(self.answers.get(), left)
            if int(answer["id"]) <= message_id:
                continue
            if answer["sender"] != "bot":
                raise TurnFailed(f"{text!r} answered by the system: {answer['text'][:60]!r}")
            return at - started, answer

    async def button(self, word: str, wait: float = 5.0) -> dict[str, str]:
        """The newest quick-reply button whose title contains ``word`` (waiting ``wait`` s)."""
        deadline = time.perf_counter() + wait
        while True:
            for message in reversed(self.bot_messages):
                for button in message.get("buttons") or []:
                    if word in str(button.get("title", "")):
                        return {"title": str(button["title"]), "payload": str(button["payload"])}
            if time.perf_counter() >= deadline:
                raise TurnFailed(f"the assistant offered no {word!r} button")
            await asyncio.sleep(0.05)


async def open_widget(base_url: str, shopper_id: str, address: str) -> Widget:
    """Connect as the widget does, from ``address``, and check the welcome frame."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    # The gateway checks the Origin header a browser on the shop's page sends.
    http = aiohttp.ClientSession(timeout=timeout, connector=connector, headers={"Origin": base_url})
    try:
        ws = await http.ws_connect(base_url.replace("http", "ws", 1) + "/ws?v=2")
        hello = {"type": "hello", "shopper": shopper_id, "sig": sign(shopper_id), "anon": ""}
        await ws.send_json(hello | {"after": 0})
        welcome = await ws.receive_json(timeout=WAIT_SECONDS)
        if welcome.get("type") != "welcome" or welcome.get("anonymous"):
            raise TurnFailed(f"{shopper_id} was not recognised as signed in: {welcome}")
    except BaseException:
        await http.close()
        raise
    widget = Widget(shopper_id, http, ws)
    widget.reader = asyncio.create_task(widget._read())
    return widget
