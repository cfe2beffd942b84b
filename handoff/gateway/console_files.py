"""The built console (``console/dist``, made by ``make setup``) served at ``/agent``.

Every console URL that is not an API returns ``index.html`` (the Vue router takes it from
there); hashed assets under ``/agent/assets/`` are cached for a year, ``index.html`` never,
so a new build is picked up on the next load. Nothing is fetched from elsewhere at run time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

from aiohttp import web

from handoff.gateway.guards import current_agent

DEFAULT_DIST: Final = Path(__file__).resolve().parents[2] / "console" / "dist"
_ASSET_NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")  # vite: _plugin-vue…
NOT_BUILT_ZH: Final = (
    "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>客服工作台</title>"
    "<body style='font-family:sans-serif;padding:40px'><h1>客服工作台尚未构建</h1>"
    "<p>请在项目目录运行 <code>make setup</code>（需要 Node 20 与 npm），然后刷新本页。</p>"
)


def console_dist() -> Path:
    """Where the built console is: ``$HANDOFF_CONSOLE_DIST`` or ``console/dist``."""
    configured = os.environ.get("HANDOFF_CONSOLE_DIST", "").strip()
    return Path(configured) if configured else DEFAULT_DIST


async def console_page(request: web.Request) -> web.StreamResponse:
    """``index.html`` for a logged-in person; the login page for anyone else."""
    if await current_agent(request) is None:
        raise web.HTTPFound("/agent/login")
    index = console_dist() / "index.html"
    if not index.is_file():
        return web.Response(text=NOT_BUILT_ZH, content_type="text/html", status=503)
    return web.FileResponse(index, headers={"Cache-Control": "no-cache"})


async def console_asset(request: web.Request) -> web.StreamResponse:
    """One hashed build file; names are checked, so no path leaves the assets folder."""
    name = request.match_info["name"]
    path = console_dist() / "assets" / name
    if not _ASSET_NAME.fullmatch(name) or ".." in name or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable"})
