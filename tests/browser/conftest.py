"""The whole product in a real headless Chromium: Rasa, actions, the gateway, two browsers.

The servers start once per session (``tests/servers.py``) on free ports against one temporary
SQLite database; the browser is Debian's ``/usr/bin/chromium`` driven by Playwright (never a
downloaded browser build). Tests skip, saying why, when the models or the browser are missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import Servers, missing_prerequisite, start_gateway, start_servers

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


# Module scope, not session: Playwright's sync API keeps an event loop running on the main
# thread until it stops, and pytest-asyncio tests collected after this folder (tests/gateway)
# cannot start their own loop while it runs.
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


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from run_stack(tmp_path_factory)


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


def give_order(servers: Servers, shopper: str, order_id: str) -> None:
    """Put an order of ``shopper``'s in the shop's order table.

    The assistant accepts an order number only from the order's owner (the demo order
    belongs to ``demo-shopper``), so a journey's own shopper needs an order of its own.
    """
    from datetime import datetime, timezone
    from decimal import Decimal

    from handoff.orders import OrderInfo, remember_order

    with servers.factory() as session:
        ordered = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
        product, amount = "美的 4L 智能电饭煲", Decimal("299.00")
        info = OrderInfo(order_id, shopper, product, amount, "已签收", ordered)
        remember_order(session, info)
        session.commit()
