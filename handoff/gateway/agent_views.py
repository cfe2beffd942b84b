"""The agent console's chat side: login, the live queue, claiming, and the actions on a chat.

Actions are small JSON POSTs (cookie session, same-origin only); the WebSocket only pushes
the queue and the watched conversation, so every action is also testable without a browser.
Every route but the login page is guarded by :func:`handoff.gateway.access.requires_role`;
errors come back as ``{"error": "<Chinese>"}`` for the console to show in place.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import WSMsgType, web
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff import agents as agent_store
from handoff import presence
from handoff.canned import list_replies, reply_dict
from handoff.console_present import agent_names, case_view, shopper_label
from handoff.console_queue import console_queue
from handoff.gateway import http_input, shapes
from handoff.gateway.access import json_error, request_agent, requires_role
from handoff.gateway.client_address import came_over_https, client_address
from handoff.gateway.guards import SESSION_COOKIE, require_origin
from handoff.gateway.hub import QUEUE_TOPIC, Subscription
from handoff.gateway.keys import GATEWAY, SETTINGS, SOCKETS
from handoff.gateway.live_feed import ConversationFeed, cut_connection, refresh_seconds
from handoff.gateway.pages import login_page
from handoff.gateway.request_limits import login_refusal
from handoff.gateway.service import AgentRef, Gateway, GatewayError
from handoff.messages import messages_after
from handoff.models import Case
from handoff.queue import active_entry, waiting_entries
from handoff.serialize import event_dict
from handoff.vocabulary_zh import ROLE_NAMES_ZH, name_zh, vocabulary_zh

#: The console's pages and the roles that see them (the console's router mirrors this).
PAGES: dict[str, tuple[str, ...]] = {
    "workbench": ("agent",),
    "cases": ("agent", "supervisor"),
    "canned": ("agent", "supervisor", "admin"),
    "training": ("trainer", "admin"),
    "reports": ("supervisor", "admin"),
}


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
            text=login_page(refusal.message_zh, name=name), content_type="text/html", status=429
        )

    def work(session: Any) -> str | None:
        agent = agent_store.authenticate(session, name, password)
        return agent_store.start_session(session, agent) if agent is not None else None

    token = await gateway.db(work)
    if token is None:
        return web.Response(
            text=login_page("用户名或密码错误。", name=name), content_type="text/html", status=401
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


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object (size and nesting bounded by shapes), or a 400 in Chinese."""
    return dict((await http_input.json_body(request, shapes.AnyObject)).root)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise json_error("请求格式不正确。", 400)
    try:
        number = int(value)
    except ValueError:
        raise json_error("请求格式不正确。", 400) from None
    if not 0 <= number <= shapes.MAX_ID:
        raise json_error("请求格式不正确。", 400)
    return number


@requires_role("agent", "trainer", "supervisor", "admin")
async def me(request: web.Request) -> web.Response:
    """Who is logged in, with their roles and the pages those roles see."""
    agent = request_agent(request)
    pages = [page for page, roles in PAGES.items() if agent.roles & set(roles)]
    return web.json_response(
        {
            "name": agent.name,
            "display_name": agent.display_name,
            "roles": sorted(agent.roles),
            "roles_zh": [ROLE_NAMES_ZH[r] for r in ROLE_NAMES_ZH if r in agent.roles],
            "pages": pages,
        }
    )


@requires_role("agent", "trainer", "supervisor", "admin")
async def vocabulary(request: web.Request) -> web.Response:
    """The Chinese name of every code (one table for the server and the console)."""
    return web.json_response(vocabulary_zh())


async def queue_snapshot(gateway: Gateway) -> dict[str, Any]:
    online = await gateway.presence.online()
    return await gateway.db(lambda session: console_queue(session, online))


@requires_role("agent", "supervisor")
async def queue(request: web.Request) -> web.Response:
    return web.json_response(await queue_snapshot(request.app[GATEWAY]))


@requires_role("agent")
async def claim(request: web.Request) -> web.Response:
    agent = request_agent(request)
    body = await http_input.json_body(request, shapes.ClaimBody)
    try:
        conversation_id = await request.app[GATEWAY].claim(agent, body.entry_id)
    except GatewayError as error:
        return _error(error)
    return web.json_response({"conversation_id": conversation_id})


@requires_role("agent")
async def claim_next(request: web.Request) -> web.Response:
    """Claim the first waiting chat in working order; a lost race tries the next one."""
    agent = request_agent(request)
    gateway = request.app[GATEWAY]
    ids = await gateway.db(lambda s: [e.id for e in waiting_entries(s)])
    for entry_id in ids:
        try:
            conversation_id = await gateway.claim(agent, entry_id)
        except GatewayError as error:
            if error.status in (404, 409):
                continue
            return _error(error)
        return web.json_response({"conversation_id": conversation_id})
    return web.json_response({"error": "现在没有排队的会话。"}, status=404)


def conversation_view(
    gateway: Gateway, session: Session, agent: AgentRef, conversation_id: str
) -> dict[str, Any]:
    """Everything the workbench shows about a chat: transcript, queue entry, case."""
    entry = active_entry(session, conversation_id)
    messages = messages_after(session, conversation_id)
    shopper_id = entry.shopper_id if entry else (messages[0].shopper_id if messages else "")
    names = agent_names(session)
    all_cases = list(
        session.scalars(
            select(Case).where(Case.conversation_id == conversation_id).order_by(Case.id.desc())
        )
    )
    current = entry.case if entry and entry.case else (all_cases[0] if all_cases else None)
    claimed_by = (entry.claimed_by or "").removeprefix("agent:") if entry else ""
    return {
        "conversation_id": conversation_id,
        "shopper_id": shopper_id,
        "shopper_zh": shopper_label(shopper_id),
        "entry": None
        if entry is None
        else {
            "entry_id": entry.id,
            "status": entry.status,
            "priority": entry.priority,
            "priority_zh": name_zh("priority", entry.priority),
            "claimed_by": claimed_by or None,
            "claimed_by_zh": names.get(claimed_by, claimed_by) if claimed_by else None,
            "mine": entry.claimed_by == agent.actor,
            "created_at": entry.created_at.isoformat(),
        },
        "case": None
        if current is None
        else {
            **case_view(current, names),
            "events": [event_dict(e) for e in current.events],
        },
        "other_cases": [
            {
                "case_number": c.case_number,
                "status_zh": name_zh("status", c.status),
                "category_zh": name_zh("category", c.category),
            }
            for c in all_cases
            if current is None or c.id != current.id
        ],
        "messages": [gateway.message_dict(m) for m in messages],
        "canned": [reply_dict(r) for r in list_replies(session)],
    }


@requires_role("agent", "supervisor")
async def conversation(request: web.Request) -> web.Response:
    agent = request_agent(request)
    gateway = request.app[GATEWAY]
    conversation_id = request.match_info["conversation_id"]
    detail = await gateway.db(lambda s: conversation_view(gateway, s, agent, conversation_id))
    return web.json_response(detail)


@requires_role("agent")
async def act(request: web.Request) -> web.Response:
    """reply / note / correct / status / transfer / resolve on one conversation."""
    agent = request_agent(request)
    gateway = request.app[GATEWAY]
    conversation_id = request.match_info["conversation_id"]
    action = request.match_info["action"]
    body = await json_body(request)
    try:
        if action == "reply":
            reply = await http_input.json_body(request, shapes.TextBody)
            await gateway.reply(agent, conversation_id, reply.text)
        elif action == "note":
            written = await http_input.json_body(request, shapes.TextBody)
            if not written.text:
                raise GatewayError("请先写下备注内容。")
            await gateway.case_action(
                agent, conversation_id, {"type": action, "text": written.text}
            )
        elif action in {"correct", "status"}:
            await gateway.case_action(agent, conversation_id, {**body, "type": action})
        elif action == "transfer":
            await gateway.transfer(agent, conversation_id, str(body.get("to", "")))
        elif action == "resolve":
            note = str(body.get("note") or "").strip() or None
            await gateway.hand_back(agent, conversation_id, body.get("resolution"), note)
        else:
            raise web.HTTPNotFound()
    except GatewayError as error:
        return _error(error)
    return web.json_response({"ok": True})


@requires_role("agent", "supervisor")
async def agent_socket(request: web.Request) -> web.WebSocketResponse:
    """Pushes the queue, presence and the watched conversation's new messages."""
    require_origin(request)
    agent = request_agent(request)
    gateway = request.app[GATEWAY]
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    subscription = Subscription(on_overflow=cut_connection(request))
    await gateway.hub.subscribe(QUEUE_TOPIC, subscription)
    watched: ConversationFeed | None = None
    #: A watch frame's wish, opened by the pusher (which alone touches the feed).
    to_watch: list[shapes.WatchFrame] = []
    send_lock = asyncio.Lock()

    async def send(data: dict[str, Any]) -> None:
        async with send_lock:
            await ws.send_json(data)

    async def show(feed: ConversationFeed, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            await send(
                {"type": "message", "conversation_id": feed.conversation_id, "message": message}
            )

    async def pusher(agent: AgentRef) -> None:
        last_queue: Any = None
        presence_due = 0.0
        loop = asyncio.get_running_loop()
        every = refresh_seconds(request)
        polls = gateway.hub.bus.polls_database
        events: list[tuple[str, dict[str, Any]]] = []
        while not ws.closed:
            # Presence tells shoppers someone can answer: agents only, not supervisors watching.
            if "agent" in agent.roles and loop.time() >= presence_due:
                await gateway.presence.seen(agent.id, agent.name)
                presence_due = loop.time() + presence.HEARTBEAT_SECONDS
            snapshot = await queue_snapshot(gateway)
            comparable = {k: v for k, v in snapshot.items() if k != "now"}
            if comparable != last_queue:
                last_queue = comparable
                await send({"type": "queue", **snapshot})
            nonlocal watched
            if to_watch:
                wish = to_watch.pop()
                to_watch.clear()
                watched = ConversationFeed(gateway, wish.conversation_id or "")
                if wish.conversation_id:
                    opening = await watched.opening(after_seq=wish.after_seq, after_id=wish.after)
                    await show(watched, opening)
            feed = watched
            for topic, event in events:
                kind = event.get("type")
                if feed is None or topic != feed.conversation_id:
                    continue  # the queue's events: the snapshot above
                if kind == "message":
                    await show(feed, await feed.take(event["message"]))
                elif kind in {"changed", "resync"}:
                    await show(feed, await feed.catch_up())
                elif event.get("who") == "shopper" or kind == "case_changed":
                    await send(event)
            if feed is not None and feed.conversation_id and (polls or not events):
                await show(feed, await feed.catch_up())
            events = await subscription.wait(every)
            if subscription.overflowed:
                return

    pushing = asyncio.create_task(pusher(agent))
    following = ""
    try:
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            data = shapes.parse_agent_frame(frame.data)
            if isinstance(data, shapes.FrameRefusal):
                await send(data.refusal.frame(data.client_id))
            elif isinstance(data, shapes.WatchFrame):
                if following:
                    gateway.hub.unsubscribe(following, subscription)
                # Follow first; the pusher then reads the history, so nothing falls between.
                following = data.conversation_id or ""
                if following:
                    await gateway.hub.subscribe(following, subscription)
                to_watch.append(data)
                subscription.wake()
            elif following:  # typing
                await gateway.hub.typing(following, "agent")
    finally:
        gateway.hub.unsubscribe(QUEUE_TOPIC, subscription)
        if following:
            gateway.hub.unsubscribe(following, subscription)
        pushing.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await pushing
    return ws


def console_routes() -> list[web.AbstractRouteDef]:
    """Every route of the console, in matching order (the page catch-all comes last)."""
    from handoff.gateway import canned_views, case_views, console_files

    api = "/agent/api"
    return [
        web.get("/agent/login", login_form),
        web.post("/agent/login", login),
        web.post("/agent/logout", logout),
        web.get("/agent/ws", agent_socket),
        web.get(f"{api}/me", me),
        web.get(f"{api}/vocabulary", vocabulary),
        web.get(f"{api}/queue", queue),
        web.post(f"{api}/claim", claim),
        web.post(f"{api}/claim-next", claim_next),
        web.get(f"{api}/conversations/{{conversation_id}}", conversation),
        web.post(f"{api}/conversations/{{conversation_id}}/case", case_views.create_case),
        web.post(f"{api}/conversations/{{conversation_id}}/{{action}}", act),
        web.get(f"{api}/cases", case_views.list_cases),
        web.get(f"{api}/cases/{{case_number}}", case_views.show_case),
        web.post(f"{api}/cases/{{case_number}}/{{action}}", case_views.case_action),
        web.get(f"{api}/canned", canned_views.list_canned),
        web.post(f"{api}/canned", canned_views.save_canned),
        web.post(f"{api}/canned/{{reply_id}}", canned_views.save_canned),
        web.delete(f"{api}/canned/{{reply_id}}", canned_views.remove_canned),
        web.get("/agent/assets/{name}", console_files.console_asset),
        web.get("/agent", console_files.console_page),
        web.get(r"/agent/{page:(?!api/|assets/|ws$|login$|logout$).*}", console_files.console_page),
    ]
