"""Canned replies in the console: everyone reads them, supervisors and admins edit them."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from handoff.canned import (
    CannedReplyError,
    add_reply,
    delete_reply,
    list_replies,
    reply_dict,
    update_reply,
)
from handoff.gateway.access import json_error, request_agent, requires_role
from handoff.gateway.agent_views import json_body
from handoff.gateway.keys import GATEWAY


@requires_role("agent", "supervisor", "admin")
async def list_canned(request: web.Request) -> web.Response:
    replies = await request.app[GATEWAY].db(lambda s: [reply_dict(r) for r in list_replies(s)])
    return web.json_response({"replies": replies})


def _reply_id(request: web.Request) -> int:
    try:
        return int(request.match_info["reply_id"])
    except ValueError:
        raise json_error("没有这条快捷回复。", 404) from None


@requires_role("supervisor", "admin")
async def save_canned(request: web.Request) -> web.Response:
    """Create (POST /canned) or change (POST /canned/{id}) a canned reply."""
    actor = request_agent(request).actor
    body = await json_body(request)
    title, text = str(body.get("title", "")), str(body.get("text", ""))
    reply_id = _reply_id(request) if "reply_id" in request.match_info else None

    def work(session: Session) -> dict[str, Any]:
        if reply_id is None:
            return reply_dict(add_reply(session, title, text, actor=actor))
        return reply_dict(update_reply(session, reply_id, title, text, actor=actor))

    try:
        saved = await request.app[GATEWAY].db(work)
    except CannedReplyError as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response(saved)


@requires_role("supervisor", "admin")
async def remove_canned(request: web.Request) -> web.Response:
    reply_id = _reply_id(request)
    await request.app[GATEWAY].db(lambda s: delete_reply(s, reply_id))
    return web.json_response({"ok": True})
