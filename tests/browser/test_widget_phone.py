"""A shopper on a phone (320 and 390 px wide) in Debian's Chromium, against the real stack.

Open, complain, send a photo, reload, get messages while the chat is closed, close; an
urgent message while the chat already waits in the queue; and the previous release's widget
against today's gateway. The agent side is mostly driven through the console's HTTP API
(the console's own journeys test its screens); the urgent chat is claimed and resolved in the
console, whose screen must read as Chinese. Screenshots go to ``reports/screens/`` and are
meant to be looked at.
"""

from __future__ import annotations

import re
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import select

from handoff.gateway.identity import sign_shopper
from handoff.gateway.pages import storefront_page
from handoff.models import Case, HandoffEntry
from tests.browser.conftest import (
    OWN_PAGES_ARGS,
    STEP_MS,
    Stack,
    chromium,
    give_order,
    log_in_demo_agent,
    new_page,
    pick,
)
from tests.browser.screens import console_screenshot, save_screen

pytestmark = pytest.mark.slow

PHONES = {320: 568, 390: 844}
#: Each phone shopper's own order (the assistant accepts an order only from its owner).
PHONE_ORDERS = {320: "2024120232000320", 390: "2024120239000390"}
URGENT = "插座冒烟了，孩子的手被烫伤了"
AGENT_REPLY = "您好，我是客服，已经看到您的照片，马上为您处理。"
INPUT = ".dxr-form input:not([type=file])"
#: The storefront page of one test shopper (the gateway's own page signs in demo-shopper,
#: whom other journeys use), served on the gateway's origin by the browser itself.
SHOP_PATH = "phone-shop"
GATEWAY_SECRET = b"browser-test-secret"  # tests/servers.py start_gateway
TIME = re.compile(r"^(\d{1,2}月\d{1,2}日 )?\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium letting the page the test serves itself reach the loopback gateway."""
    yield from chromium(OWN_PAGES_ARGS)


def png(width: int = 64, height: int = 48) -> bytes:
    """A small orange PNG, made here (no files from elsewhere)."""
    row = b"\x00" + bytes((255, 80, 0)) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def phone(
    browser: Any,
    width: int,
    base_url: str,
    shopper: str,
    *,
    secret: bytes = GATEWAY_SECRET,
    path: str = SHOP_PATH,
) -> Any:
    """A phone-sized page on the demo storefront at ``base_url/path``, signed in as
    ``shopper`` with the gateway's ``secret``."""
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": width, "height": PHONES[width]},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(STEP_MS)
    page = storefront_page(shopper, sign_shopper(secret, shopper, int(time.time()) + 3600))
    context.route(
        f"{base_url}/{path}", lambda route: route.fulfill(body=page, content_type="text/html")
    )
    return context.new_page()


class AgentApi:
    """The demo agent, through the console's HTTP API in its own browser context."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.context = browser.new_context()
        self.base = base_url
        self.request = self.context.request
        response = self.request.post(
            f"{base_url}/agent/login", form={"name": "demo", "password": "demo1234"}
        )
        assert response.ok, response.status

    def claim_waiting(self, shopper_id: str) -> str:
        queue = self.request.get(f"{self.base}/agent/api/queue").json()
        (entry,) = [e for e in queue["waiting"] if e["shopper_id"] == shopper_id]
        claimed = self.request.post(
            f"{self.base}/agent/api/claim", data={"entry_id": entry["entry_id"]}
        )
        assert claimed.ok, claimed.text()
        return str(claimed.json()["conversation_id"])

    def reply(self, conversation_id: str, text: str) -> None:
        sent = self.request.post(
            f"{self.base}/agent/api/conversations/{conversation_id}/reply", data={"text": text}
        )
        assert sent.ok, sent.text()

    def types_for(self, conversation_id: str, milliseconds: int) -> None:
        """Type in the chat as the console does: a typing frame every 2 s over /agent/ws."""
        page = self.context.new_page()
        page.goto(f"{self.base}/agent/login")  # any page of the gateway's origin
        page.evaluate(
            """([cid, ms]) => new Promise(resolve => {
                 const ws = new WebSocket(location.origin.replace('http', 'ws') + '/agent/ws');
                 ws.onopen = () => {
                   ws.send(JSON.stringify({type: 'watch', conversation_id: cid, after: 1e12}));
                   const typing = () => ws.send(JSON.stringify({type: 'typing'}));
                   typing();
                   const timer = setInterval(typing, 2000);
                   setTimeout(() => { clearInterval(timer); ws.close(); resolve(); }, ms);
                 };
               })""",
            [conversation_id, milliseconds],
        )
        page.close()

    def close(self) -> None:
        self.context.close()


def scrolled_to_newest(page: Any) -> bool:
    return bool(
        page.locator(".dxr-log").evaluate(
            "log => log.scrollHeight - log.scrollTop - log.clientHeight < 4"
        )
    )


@pytest.mark.parametrize("width", sorted(PHONES))
def test_a_phone_shopper_complains_sends_a_photo_reloads_and_reads_what_came(
    stack: Stack, browser: Any, width: int, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    shopper = f"phone-{width}-{uuid4().hex[:6]}"
    give_order(stack.servers, shopper, PHONE_ORDERS[width])
    complaint = f"我买的电饭煲用了两次就不加热了，订单号 {PHONE_ORDERS[width]}"
    page = phone(browser, width, stack.gateway_url, shopper)
    agent = AgentApi(browser, stack.gateway_url)
    try:
        page.goto(f"{stack.gateway_url}/{SHOP_PATH}")
        launcher = page.locator(".dxr-launcher")
        expect(launcher).to_be_visible()
        save_screen(page, f"widget-{width}-1-closed")

        # Open: the whole screen, a close button, a greeting, a 16 px input (no iOS zoom).
        launcher.click()
        panel = page.locator(".dxr-panel")
        expect(panel).to_be_visible()
        box = panel.bounding_box()
        assert box is not None
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, width, PHONES[width])
        expect(page.locator(".dxr-close")).to_be_visible()
        expect(page.locator(".dxr-greeting")).to_contain_text("转人工")
        assert page.locator(INPUT).evaluate("i => getComputedStyle(i).fontSize") == "16px"
        # The shop's CSS cannot reach inside: the widget lives in a shadow root.
        assert page.evaluate("() => !!document.querySelector('dxr-chat').shadowRoot")
        assert page.evaluate("() => document.querySelectorAll('.dxr-panel').length") == 0

        # Complain; the counter shows the length; every message has a Beijing time.
        page.locator(INPUT).fill(complaint)
        expect(page.locator(".dxr-count")).to_have_text(f"{len(complaint)} / 2000")
        page.locator(".dxr-send").click()
        confirm = page.locator(".dxr-msg.dxr-bot", has_text="请确认")
        expect(confirm).to_have_count(1)
        times = page.locator(".dxr-time").all_text_contents()
        assert times and all(TIME.match(t) for t in times), times
        save_screen(page, f"widget-{width}-2-complaint")
        confirm.locator(".dxr-quick", has_text="确认提交").click()
        expect(page.locator(".dxr-msg.dxr-bot", has_text="商品质量")).to_have_count(1)
        # The buttons of an answered question are spent.
        for quick in confirm.locator(".dxr-quick").all():
            expect(quick).to_be_disabled()

        # A photo: shown at once, uploaded, answered sensibly, enlarged on a tap.
        photo_file = tmp_path / "photo.png"
        photo_file.write_bytes(png())
        page.locator(".dxr-form input[type=file]").set_input_files(str(photo_file))
        sent = page.locator(".dxr-shopper:not(.dxr-pending) img.dxr-img")
        expect(sent).to_have_count(1)
        expect(page.locator(".dxr-msg.dxr-bot", has_text="收到您发的图片")).to_have_count(1)
        expect(page.locator(".dxr-msg.dxr-bot", has_text="您是想")).to_have_count(0)
        save_screen(page, f"widget-{width}-3-photo")
        sent.click()
        expect(page.locator(".dxr-zoom")).to_be_visible()
        save_screen(page, f"widget-{width}-4-zoom")
        page.locator(".dxr-zoom").click()
        expect(page.locator(".dxr-zoom")).to_be_hidden()

        # 转人工 with nobody online: an honest "留言" line with the real deadline.
        page.locator(INPUT).fill("转人工")
        page.locator(".dxr-send").click()
        status = page.locator(".dxr-status")
        expect(status).to_contain_text("客服暂时不在线，您可以留言")
        expect(status).to_contain_text("前回复")
        expect(page.locator(".dxr-quick:not([disabled])")).to_have_count(0)

        # Reload: still open, at the newest message, nothing unread.
        page.reload()
        expect(panel).to_be_visible()
        expect(page.locator(".dxr-msg.dxr-bot", has_text="收到您发的图片")).to_have_count(1)
        expect(page.locator(".dxr-badge")).to_be_hidden()
        page.wait_for_function(
            "() => { const l = document.querySelector('dxr-chat').shadowRoot"
            ".querySelector('.dxr-log'); return l.scrollHeight - l.scrollTop - l.clientHeight < 4 }"
        )
        save_screen(page, f"widget-{width}-5-reloaded")

        # Closed: what the agent sends meanwhile is unread, also after a reload.
        page.locator(".dxr-close").click()
        expect(panel).to_be_hidden()
        conversation_id = agent.claim_waiting(shopper)
        agent.reply(conversation_id, AGENT_REPLY)
        badge = page.locator(".dxr-badge")
        expect(badge).to_have_text("2")  # "已接入" and the reply
        save_screen(page, f"widget-{width}-6-unread")
        page.reload()
        expect(page.locator(".dxr-badge")).to_have_text("2")
        page.locator(".dxr-launcher").click()
        expect(page.locator(".dxr-agent", has_text=AGENT_REPLY)).to_be_visible()
        expect(page.locator(".dxr-status")).to_have_text("客服 演示客服 已接入")
        expect(page.locator(".dxr-badge")).to_be_hidden()
        assert scrolled_to_newest(page)

        # While the agent types, the indicator stays up: sampled every 250 ms.
        page.evaluate(
            "() => { const t = document.querySelector('dxr-chat').shadowRoot"
            ".querySelector('.dxr-typing'); window.typingSamples = [];"
            " window.sampler = setInterval(() =>"
            " window.typingSamples.push(t.classList.contains('dxr-on')), 250) }"
        )
        agent.types_for(conversation_id, 8000)
        samples = page.evaluate(
            "() => { clearInterval(window.sampler); return window.typingSamples }"
        )
        assert True in samples, samples
        shown = samples[samples.index(True) :]
        assert all(shown) and len(shown) >= 12, samples  # steady, for most of the 8 s
        expect(page.locator(".dxr-typing")).to_have_text("客服正在输入…")
        save_screen(page, f"widget-{width}-7-agent")
        page.locator(".dxr-close").click()
        expect(panel).to_be_hidden()
        expect(page.locator(".dxr-launcher")).to_be_visible()
    finally:
        agent.close()
        page.context.close()


def test_an_urgent_message_while_queued_is_answered_and_made_urgent(
    stack: Stack, browser: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    shopper = f"phone-sos-{uuid4().hex[:6]}"  # no code-like word: the console shows it
    page = phone(browser, 390, stack.gateway_url, shopper)
    try:
        page.goto(f"{stack.gateway_url}/{SHOP_PATH}")
        page.locator(".dxr-launcher").click()
        page.locator(INPUT).fill("转人工")
        page.locator(".dxr-send").click()
        # Queued: 留言 when nobody is online, else the position (an earlier test's agent).
        expect(page.locator(".dxr-status")).to_contain_text(re.compile("留言|排队中"))

        page.locator(INPUT).fill(URGENT)
        page.locator(".dxr-send").click()
        expect(page.locator(".dxr-system", has_text="优先转接人工客服")).to_have_count(1)
        advice = page.locator(".dxr-advice")
        expect(advice).to_have_count(1)
        for words in ("停止使用", "拔掉电源", "流动的凉水", "20 分钟", "120"):
            expect(advice).to_contain_text(words)
        advice.scroll_into_view_if_needed()
        save_screen(page, "widget-390-8-urgent-while-queued")

        with stack.servers.factory() as session:
            (entry,) = session.scalars(
                select(HandoffEntry).where(
                    HandoffEntry.shopper_id == shopper, HandoffEntry.status == "waiting"
                )
            )
            assert entry.priority == "urgent"
            assert entry.case is not None and entry.case.urgency == "urgent"
            cases = session.scalars(select(Case).where(Case.shopper_id == shopper)).all()
            assert [c.urgency for c in cases] == ["urgent"]

        # The agent's console: the chat waits among the urgent ones with its reason, and the
        # case says 紧急 and why; the agent claims it and resolves it with a compensation.
        dialogs: list[str] = []
        console = new_page(browser, dialogs)
        try:
            console.set_viewport_size({"width": 1366, "height": 768})
            log_in_demo_agent(console, stack.gateway_url)
            card = console.locator("#waiting .card", has_text="插座冒烟")
            expect(card).to_contain_text("紧急")
            expect(card).to_contain_text("人身安全")
            expect(card.locator(".complaint")).to_have_text(URGENT)
            console_screenshot(console, "urgent-while-queued")
            card.locator("button.claim").click()
            case_panel = console.locator("section.case")
            expect(case_panel.locator(".urgency")).to_contain_text("紧急")
            expect(case_panel.locator(".urgency")).to_contain_text("人身安全")
            expect(case_panel.locator(".history")).to_contain_text("紧急")
            console_screenshot(console, "urgent-while-queued-claimed")
            console.locator("#conversation button.resolve-open").click()
            form = console.locator(".resolve-form")
            pick(console, form.locator(".resolution"), "补偿")
            form.locator("button.resolve").click()
            expect(console.locator("#conversation")).to_have_count(0)
            assert dialogs == []
        finally:
            console.context.close()

        # Handed back: the rating comes at once, one click rates, a plain 谢谢 after the
        # comment question is no comment, and the case logs one rating.
        rating = page.locator(".dxr-msg.dxr-bot", has_text="打个分")
        expect(rating).to_have_count(1)
        rating.locator(".dxr-quick", has_text="5 分").click()
        for quick in rating.locator(".dxr-quick").all():
            expect(quick).to_be_disabled()
        expect(page.locator(".dxr-msg.dxr-bot", has_text="意见或建议")).to_have_count(1)
        page.locator(INPUT).fill("谢谢")
        page.locator(".dxr-send").click()
        expect(page.locator(".dxr-msg.dxr-bot", has_text="感谢您的评价")).to_have_count(1)
        save_screen(page, "widget-390-9-rated")
        with stack.servers.factory() as session:
            (case,) = session.scalars(select(Case).where(Case.shopper_id == shopper)).all()
            assert case.rating == 5 and case.rating_comment is None
            assert [e.kind for e in case.events].count("rated") == 1
    finally:
        page.context.close()


PREVIOUS_WIDGET = Path(__file__).parent / "fixtures" / "widget_v1.js"


def test_the_previous_releases_widget_still_chats_queues_and_hears_the_agent(
    stack: Stack, browser: Any
) -> None:
    """The previous release's widget (protocol 1, no shadow root) against this gateway.

    ``fixtures/widget_v1.js`` is ``handoff/static/widget.js`` as the previous release shipped
    it; the browser gets it instead of today's file. It must still connect, chat, reach the
    queue and show the agent's reply; the frames it does not know (``state``) must not break
    it, and today's stylesheet must still fit it on a phone.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    shopper = f"cached-{uuid4().hex[:6]}"
    page = phone(browser, 390, stack.gateway_url, shopper)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.route(
        f"{stack.gateway_url}/static/widget.js",
        lambda route: route.fulfill(path=str(PREVIOUS_WIDGET), content_type="text/javascript"),
    )
    agent = AgentApi(browser, stack.gateway_url)
    try:
        page.goto(f"{stack.gateway_url}/{SHOP_PATH}")
        assert page.evaluate("() => document.querySelector('dxr-chat') === null")  # old one
        page.click(".dxr-launcher")
        panel = page.locator(".dxr-panel")
        status = panel.locator(".dxr-status")
        expect(status).to_have_text("智能客服小助手")
        box = panel.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390

        panel.locator(INPUT).fill("你好")
        panel.locator(".dxr-send").click()
        expect(panel.locator(".dxr-bot", has_text="智能客服小助手")).to_have_count(1)

        panel.locator(INPUT).fill("转人工")
        panel.locator(".dxr-send").click()
        expect(panel.locator(".dxr-bot", has_text="正在为您转接")).to_have_count(1)
        # Who answers when (nobody online, or the queue position if an agent is).
        honest = re.compile("没有人工客服在线|已为您排队")
        expect(panel.locator(".dxr-system", has_text=honest)).to_have_count(1)
        expect(status).to_have_text("人工客服服务中")  # the mode frames it knows

        conversation_id = agent.claim_waiting(shopper)
        agent.reply(conversation_id, "您好，旧版窗口也能收到我的回复。")
        expect(panel.locator(".dxr-agent", has_text="旧版窗口")).to_have_count(1)
        save_screen(page, "widget-390-previous-release")
        assert errors == []
    finally:
        agent.close()
        page.context.close()
