"""The shopper side: the widget's WebSocket, photo uploads, and serving photos."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from typing import Any, Final

from aiohttp import WSMsgType, web

from handoff.chat_models import Attachment
from handoff.gateway import http_input, shapes, supervision_hooks
from handoff.gateway.client_address import client_address
from handoff.gateway.guards import current_agent, require_origin
from handoff.gateway.hub import Subscription
from handoff.gateway.identity import Identity, resolve_identity
from handoff.gateway.keys import GATEWAY, SETTINGS, SOCKETS
from handoff.gateway.live_feed import ConversationFeed, cut_connection, refresh_seconds
from handoff.gateway.request_limits import message_refusal, upload_refusal
from handoff.gateway.service import GatewayError, attachment_token
from handoff.messages import store_attachment
from handoff.ops.json_logs import bind_conversation

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


#: How long a protocol-v2 socket may take to send its ``hello`` frame.
HELLO_TIMEOUT_SECONDS: Final = 15.0
UPLOAD_TOO_LARGE: Final = shapes.Refusal(413, "too_large", "图片不能超过 5 MB。")
NO_PHOTO: Final = shapes.Refusal(400, "no_photo", "没有收到图片。")
NOT_A_PHOTO: Final = shapes.Refusal(415, "not_a_photo", "只能上传 JPG、PNG、GIF 或 WebP 图片。")


def _identity(request: web.Request, params: shapes.ShopperQuery | None = None) -> Identity:
    """The identity of the v1 credentials in the query (the previous widget sends them)."""
    params = params or http_input.query(request, shapes.ShopperQuery)
    return resolve_identity(request.app[SETTINGS].secret, params.shopper, params.sig, params.anon)


async def _hello(request: web.Request, ws: web.WebSocketResponse) -> shapes.HelloFrame | None:
    """Protocol v2: the first frame carries the credentials; None if it never comes."""
    try:
        frame = await ws.receive(timeout=HELLO_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        return None
    if frame.type != WSMsgType.TEXT:
        return None
    hello = shapes.parse_shopper_frame(frame.data)
    if isinstance(hello, shapes.HelloFrame):
        return hello
    refusal = hello.refusal if isinstance(hello, shapes.FrameRefusal) else shapes.BAD_FRAME
    await ws.send_json(refusal.frame())
    return None


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
    params = http_input.query(request, shapes.ShopperQuery)
    address = client_address(request)
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    if params.v >= 2:  # credentials in the first frame, not in the URL
        hello = await _hello(request, ws)
        if hello is None:
            await ws.close(code=4401, message=b"hello expected")
            return ws
        identity = resolve_identity(
            request.app[SETTINGS].secret, hello.shopper, hello.sig, hello.anon
        )
        after, after_seq = hello.after, hello.after_seq
    else:
        identity = _identity(request, params)
        after, after_seq = params.after, params.after_seq
    conversation_id = identity.conversation_id
    bind_conversation(conversation_id)  # this socket's log records name it (LOG_FORMAT=json)
    subscription = Subscription(on_overflow=cut_connection(request))
    # Follow first, read second: nothing announced from here on is missed.
    await gateway.hub.subscribe(conversation_id, subscription)
    feed = ConversationFeed(gateway, conversation_id)
    send_lock = asyncio.Lock()

    async def send(data: dict[str, Any]) -> None:
        async with send_lock:
            await ws.send_json(data)

    async def show(messages: list[dict[str, Any]]) -> None:
        for message in messages:
            await send({"type": "message", "message": message})

    last_state: dict[str, Any] = {}

    async def push_state() -> None:
        nonlocal last_state
        state = await gateway.state(conversation_id)
        if state != last_state:
            last_state = state
            await send(state)
        # ``mode`` is what widgets before v2 show; they expect it after every re-read.
        await send({"type": "mode", "mode": _mode(state)})

    async def pusher() -> None:
        every = refresh_seconds(request)
        polls = gateway.hub.bus.polls_database
        while not ws.closed:
            events = await subscription.wait(every)
            if subscription.overflowed:
                return
            restate = not events and (polls or last_state.get("state") != "bot")
            if not events and polls:
                await show(await feed.catch_up())
            for _topic, event in events:
                kind = event.get("type")
                if kind == "message":
                    shown = await feed.take(event["message"])
                    await show(shown)
                    restate = restate or any(m["sender"] != "shopper" for m in shown)
                elif kind == "typing":
                    if event.get("who") != "shopper":
                        await send(event)
                else:  # changed, resync: re-read
                    await show(await feed.catch_up())
                    restate = True
            if restate:
                await push_state()

    pushing: asyncio.Task[None] | None = None
    try:
        opening = await feed.opening(after_seq=after_seq, after_id=after)
        state = await gateway.state(conversation_id)
        await send(
            {
                "type": "welcome",
                "protocol": PROTOCOL_VERSION,
                "anonymous": identity.anonymous,
                "anon": identity.anon_token,
                "mode": _mode(state),
            }
        )
        await send({"type": "history", "messages": opening})
        last_state = state
        await send(state)
        pushing = asyncio.create_task(pusher())
        await supervision_hooks.on_shopper_open(gateway, identity)  # a due 回访 is asked
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            data = shapes.parse_shopper_frame(frame.data)
            if isinstance(data, shapes.FrameRefusal):
                await send(data.refusal.frame(data.client_id))
            elif isinstance(data, shapes.TypingFrame):
                await gateway.hub.typing(conversation_id, "shopper")
            elif isinstance(data, shapes.MessageFrame):
                await _handle_message(gateway, identity, data, send, address)
    finally:
        gateway.hub.unsubscribe(conversation_id, subscription)
        if pushing is not None:
            pushing.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await pushing
    return ws


def _mode(state: dict[str, Any]) -> str:
    """The v1 ``mode`` (human while the conversation is queued or with an agent)."""
    return "bot" if state["state"] == "bot" else "human"


async def _handle_message(
    gateway: Any, identity: Identity, data: shapes.MessageFrame, send: Any, address: str
) -> None:
    text, client_id, attachment_id = data.text, data.client_id or None, data.attachment_id
    # A quick reply: ``text`` is the button's payload, ``display`` its title (checked later
    # against the buttons the assistant offered; shown as plain text either way).
    display = data.display or None
    if not text and attachment_id is None:
        await send(shapes.Refusal(400, "empty", shapes.EMPTY_ZH).frame(client_id))
        return
    refusal = await message_refusal(gateway, identity, address)
    if refusal is not None:
        await send(refusal.frame(client_id))
        return
    try:
        message, _new = await gateway.receive(
            identity, text, client_id=client_id, attachment_id=attachment_id, display=display
        )
    except GatewayError as error:
        refused = shapes.Refusal(error.status, "refused", error.message_zh)
        await send(refused.frame(client_id))
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
        raise http_input.RefusedRequest(UPLOAD_TOO_LARGE)
    gateway = request.app[GATEWAY]
    refusal = await upload_refusal(gateway, identity, client_address(request))
    if refusal is not None:
        raise http_input.RefusedRequest(refusal)
    data = await _photo_bytes(request, settings.max_upload_bytes)
    content_type = image_type(bytes(data))
    if content_type is None:
        raise http_input.RefusedRequest(NOT_A_PHOTO)
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


async def _photo_bytes(request: web.Request, limit: int) -> bytearray:
    """The first part of a multipart body, at most ``limit`` bytes, or a 4xx."""
    try:
        reader = await request.multipart()
        part = await reader.next()
        if part is None or not hasattr(part, "read_chunk"):
            raise http_input.RefusedRequest(NO_PHOTO)
        data = bytearray()
        while chunk := await part.read_chunk():
            data.extend(chunk)
            if len(data) > limit:
                raise http_input.RefusedRequest(UPLOAD_TOO_LARGE)
    except (ValueError, AssertionError, LookupError, asyncio.IncompleteReadError):
        raise http_input.RefusedRequest(NO_PHOTO) from None
    if not data:
        raise http_input.RefusedRequest(NO_PHOTO)
    return data


async def attachment(request: web.Request) -> web.Response:
    """Serve a photo to whoever holds its URL token, or to a logged-in agent."""
    gateway = request.app[GATEWAY]
    try:
        wanted = http_input.path_and_query(request, shapes.AttachmentPath)
    except http_input.RefusedRequest:
        raise web.HTTPNotFound() from None
    attachment_id = wanted.attachment_id
    expected = attachment_token(request.app[SETTINGS].secret, attachment_id)
    token_ok = hmac.compare_digest(expected.encode(), wanted.t.encode())
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
