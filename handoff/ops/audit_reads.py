"""Audit rows for the console's reads of personal data and its exports, as one middleware.

The views stay as they are: this table names the routes that show a shopper's data or take
it out of the database, and after such a request succeeds the middleware appends who did it
(the agent ``requires_role`` let in) and what it was about. If the row cannot be written the
agent gets a 503 instead of the data: an unrecorded read is the one thing an audit log must
not allow.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from aiohttp import web

from handoff.gateway.access import AGENT_KEY
from handoff.gateway.keys import GATEWAY
from handoff.ops import audit

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNRECORDED_ZH: Final = "暂时无法记录这次查看，请稍后再试。"

#: (method, route template) -> (audit action, path value naming the subject, subject prefix).
AUDITED_ROUTES: Final[Mapping[tuple[str, str], tuple[str, str, str]]] = {
    ("GET", "/agent/api/conversations/{conversation_id}"): (
        "read_transcript",
        "conversation_id",
        "conversation",
    ),
    ("GET", "/agent/api/cases/{case_number}"): ("read_case", "case_number", "case"),
    ("GET", "/agent/api/training/items/{item_id}"): ("read_review_item", "item_id", "review_item"),
    ("POST", "/agent/api/training/export"): ("export_review", "", "review_items"),
}


def _rule(request: web.Request) -> tuple[str, str, str] | None:
    resource = request.match_info.route.resource
    if resource is None:
        return None
    return AUDITED_ROUTES.get((request.method, resource.canonical))


@web.middleware
async def audit_reads(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Append an audit row after a successful audited request (see the module)."""
    response = await handler(request)
    rule = _rule(request)
    agent = request.get(AGENT_KEY)
    if rule is None or agent is None or not 200 <= response.status < 300:
        return response
    action, path_value, prefix = rule
    subject = f"{prefix}:{request.match_info[path_value]}" if path_value else prefix
    try:
        await request.app[GATEWAY].db(
            lambda session: audit.record(
                session, actor=agent.actor, action=action, subject=subject, detail={}
            )
        )
    except Exception:
        log.exception("audit row %s by %s not written: read refused", action, agent.actor)
        return web.json_response({"error": UNRECORDED_ZH, "message_zh": UNRECORDED_ZH}, status=503)
    return response
