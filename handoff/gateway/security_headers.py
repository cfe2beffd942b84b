"""Security headers on every response, set in one place (``on_response_prepare``).

- ``Content-Security-Policy`` on pages: scripts and styles from the gateway itself only
  (inline styles allowed: the storefront demo and Element Plus use them), no plugins, no
  ``<base>``, forms post to the gateway, and ``frame-ancestors 'none'`` so no other site can
  frame the console and trick an agent into clicking (``X-Frame-Options: DENY`` for older
  browsers).
- ``X-Content-Type-Options: nosniff`` everywhere: an uploaded "photo" is never run as a script.
- ``Referrer-Policy: same-origin``: a URL with a photo token never leaks to another site
  (``no-referrer`` would make Chromium send ``Origin: null`` on the login form's POST, which
  the Origin check rightly refuses).

A response that set its own policy (photos: ``default-src 'none'``) keeps it; a 304 gets
none (the cached response keeps its own).
"""

from __future__ import annotations

import re
from typing import Final

from aiohttp import web

_HOST: Final = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def page_policy(host: str) -> str:
    """The CSP of the gateway's pages; the socket's ``ws(s)://host`` is named for browsers
    whose ``'self'`` does not cover WebSockets."""
    sockets = f" ws://{host} wss://{host}" if _HOST.fullmatch(host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; "
        f"connect-src 'self'{sockets}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` handler: the headers above, without overriding a view's own."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    # A 304 has no body and no Content-Type, and the browser merges its headers into the
    # cached page: the non-page policy on it would blank a console page on reload.
    if "Content-Security-Policy" not in headers and response.status != 304:
        content_type = headers.get("Content-Type", "")
        if content_type.startswith("text/html"):
            headers["Content-Security-Policy"] = page_policy(request.host)
        elif not request.path.startswith("/static/"):
            headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
