"""The gateway's half of "JSON logs with the conversation id": name it for each request.

Routes with ``{conversation_id}`` in their path (the console's conversation API) are named by
this middleware; the shopper socket names its own conversation once it knows who is talking
(``handoff.gateway.shopper_views``). See :mod:`handoff.ops.json_logs`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from handoff.ops.json_logs import bind_conversation, release

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def name_conversation(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bind the path's ``conversation_id`` (if any) for the records this request makes."""
    token = bind_conversation(request.match_info.get("conversation_id"))
    try:
        return await handler(request)
    finally:
        release(token)
