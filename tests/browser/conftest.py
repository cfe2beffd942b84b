"""The whole product in a real headless Chromium: Rasa, actions, the gateway, two browsers.

The servers (``tests/servers.py``) start on free ports against one temporary SQLite database,
once for this folder: every module that asks for ``stack`` shares them (starting Rasa costs
most of a minute). What those tests share, each test is given fresh: its own shoppers, and
the agents' desk as a new install has it (:func:`clear_desk`). Modules that need another
stack (a restarted gateway, other models) start their own. The browser is Debian's
``/usr/bin/chromium`` driven by Playwright (never a downloaded browser build). Tests skip,
saying why, when the models or the browser are missing.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.servers import Servers, free_port, missing_prerequisite, start_gateway, start_servers

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Playwright's per-step timeout (ms): generous, the machines may have two loaded cores.
STEP_MS = 90_000


@dataclass(frozen=True)
class Stack:
    servers: Servers
    gateway_url: str


def run_stack(
    tmp_path_factory: pytest.TempPathFactory, gateway_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """Start the servers and a gateway (with ``gateway_env`` added to its settings); yield
    the stack once; stop everything after. Skips when the models are missing."""
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("browser")
    for servers in start_servers(folder):
        for url in start_gateway(folder, servers, gateway_env):
            yield Stack(servers, url)


#: The storefront signing secret ``tests/servers.py`` gives the gateway.
GATEWAY_SECRET = "browser-test-secret"


class ShopSite:
    """The shop's own site on another origin, embedding the widget for a signed-in shopper
    the way README "Shop integration" shows (the shop is the outside world: the test plays
    it). The shared stack's gateway lists this origin in ``HANDOFF_ALLOWED_ORIGINS``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.page = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.page.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sign_in(self, shopper: str, gateway_url: str) -> None:
        """Serve the storefront signed in as ``shopper``, with the gateway's widget."""
        from handoff.gateway.identity import sign_shopper
        from handoff.gateway.pages import storefront_page

        signature = sign_shopper(GATEWAY_SECRET.encode(), shopper, int(time.time()) + 3600)
        page = storefront_page(shopper, signature)
        self.page = page.replace('src="/static/widget.js"', f'src="{gateway_url}/static/widget.js"')


@pytest.fixture(scope="package")
def shop_site() -> Iterator[ShopSite]:
    site = ShopSite()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()


# Package scope, so one start serves every module here that asks for ``stack``. The browser
# stays per module: Playwright's sync API keeps an event loop running on the main thread
# until it stops, and pytest-asyncio tests collected after this folder (tests/gateway)
# cannot start their own loop while it runs.
@pytest.fixture(scope="package")
def shared_stack(tmp_path_factory: pytest.TempPathFactory, shop_site: ShopSite) -> Iterator[Stack]:
    yield from run_stack(tmp_path_factory, {"HANDOFF_ALLOWED_ORIGINS": shop_site.origin})


@pytest.fixture
def stack(shared_stack: Stack) -> Stack:
    """The folder's stack, with the agents' desk cleared for this test (:func:`clear_desk`)."""
    clear_desk(shared_stack.servers)
    return shared_stack


def clear_desk(servers: Servers) -> None:
    """Put the agents' desk back as a new install has it, for the next test on the shared
    stack: nobody online (an earlier test's console counts as online for the presence
    window after it closed), nothing waiting or claimed (an earlier test's chats would be
    in the queue and in the demo agent's own list), and no login attempts counted (each
    test logs the demo agent in, and the account's limit counts over 15 minutes).

    Only the earlier tests' leftovers change: their conversations are over (their pages
    are closed), and each test uses shoppers of its own."""
    from sqlalchemy import delete, select, update

    from handoff.chat_models import Agent
    from handoff.limit_models import RateCounter
    from handoff.models import HandoffEntry
    from handoff.queue import finish_entry
    from handoff.vocabulary import QUEUE_ACTIVE_STATUSES

    with servers.factory() as session:
        active = select(HandoffEntry).where(HandoffEntry.status.in_(QUEUE_ACTIVE_STATUSES))
        for entry in session.scalars(active).all():
            finish_entry(session, entry)
        session.execute(update(Agent).values(last_seen_at=None))
        session.execute(delete(RateCounter).where(RateCounter.key.like("login-%")))
        session.commit()


#: For a page the test serves itself (``route.fulfill``): it has no address, and Chromium's
#: local-network-access check would refuse its socket to the loopback gateway; a real
#: storefront and the gateway share an origin or a listed one.
OWN_PAGES_ARGS = ["--disable-features=LocalNetworkAccessChecks"]


def chromium(extra_args: list[str] | None = None) -> Iterator[Any]:
    """Debian's Chromium through Playwright for a fixture to yield from; skips, saying why,
    where it is missing, and fails on CI (which installs it)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):  # CI installs it (.ci/run): never let the journey skip there
            pytest.fail(f"no {CHROMIUM} on CI: .ci/run should have installed it")
        pytest.skip("no /usr/bin/chromium: run `make browser-deps` (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="run `make setup`")
    args = [*CHROMIUM_ARGS, *(extra_args or [])]
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium()


def new_page(browser: Any, dialogs: list[str]) -> Any:
    """A page in its own Chinese-locale context; any alert()/confirm() is recorded and
    dismissed, so a script the page should never run shows up in ``dialogs``."""
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(STEP_MS)
    page = context.new_page()

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return page


def log_in_demo_agent(console: Any, base_url: str) -> None:
    """Log the demo agent (created on the gateway's first start) into the console page."""
    import re

    from playwright.sync_api import expect

    console.goto(f"{base_url}/agent/login")
    console.fill("input[name=name]", "demo")
    console.fill("input[name=password]", "demo1234")
    console.click("button[type=submit]")
    expect(console).to_have_url(re.compile(r"/agent/?$"))
    expect(console.locator("header")).to_contain_text("演示客服")


def pick(page: Any, select: Any, label: str) -> None:
    """Choose ``label`` in an Element Plus select: open it, click the option with that text."""
    import re

    select.click()
    option = page.locator(".el-select-dropdown__item:visible").filter(
        has_text=re.compile(f"^\\s*{re.escape(label)}\\s*$")
    )
    option.first.click()


def give_order(
    servers: Servers,
    shopper: str,
    order_id: str,
    product: str = "美的 4L 智能电饭煲",
    amount: str = "299.00",
) -> None:
    """Put an order of ``shopper``'s (of ``product``) in the shop's order table.

    The assistant accepts an order number only from the order's owner (the demo orders
    belong to ``demo-shopper``), so a journey's own shopper needs an order of its own.
    """
    from datetime import datetime, timezone
    from decimal import Decimal

    from handoff.orders import OrderInfo, remember_order

    with servers.factory() as session:
        ordered = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
        info = OrderInfo(order_id, shopper, product, Decimal(amount), "已签收", ordered)
        remember_order(session, info)
        session.commit()
