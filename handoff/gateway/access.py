"""Who may call a console route: ``@requires_role("agent")`` on every view.

The decorator logs nobody in: it reads the session cookie (401 without one), checks that
the person holds one of the named roles (403 otherwise, with a Chinese message the console
shows in place) and, for anything but a read, that the request comes from the console's own
origin. The view then reads the person with :func:`request_agent`. Adding a page for a new
role is one decorated view: ``@requires_role("trainer")``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

from handoff.gateway.guards import current_agent, origin_allowed
from handoff.gateway.service import AgentRef
from handoff.roles import ROLES
from handoff.vocabulary_zh import ROLE_NAMES_ZH

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AGENT_KEY: Final = web.RequestKey("handoff.agent", AgentRef)
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def json_error(message_zh: str, status: int) -> web.HTTPException:
    """An HTTP error whose body is ``{"error": message}``, as every console API answers."""
    error_class = {
        400: web.HTTPBadRequest,
        401: web.HTTPUnauthorized,
        403: web.HTTPForbidden,
        404: web.HTTPNotFound,
        409: web.HTTPConflict,
    }.get(status, web.HTTPBadRequest)
    body = web.json_response({"error": message_zh}).text
    return error_class(text=body, content_type="application/json")


def requires_role(*roles: str) -> Callable[[Handler], Handler]:
    """Decorate a console view: the caller must be logged in and hold one of ``roles``."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"requires_role needs roles from {ROLES}, got {roles}")
    allowed = frozenset(roles)
    names = "、".join(ROLE_NAMES_ZH[role] for role in roles)

    def decorate(view: Handler) -> Handler:
        @functools.wraps(view)
        async def guarded(request: web.Request) -> web.StreamResponse:
            if request.method not in _SAFE_METHODS and not origin_allowed(request, shopper=False):
                raise json_error("请求来源不被允许。", 403)
            agent = await current_agent(request)
            if agent is None:
                raise json_error("登录已过期，请重新登录。", 401)
            if not agent.roles & allowed:
                raise json_error(f"这个页面需要{names}权限。", 403)
            request[AGENT_KEY] = agent
            return await view(request)

        guarded.required_roles = allowed  # type: ignore[attr-defined]
        return guarded

    return decorate


def request_agent(request: web.Request) -> AgentRef:
    """The person :func:`requires_role` let in."""
    try:
        return request[AGENT_KEY]
    except KeyError:
        raise RuntimeError("request_agent() outside a @requires_role view") from None
