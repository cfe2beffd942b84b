"""The shopper side: the widget's WebSocket, photo uploads, and serving photos."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any, Final

from aiohttp import WSMsgType, web

from handoff.chat_models import Attachment
from handoff.gateway.guards import current_agent, require_origin
from handoff.gateway.hub import Subscription
from handoff.gateway.identity import Identity, resolve_identity
from handoff.gateway.keys import GATEWAY, SETTINGS, SOCKETS
from handoff.gateway.service import GatewayError, attachment_token
from handoff.messages import MAX_TEXT_CHARS, store_attachment

log = logging.getLogger(__name__)

#: The widget protocol's version (README "The widget protocol"). Version 2 added the
#: ``state`` frame and ``protocol`` in ``welcome``; a version-1 widget ignores both and keeps
#: working, so the version only grows when a frame changes meaning.
PROTOCOL_VERSION: Final = 2

#: Magic bytes of the photo types we accept; the declared type is not trusted.
IMAGE_SIGNATURES: Final = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def _identity(request: web.Request) -> Identity:
    query = request.query
    return resolve_identity(
        request.app[SETTINGS].secret,
        query.get("shopper", ""),
        query.get("sig", ""),
        query.get("anon", ""),
    )


def image_type(data: bytes) -> str | None:
    """The image type from the file's first bytes (PNG, JPEG, GIF, WebP), else None."""
    for magic, content_type in IMAGE_SIGNATURES.items():
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


async def shopper_socket(request: web.Request) -> web.WebSocketResponse:
    """The widget's live channel: history, then messages both ways."""
    require_origin(request, shopper=True)
    gateway = request.app[GATEWAY]
    identity = _identity(request)
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        after = 0
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    conversation_id = identity.conversation_id
    subscription = Subscription()
    gateway.hub.subscribe(conversation_id, subscription)
    sent_up_to = after
    send_lock = asyncio.Lock()

    async def send(data: dict[str, Any]) -> None:
        async with send_lock:
            await ws.send_json(data)

    async def push_new() -> None:
        nonlocal sent_up_to
        for message in await gateway.history(conversation_id, sent_up_to):
            sent_up_to = max(sent_up_to, message["id"])
            await send({"type": "message", "message": message})

    last_state: dict[str, Any] = {}

    async def push_state() -> None:
        nonlocal last_state
        state = await gateway.state(conversation_id)
        if state != last_state:
            last_state = state
            await send(state)

    async def pusher() -> None:
        poll = request.app[SETTINGS].poll_seconds
        while not ws.closed:
            for notice in await subscription.wait(poll):
                if notice.get("type") == "typing" and notice.get("who") != "shopper":
                    await send(notice)
            await push_new()
            await send({"type": "mode", "mode": await gateway.mode(conversation_id)})
            await push_state()

    pushing: asyncio.Task[None] | None = None
    try:
        await send(
            {
                "type": "welcome",
                "protocol": PROTOCOL_VERSION,
                "anonymous": identity.anonymous,
                "anon": identity.anon_token,
                "mode": await gateway.mode(conversation_id),
            }
        )
        history = await gateway.history(conversation_id, after)
        if history:
            sent_up_to = max(m["id"] for m in history)
        await send({"type": "history", "messages": history})
        await push_state()
        pushing = asyncio.create_task(pusher())
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            try:
                data = json.loads(frame.data)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            if data.get("type") == "typing":
                gateway.hub.changed(conversation_id, {"type": "typing", "who": "shopper"})
                continue
            if data.get("type") != "message":
                continue
            await _handle_message(gateway, identity, data, send)
    finally:
        gateway.hub.unsubscribe(conversation_id, subscription)
        if pushing is not None:
            pushing.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await pushing
    return ws


async def _handle_message(
    gateway: Any, identity: Identity, data: dict[str, Any], send: Any
) -> None:
    text = str(data.get("text") or "").strip()[:MAX_TEXT_CHARS]
    client_id = str(data.get("client_id") or "")[:64] or None
    attachment_id = data.get("attachment_id")
    if not isinstance(attachment_id, int) or isinstance(attachment_id, bool):
        attachment_id = None
    # A quick reply: ``text`` is the button's payload, ``display`` its title (checked later
    # against the buttons the assistant offered; shown as plain text either way).
    display = data.get("display")
    display = display.strip()[:MAX_TEXT_CHARS] if isinstance(display, str) else None
    if not text and attachment_id is None:
        return
    try:
        message, _new = await gateway.receive(
            identity, text, client_id=client_id, attachment_id=attachment_id, display=display
        )
    except GatewayError as error:
        await send({"type": "error", "client_id": client_id, "message": error.message_zh})
        return
    await send({"type": "ack", "client_id": client_id, "id": message.id})
    # Also for a resend: routing skips a message already routed, and routes one that a
    # crash left unrouted between storing and answering it.
    await gateway.route(identity, message)


async def upload(request: web.Request) -> web.Response:
    """A photo as evidence: image types only (by content), at most ``max_upload_bytes``."""
    require_origin(request, shopper=True)
    settings = request.app[SETTINGS]
    identity = _identity(request)
    if request.content_length is not None and request.content_length > settings.max_upload_bytes:
        return web.json_response({"error": "图片不能超过 5 MB。"}, status=413)
    reader = await request.multipart()
    part = await reader.next()
    if part is None or not hasattr(part, "read_chunk"):
        return web.json_response({"error": "没有收到图片。"}, status=400)
    data = bytearray()
    while chunk := await part.read_chunk():
        data.extend(chunk)
        if len(data) > settings.max_upload_bytes:
            return web.json_response({"error": "图片不能超过 5 MB。"}, status=413)
    content_type = image_type(bytes(data))
    if content_type is None:
        return web.json_response({"error": "只能上传 JPG、PNG、GIF 或 WebP 图片。"}, status=415)
    gateway = request.app[GATEWAY]
    attachment = await gateway.db(
        lambda s: store_attachment(
            s,
            conversation_id=identity.conversation_id,
            content_type=content_type,
            data=bytes(data),
        )
    )
    token = attachment_token(settings.secret, attachment.id)
    return web.json_response(
        {"attachment_id": attachment.id, "url": f"/attachments/{attachment.id}?t={token}"}
    )


async def attachment(request: web.Request) -> web.Response:
    """Serve a photo to whoever holds its URL token, or to a logged-in agent."""
    gateway = request.app[GATEWAY]
    try:
        attachment_id = int(request.match_info["attachment_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    expected = attachment_token(request.app[SETTINGS].secret, attachment_id)
    token_ok = hmac.compare_digest(expected, request.query.get("t", ""))
    if not token_ok and await current_agent(request) is None:
        raise web.HTTPNotFound()
    row = await gateway.db(lambda s: s.get(Attachment, attachment_id))
    if row is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=row.data,
        content_type=row.content_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
