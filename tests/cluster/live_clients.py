"""Widget-like clients for the live fan-out fault tests: readers that record what arrives,
and a socket that never reads (a raw WebSocket handshake over a tiny receive buffer)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
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
