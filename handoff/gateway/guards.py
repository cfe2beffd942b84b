"""Checks every view needs: same or allowed ``Origin``, and the logged-in agent."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from handoff import agents as agent_store
from handoff.gateway.keys import GATEWAY, SETTINGS
from handoff.gateway.service import AgentRef, agent_ref
from handoff.roles import roles_of

SESSION_COOKIE = "handoff_session"


def origin_allowed(request: web.Request, *, shopper: bool) -> bool:
    """Browsers always send ``Origin`` on WebSockets and cross-site POSTs: refuse foreign ones.

    The page's own origin is always fine; storefronts on other origins may embed the shopper
    widget when listed in ``HANDOFF_ALLOWED_ORIGINS``. The agent console is same-origin only.
    A missing header (not a browser) is allowed: without cookies it proves nothing.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    own = f"{request.scheme}://{request.host}"
    if origin.rstrip("/") == own:
        return True
    return shopper and origin.rstrip("/") in request.app[SETTINGS].allowed_origins


def require_origin(request: web.Request, *, shopper: bool = False) -> None:
    if not origin_allowed(request, shopper=shopper):
        raise web.HTTPForbidden(text="foreign origin")


async def current_agent(request: web.Request) -> AgentRef | None:
    """The agent of the session cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None

    def work(session: Session) -> AgentRef | None:
        agent = agent_store.agent_for_token(session, token)
        return agent_ref(agent, roles_of(session, agent.id)) if agent is not None else None

    return await request.app[GATEWAY].db(work)


async def require_agent(request: web.Request) -> AgentRef:
    agent = await current_agent(request)
    if agent is None:
        raise web.HTTPUnauthorized(text="login required")
    return agent
