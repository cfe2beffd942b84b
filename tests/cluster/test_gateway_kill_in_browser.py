"""The real chat widget (``handoff/static/widget.js``) in Debian's Chromium, on the cluster.

Two phone-sized pages (320 and 390 px) talk to the assistant through nginx, before the two
gateways of the package's layout (``make run-cluster``'s). Each gateway in turn is killed with
SIGKILL and started again while the shoppers keep writing; one message of each is written
while its socket is down. The widget must come back by itself through nginx (on whichever
gateway is alive), send what was pending once, and end showing exactly the stored
conversation: every message, either side, once, in order. This is fault test 2 with the
widget itself instead of its Python double (``ResumingWidget``). Screenshots land in
``reports/screens/widget-cluster-*`` and are meant to be looked at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff.gateway.identity import Identity
from tests.browser.conftest import OWN_PAGES_ARGS, STEP_MS, chromium
from tests.browser.screens import save_screen
from tests.browser.test_widget_phone import PHONES, phone
from tests.cluster.gateway_cluster import GATEWAY_SECRET, GatewayProcess, Nginx
from tests.cluster.services import RedisServer
from tests.cluster.shop_layout import transcript

pytestmark = pytest.mark.slow

SHOP_PATH = "cluster-shop"
INPUT = ".dxr-form input:not([type=file])"
#: Written one by one; the second and third while a gateway has just been killed.
WORDS = ["你好", "你好，还在吗", "你好，我又来了", "谢谢"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium letting the page the test serves itself reach the loopback nginx."""
    yield from chromium(OWN_PAGES_ARGS)


def shown(page: Any) -> list[str]:
    """The texts of the messages on the page, top to bottom."""
    return [text.strip() for text in page.locator(".dxr-msg .dxr-text").all_text_contents()]


def test_the_widget_rides_out_gateway_kills_and_shows_everything_once(
    layout: tuple[Nginx, list[GatewayProcess]],
    shop_database: tuple[str, sessionmaker[Session]],
    redis_server: RedisServer,
    browser: Any,
) -> None:
    from playwright.sync_api import expect

    redis_server.start()  # a test of another module may have left it stopped

    expect.set_options(timeout=STEP_MS)
    nginx, gateways = layout
    _, factory = shop_database
    run = uuid4().hex[:6]
    shoppers = {width: f"cluster-phone-{width}-{run}" for width in PHONES}
    pages = {
        w: phone(browser, w, nginx.url, shopper, secret=GATEWAY_SECRET.encode(), path=SHOP_PATH)
        for w, shopper in shoppers.items()
    }

    def bot_answers(page: Any) -> int:
        return int(page.locator(".dxr-msg.dxr-bot").count())

    def write(page: Any, text: str) -> None:
        page.locator(INPUT).fill(text)
        page.locator(".dxr-send").click()

    def answered(page: Any, text: str, answers_before: int) -> None:
        """``text`` is on the page, sent (not pending), and the assistant answered after it."""
        mine = page.locator(".dxr-shopper:not(.dxr-pending) .dxr-text", has_text=text)
        expect(mine.last).to_be_visible()
        expect(page.locator(".dxr-pending")).to_have_count(0)
        deadline = time.monotonic() + STEP_MS / 1000
        while bot_answers(page) <= answers_before and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert bot_answers(page) > answers_before, (text, shown(page))

    for width, page in pages.items():
        page.goto(f"{nginx.url}/{SHOP_PATH}")
        page.locator(".dxr-launcher").click()
        expect(page.locator(".dxr-panel")).to_be_visible()
        before = bot_answers(page)
        write(page, WORDS[0])
        answered(page, WORDS[0], before)
        save_screen(page, f"widget-cluster-{width}-1-chatting")

    for number, victim in enumerate(gateways):
        victim.kill()
        text = WORDS[1 + number]
        counts = {}
        for width, page in pages.items():
            counts[width] = bot_answers(page)
            write(page, text)  # on a socket that may be dead: pending, then sent once
        for width, page in pages.items():
            if number == 0:
                save_screen(page, f"widget-cluster-{width}-2-gateway-killed")
        victim.start()
        for width, page in pages.items():
            answered(page, text, counts[width])

    for width, page in pages.items():
        before = bot_answers(page)
        write(page, WORDS[-1])
        answered(page, WORDS[-1], before)
        save_screen(page, f"widget-cluster-{width}-3-after-two-kills")

    for width, shopper in shoppers.items():
        conversation_id = Identity(shopper_id=shopper, anonymous=False).conversation_id
        deadline = time.monotonic() + 30
        while True:
            stored = [m.display_text or m.text for m in transcript(factory, conversation_id)]
            on_page = shown(pages[width])
            if on_page == stored or time.monotonic() > deadline:
                break
            pages[width].wait_for_timeout(500)
        assert on_page == stored, (width, on_page, stored)
        assert [t for t in on_page if t in WORDS] == WORDS, on_page  # each written once
        # Reload: the same conversation, from the database, once.
        pages[width].reload()
        expect(pages[width].locator(".dxr-panel")).to_be_visible()
        expect(pages[width].locator(".dxr-msg .dxr-text")).to_have_count(len(stored))
        assert shown(pages[width]) == stored
    for page in pages.values():
        page.context.close()
