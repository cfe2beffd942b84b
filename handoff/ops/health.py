"""The gateway's ``/health`` and ``/ready`` (the shape is :mod:`handoff.ops.probes`).

Ready means "can serve": the database is required (every message is stored first; without
it nothing works), so its loss is a 503 and a load balancer sends shoppers elsewhere. The
assistant (Rasa's own ``/webhooks/rest/ready``) and the triage model are reported but only
degrade it: without them the gateway still stores messages, tells shoppers the assistant is
away and lets agents work, which beats turning every shopper away.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import aiohttp
from aiohttp import web
from sqlalchemy import text

from handoff.gateway.keys import GATEWAY, SETTINGS
from handoff.gateway.live_screening import LiveScreener
from handoff.gateway.service import Gateway
from handoff.ops.probes import HEALTH_BODY, readiness

log = logging.getLogger(__name__)
CHECK_SECONDS: Final = 3.0
#: Rasa's readiness route on its REST channel (``rasa_extensions.ops_routes``).
RASA_READY_PATH: Final = "/webhooks/rest/ready"
REQUIRED: Final = frozenset({"database"})


async def health(_request: web.Request) -> web.Response:
    """Alive: the process answers HTTP."""
    return web.json_response(HEALTH_BODY)


async def database_reachable(gateway: Gateway) -> bool:
    """One ``SELECT 1`` on the case store within :data:`CHECK_SECONDS`."""
    try:
        await asyncio.wait_for(
            gateway.db(lambda session: session.execute(text("SELECT 1")).scalar()),
            CHECK_SECONDS,
        )
    except Exception as error:
        log.warning("readiness: the database is not reachable (%s)", type(error).__name__)
        return False
    return True


async def assistant_ready(rasa_url: str) -> bool:
    """Rasa's readiness route answered 200 within :data:`CHECK_SECONDS`."""
    timeout = aiohttp.ClientTimeout(total=CHECK_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as client,
            client.get(rasa_url + RASA_READY_PATH) as response,
        ):
            ready = response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        log.warning("readiness: the assistant is not reachable (%s)", type(error).__name__)
        return False
    if not ready:
        log.warning("readiness: the assistant is up but not ready")
    return ready


def triage_loaded(gateway: Gateway) -> bool:
    """The live triage model holds a version (a screener given by a test counts as loaded)."""
    screener = gateway.screener
    return not isinstance(screener, LiveScreener) or screener.live.version is not None


async def ready(request: web.Request) -> web.Response:
    """Can serve: see the module for which checks are required."""
    gateway = request.app[GATEWAY]
    database, assistant = await asyncio.gather(
        database_reachable(gateway), assistant_ready(request.app[SETTINGS].rasa_url)
    )
    checks = {"database": database, "assistant": assistant, "triage_model": triage_loaded(gateway)}
    status, body = readiness(checks, REQUIRED)
    return web.json_response(body, status=status)
