"""Widget-like clients for the live fan-out fault tests: readers that record what arrives,
and a socket that never reads (a raw WebSocket handshake over a tiny receive buffer)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class Reader:
    """Reads every frame of one widget socket and notes when each message arrived."""

    ws: aiohttp.ClientWebSocketResponse
    arrived: dict[str, float] = field(default_factory=dict)  # client_id or text -> time
    seqs: list[int] = field(default_factory=list)
    replies: list[float] = field(default_factory=list)  # arrival times of bot messages
    task: asyncio.Task[None] | None = None

    def start(self) -> Reader:
        self.task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(frame.data)
            messages = data.get("messages", []) if data["type"] == "history" else []
            if data["type"] == "message":
                messages = [data["message"]]
            for message in messages:
                now = time.monotonic()
                self.seqs.append(message["seq"])
                key = message.get("client_id") or message["text"]
                self.arrived.setdefault(key, now)
                if message["sender"] == "bot":
                    self.replies.append(now)

    async def stop(self) -> None:
        await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                await self.task


def _masked_text_frame(text: str) -> bytes:
    """A client's WebSocket text frame (clients must mask)."""
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    length = len(payload)
    if length < 126:
        header += bytes([0x80 | length])
    else:
        header += bytes([0x80 | 126]) + struct.pack("!H", length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


async def never_reading_socket(
    port: int, hello: dict[str, Any], origin: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open /ws?v=2, say hello, and from then on read nothing (4 KB receive buffer)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /ws?v=2 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await reader.readuntil(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 101"), status[:200]
    writer.write(_masked_text_frame(json.dumps(hello)))
    await writer.drain()
    return reader, writer


async def _server_frame(reader: asyncio.StreamReader) -> bytes:
    """One unmasked frame from the server: its payload (the header parsed, nothing else)."""
    head = await reader.readexactly(2)
    length = head[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", await reader.readexactly(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", await reader.readexactly(8))[0]
    return await reader.readexactly(length)


async def read_opening_and_leave(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Take the frames up to the opening history, then close: a tab that opens the same
    conversation, gets the same replay, and leaves. The control for a socket that never
    reads, so that only what never reading costs is compared (not the replay)."""
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
        while b'"history"' not in (await _server_frame(reader))[:40]:
            pass
    writer.close()


async def cut_by_server(reader: asyncio.StreamReader, limit_bytes: int) -> bool:
    """Read what the server left for us; True if it then closed the connection."""
    total = 0
    try:
        while total < limit_bytes:
            chunk = await asyncio.wait_for(reader.read(65536), 10)
            if not chunk:
                return True
            total += len(chunk)
    except (ConnectionResetError, asyncio.IncompleteReadError):
        return True
    except asyncio.TimeoutError:
        return False
    return False


#: The widget's reconnect waits (handoff/static/widget.js): 0.5 s, doubling to 4 s, ±20%.
RETRY_FIRST, RETRY_CAP = 0.5, 4.0


@dataclass
class ResumingWidget:
    """One shopper's widget as ``handoff/static/widget.js`` behaves, in Python.

    The same resume protocol, step for step: every message the shopper writes goes into an
    outbox (with its own ``client_id``) and is written to the socket when one is open; the
    outbox is sent again, oldest first, right after the ``hello`` of every new socket, until
    an ``ack`` (or the stored copy, by ``client_id``) takes it out. ``seq`` is the number of
    the last message shown; a new socket's ``hello`` carries ``after_seq: seq``; a message
    numbered at or below it is a copy and is not shown; a live message further on than the
    next number means one never reached this socket, and the widget resumes at once (a new
    socket after ``seq``). A dead socket is tried again after 0.5 s, 1 s, 2 s, then ~4 s.

    What it records for the fault tests: the messages shown (``screen``, in order), every
    message written (``written``) and how often each went out (``transmissions``), acks,
    refusals, copies dropped, gaps seen, the sockets that died, and for each outage (a death
    while not already waiting to resume) how long it took to resume: from the death to the
    ``history`` of the socket that took over.
    """

    session: aiohttp.ClientSession
    url: str  # ws://host:port/ws?v=2
    origin: str
    credentials: dict[str, str]  # shopper, sig (and anon)
    seq: int = 0
    screen: list[dict[str, Any]] = field(default_factory=list)
    outbox: dict[str, dict[str, Any]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    transmissions: dict[str, int] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)
    refused: list[dict[str, Any]] = field(default_factory=list)
    copies: int = 0
    gaps: int = 0
    deaths: int = 0
    outages: int = 0  # deaths not already waiting for a resume
    resumes: list[float] = field(default_factory=list)
    ws: aiohttp.ClientWebSocketResponse[bool] | None = None
    stopping: bool = False
    task: asyncio.Task[None] | None = None
    shown_once: asyncio.Event = field(default_factory=asyncio.Event)
    trace: list[tuple[float, str]] = field(default_factory=list)  # how each socket ended
    _retry: float = RETRY_FIRST
    _died_at: float | None = None

    def start(self) -> ResumingWidget:
        self.task = asyncio.create_task(self._run())
        return self

    async def say(self, text: str) -> str:
        """The shopper sends ``text``: into the outbox, and out now if a socket is open."""
        client_id = f"c{len(self.written)}-{os.urandom(3).hex()}"
        frame = {"type": "message", "client_id": client_id, "text": text}
        self.outbox[client_id] = frame
        self.written.append(client_id)
        if self.ws is not None and not self.ws.closed:
            await self._transmit(self.ws, frame)
        return client_id

    async def _transmit(
        self, ws: aiohttp.ClientWebSocketResponse[bool], frame: dict[str, Any]
    ) -> None:
        client_id = frame["client_id"]
        self.transmissions[client_id] = self.transmissions.get(client_id, 0) + 1
        with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
            await ws.send_json(frame)

    def _show(self, message: dict[str, Any]) -> None:
        if message["seq"] <= self.seq:
            self.copies += 1
            return
        self.seq = message["seq"]
        self.screen.append(message)
        if message.get("client_id"):
            self.outbox.pop(message["client_id"], None)

    async def _socket(self) -> bool:
        """One socket's life, until it closes; True when it ended on a gap."""
        async with self.session.ws_connect(
            self.url, headers={"Origin": self.origin}, timeout=aiohttp.ClientWSTimeout(ws_close=2)
        ) as ws:
            await ws.send_json({"type": "hello", **self.credentials, "after_seq": self.seq})
            sent_here: set[str] = set()
            while pending := [f for c, f in self.outbox.items() if c not in sent_here]:
                for outgoing in pending:  # as onopen: the hello, then the whole outbox
                    sent_here.add(outgoing["client_id"])
                    await self._transmit(ws, outgoing)
            self.ws = ws
            async for frame in ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(frame.data)
                kind = data.get("type")
                if kind == "welcome":
                    self._retry = RETRY_FIRST
                elif kind == "history":
                    for message in data["messages"]:
                        self._show(message)
                    if self._died_at is not None:
                        self.resumes.append(time.monotonic() - self._died_at)
                        self._died_at = None
                    self.shown_once.set()
                elif kind == "message":
                    message = data["message"]
                    if self.seq and message["seq"] > self.seq + 1:
                        self.gaps += 1
                        return True
                    self._show(message)
                elif kind == "ack":
                    self.outbox.pop(data["client_id"], None)
                    self.acked.add(data["client_id"])
                elif kind == "error":
                    self.outbox.pop(data.get("client_id") or "", None)
                    self.refused.append(data)
            return False

    async def _run(self) -> None:
        while not self.stopping:
            gap = False
            try:
                gap = await self._socket()
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
                self.trace.append(
                    (time.monotonic(), f"{type(error).__name__} {getattr(error, 'status', '')}")
                )
            else:
                self.trace.append((time.monotonic(), "closed"))
            was_open, self.ws = self.ws is not None, None
            if self.stopping:
                return
            if gap:
                continue  # resume at once, after the last message shown
            if was_open:  # a socket that worked died (not a failed attempt to open one)
                self.deaths += 1
                if self._died_at is None:
                    self.outages += 1
                    self._died_at = time.monotonic()
            await asyncio.sleep(self._retry * random.uniform(0.8, 1.2))
            self._retry = min(self._retry * 2, RETRY_CAP)

    async def stop(self) -> None:
        self.stopping = True
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
