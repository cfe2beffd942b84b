"""Where a request came from and whether it came over HTTPS, believing a proxy only if it is
one of ``HANDOFF_TRUSTED_PROXIES``.

Rate limits count per address and the session cookie is ``Secure`` over HTTPS; behind a
reverse proxy the gateway sees the proxy's address and plain HTTP, so the proxy's
``X-Forwarded-For`` / ``X-Forwarded-Proto`` count, but only from a configured proxy (anyone
else could send those headers to dodge a limit).
"""

from __future__ import annotations

from aiohttp import web

from handoff.gateway.keys import SETTINGS


def _via_trusted_proxy(request: web.Request) -> bool:
    return (request.remote or "") in request.app[SETTINGS].trusted_proxies


def client_address(request: web.Request) -> str:
    """The client's IP address (the proxy's view of it when behind a trusted proxy)."""
    if _via_trusted_proxy(request):
        forwarded = request.headers.get("X-Forwarded-For", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first[:64]
    return (request.remote or "unknown")[:64]


def came_over_https(request: web.Request) -> bool:
    """Whether the browser's connection was HTTPS (directly, or to a trusted proxy)."""
    if request.secure:
        return True
    if _via_trusted_proxy(request):
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return proto == "https"
    return False
