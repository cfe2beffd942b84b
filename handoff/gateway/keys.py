"""Typed application state shared by the views."""

from __future__ import annotations

import weakref

from aiohttp import web

from handoff.gateway.service import Gateway
from handoff.gateway.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
GATEWAY = web.AppKey("gateway", Gateway)
SOCKETS = web.AppKey("sockets", weakref.WeakSet[web.WebSocketResponse])
