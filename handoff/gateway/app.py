"""The app factory: settings in, a ready aiohttp application out.

Resources (database engine, HTTP client for Rasa, triage model) are opened in ``cleanup_ctx``
and closed in reverse order; open WebSockets are closed on shutdown so that a restart does
not hang on idle widgets. At start-up, before the first connection, shopper messages that a
crash left unanswered are relayed (see :meth:`Gateway.recover`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Final

import aiohttp
from aiohttp import WSCloseCode, web
from sqlalchemy.orm import Session, sessionmaker

from handoff import supervision_jobs
from handoff.agents import ensure_demo_agent
from handoff.db import make_session_factory, prepare_database, transaction
from handoff.gateway import agent_views, review_views, shopper_views
from handoff.gateway.housekeeping import housekeeping
from handoff.gateway.hub import Hub
from handoff.gateway.identity import STOREFRONT_SIGNATURE_LIFETIME, sign_shopper
from handoff.gateway.keys import GATEWAY, SETTINGS, SOCKETS
from handoff.gateway.live_screening import LiveScreener, follow_live_model
from handoff.gateway.malformed_requests import install_malformed_request_filter
from handoff.gateway.pages import storefront_page
from handoff.gateway.rasa import Assistant, RasaHttp
from handoff.gateway.screening import Screener
from handoff.gateway.security_headers import add_security_headers
from handoff.gateway.service import Gateway
from handoff.gateway.settings import Settings
from handoff.live_bus import make_bus
from handoff.log_masking import install_log_masking
from handoff.ops import gateway_ops
from handoff.ops.json_logs import use_log_format
from handoff.ops.metrics import METRICS, MeteredAssistant
from handoff.presence import make_presence
from handoff.review.background import harvesting
from handoff.training.live_triage import LiveTriageModel
from handoff.training.registry import triage_root

log = logging.getLogger(__name__)

STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "static"
#: A Rasa that does not accept the connection this soon is down (its turns take longer).
RASA_CONNECT_SECONDS: Final = 5.0

AssistantFactory = Callable[[aiohttp.ClientSession, Settings], Assistant]


async def _live_screener(factory: sessionmaker[Session]) -> LiveScreener:
    """The live triage model (the database's pointer, else models/triage/latest)."""
    live = LiveTriageModel(factory, triage_root())
    try:
        await asyncio.to_thread(live.refresh)
    except Exception as error:  # no trained model: the gateway still chats, without screening
        log.error("triage model not loaded (%s); urgent messages are not screened", error)
    return LiveScreener(live)


def make_app(
    settings: Settings,
    *,
    assistant: AssistantFactory | None = None,
    screener: Screener | None = None,
) -> web.Application:
    """Build the gateway. ``assistant`` and ``screener`` replace Rasa and the model in tests."""
    app = web.Application(client_max_size=settings.max_upload_bytes + 64 * 1024)
    install_malformed_request_filter()
    app[SETTINGS] = settings
    app[SOCKETS] = weakref.WeakSet()

    async def resources(app: web.Application) -> AsyncIterator[None]:
        engine = await asyncio.to_thread(prepare_database, settings.database_url)
        factory = make_session_factory(engine)

        def seed() -> None:
            with transaction(factory) as session:
                if ensure_demo_agent(session) is not None:
                    log.warning("created the demo agent 'demo' (password demo1234): change it")

        await asyncio.to_thread(seed)
        # A turn may take Rasa's whole turn budget (a slow action): wait past it, never less.
        timeout = aiohttp.ClientTimeout(
            total=settings.rasa_turn_seconds, connect=RASA_CONNECT_SECONDS
        )
        client = aiohttp.ClientSession(timeout=timeout)
        bot = (
            assistant(client, settings)
            if assistant
            else RasaHttp(
                client, settings.rasa_url, settings.rasa_token, settings.rasa_channel_secret
            )
        )
        live = screener if screener is not None else await _live_screener(factory)
        bus = make_bus(settings.redis_url)
        await bus.start()
        presence = make_presence(settings.redis_url, factory)  # Redis keys, or the database
        await presence.start()
        bot = MeteredAssistant(bot, app[METRICS])  # turns and their latency (/metrics)
        gateway = Gateway(factory, bot, live, Hub(bus), settings.secret, presence=presence)
        app[GATEWAY] = gateway
        # Before the first connection: shopper messages a crash left unanswered go first.
        recovering = await gateway.recover()
        try:
            async with contextlib.AsyncExitStack() as background:
                if isinstance(live, LiveScreener):
                    await background.enter_async_context(follow_live_model(live.live))
                await background.enter_async_context(
                    harvesting(factory, settings.tracker_url, settings.harvest_seconds)
                )
                yield
        finally:
            if recovering is not None:
                recovering.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recovering
            await client.close()
            await bus.close()
            await presence.close()
            engine.dispose()

    async def close_sockets(app: web.Application) -> None:
        sockets: weakref.WeakSet[web.WebSocketResponse] = app[SOCKETS]
        for ws in list(sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(housekeeping)
    supervision_jobs.install(app)  # after resources: the jobs use the gateway's database
    app.on_shutdown.append(close_sockets)
    app.on_response_prepare.append(add_security_headers)
    gateway_ops.install(app)  # /health, /ready, /metrics; request metrics, audit of reads

    async def storefront(request: web.Request) -> web.Response:
        shopper = settings.demo_shopper
        expires = int(time.time()) + STOREFRONT_SIGNATURE_LIFETIME
        page = storefront_page(shopper, sign_shopper(settings.secret, shopper, expires))
        return web.Response(text=page, content_type="text/html")

    app.add_routes(
        [
            web.get("/", storefront),
            web.get("/ws", shopper_views.shopper_socket),
            web.post("/api/upload", shopper_views.upload),
            web.get("/attachments/{attachment_id}", shopper_views.attachment),
            web.static("/static", STATIC_DIR),
        ]
    )
    app.add_routes(review_views.routes())  # 训练: the trainers' API
    app.add_routes(agent_views.console_routes())
    return app


def serve(settings: Settings) -> None:
    """Run the gateway until interrupted."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger().setLevel(logging.INFO)  # `python -m handoff` set WARNING for the CLI
    install_log_masking()
    use_log_format()  # LOG_FORMAT=json: one JSON object a line, with the conversation id
    web.run_app(make_app(settings), host=settings.host, port=settings.port)
