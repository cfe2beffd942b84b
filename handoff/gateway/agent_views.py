"""The agent console: login, the live queue, and the actions on a conversation.

Actions are small JSON POSTs (cookie session, same-origin only); the WebSocket only pushes
the queue and the watched conversation, so every action is also testable without a browser.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import WSMsgType, web

from handoff import agents as agent_store
from handoff.gateway import http_input, shapes
from handoff.gateway.client_address import came_over_https, client_address
from handoff.gateway.guards import SESSION_COOKIE, current_agent, require_agent, require_origin
from handoff.gateway.hub import QUEUE_TOPIC, Subscription
from handoff.gateway.keys import GATEWAY, SETTINGS, SOCKETS
from handoff.gateway.pages import console_page, login_page
from handoff.gateway.request_limits import login_refusal
from handoff.gateway.service import PRESENCE_INTERVAL, AgentRef, GatewayError


async def console(request: web.Request) -> web.StreamResponse:
    agent = await current_agent(request)
    if agent is None:
        raise web.HTTPFound("/agent/login")
    return web.Response(text=console_page(agent), content_type="text/html")


async def login_form(request: web.Request) -> web.Response:
    return web.Response(text=login_page(), content_type="text/html")


async def login(request: web.Request) -> web.StreamResponse:
    require_origin(request)
    form = await http_input.form(request, shapes.LoginForm)
    name, password = form.name, form.password
    gateway = request.app[GATEWAY]
    refusal = await login_refusal(gateway, name, client_address(request))
    if refusal is not None:
        return web.Response(
            text=login_page(refusal.message_zh), content_type="text/html", status=429
        )

    def work(session: Any) -> str | None:
        agent = agent_store.authenticate(session, name, password)
        return agent_store.start_session(session, agent) if agent is not None else None

    token = await gateway.db(work)
    if token is None:
        return web.Response(
            text=login_page("用户名或密码错误。"), content_type="text/html", status=401
        )
    response = web.HTTPFound("/agent")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=request.app[SETTINGS].secure_cookies or came_over_https(request),
        path="/",
        max_age=int(agent_store.SESSION_LIFETIME.total_seconds()),
    )
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    require_origin(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        await request.app[GATEWAY].db(lambda s: agent_store.end_session(s, token))
    response = web.HTTPFound("/agent/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


def _error(error: GatewayError) -> web.Response:
    refusal = shapes.Refusal(error.status, "refused", error.message_zh)
    return web.json_response(refusal.body(), status=error.status)


async def queue(request: web.Request) -> web.Response:
    await require_agent(request)
    return web.json_response(await request.app[GATEWAY].queue_snapshot())


async def claim(request: web.Request) -> web.Response:
    require_origin(request)
    agent = await require_agent(request)
    body = await http_input.json_body(request, shapes.ClaimBody)
    try:
        conversation_id = await request.app[GATEWAY].claim(agent, body.entry_id)
    except GatewayError as error:
        return _error(error)
    return web.json_response({"conversation_id": conversation_id})


async def conversation(request: web.Request) -> web.Response:
    agent = await require_agent(request)
    detail = await request.app[GATEWAY].conversation(agent, request.match_info["conversation_id"])
    return web.json_response(detail)


async def act(request: web.Request) -> web.Response:
    """reply / note / correct / status / transfer / resolve on one conversation."""
    require_origin(request)
    agent = await require_agent(request)
    gateway = request.app[GATEWAY]
    conversation_id = request.match_info["conversation_id"]
    action = request.match_info["action"]
    try:
        if action == "reply":
            reply = await http_input.json_body(request, shapes.TextBody)
            await gateway.reply(agent, conversation_id, reply.text)
        elif action == "note":
            note_body = await http_input.json_body(request, shapes.TextBody)
            await gateway.case_action(
                agent, conversation_id, {"type": "note", "text": note_body.text}
            )
        elif action == "correct":
            correction = await http_input.json_body(request, shapes.CorrectBody)
            await gateway.case_action(
                agent, conversation_id, {"type": "correct", **correction.model_dump()}
            )
        elif action == "status":
            status = await http_input.json_body(request, shapes.StatusBody)
            await gateway.case_action(
                agent, conversation_id, {"type": "status", **status.model_dump()}
            )
        elif action == "transfer":
            transfer = await http_input.json_body(request, shapes.TransferBody)
            await gateway.transfer(agent, conversation_id, transfer.to)
        elif action == "resolve":
            resolve = await http_input.json_body(request, shapes.ResolveBody)
            await gateway.hand_back(
                agent, conversation_id, resolve.resolution, resolve.note or None
            )
        else:
            raise web.HTTPNotFound()
    except GatewayError as error:
        return _error(error)
    return web.json_response({"ok": True})


async def agent_socket(request: web.Request) -> web.WebSocketResponse:
    """Pushes the queue, presence and the watched conversation's new messages."""
    require_origin(request)
    agent = await require_agent(request)
    gateway = request.app[GATEWAY]
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    subscription = Subscription()
    gateway.hub.subscribe(QUEUE_TOPIC, subscription)
    watched: dict[str, Any] = {"conversation_id": None, "after": 0}
    send_lock = asyncio.Lock()

    async def send(data: dict[str, Any]) -> None:
        async with send_lock:
            await ws.send_json(data)

    async def pusher(agent: AgentRef) -> None:
        last_queue: Any = None
        presence_due = 0.0
        loop = asyncio.get_running_loop()
        while not ws.closed:
            if loop.time() >= presence_due:
                await gateway.db(lambda s: agent_store.touch(s, agent.id))
                presence_due = loop.time() + PRESENCE_INTERVAL.total_seconds()
            snapshot = await gateway.queue_snapshot()
            comparable = {k: v for k, v in snapshot.items() if k != "now"}
            if comparable != last_queue:
                last_queue = comparable
                await send({"type": "queue", **snapshot})
            conversation_id = watched["conversation_id"]
            if conversation_id:
                for message in await gateway.history(conversation_id, watched["after"]):
                    watched["after"] = max(watched["after"], message["id"])
                    await send(
                        {"type": "message", "conversation_id": conversation_id, "message": message}
                    )
            for notice in await subscription.wait(request.app[SETTINGS].poll_seconds):
                if notice.get("who") == "shopper" or notice.get("type") == "case_changed":
                    await send(notice)

    pushing = asyncio.create_task(pusher(agent))
    try:
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            data = shapes.parse_agent_frame(frame.data)
            if isinstance(data, shapes.FrameRefusal):
                await send(data.refusal.frame(data.client_id))
            elif isinstance(data, shapes.WatchFrame):
                previous = watched["conversation_id"]
                if previous:
                    gateway.hub.unsubscribe(previous, subscription)
                conversation_id = data.conversation_id or None
                watched["conversation_id"] = conversation_id
                watched["after"] = data.after
                if conversation_id:
                    gateway.hub.subscribe(conversation_id, subscription)
                subscription.event.set()
            elif watched["conversation_id"]:  # typing
                gateway.hub.changed(watched["conversation_id"], {"type": "typing", "who": "agent"})
    finally:
        gateway.hub.unsubscribe(QUEUE_TOPIC, subscription)
        if watched["conversation_id"]:
            gateway.hub.unsubscribe(watched["conversation_id"], subscription)
        pushing.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await pushing
    return ws
