"""An agent's shift in the console, in Debian's Chromium against the whole real product.

Log in, get notified of a new urgent chat (sound, title badge, desktop notification, the
in-page notice), claim it with the claim-next key, read it, reply with Enter, insert a canned
reply with "/", add a note, correct the category, resolve with a note, find the case with
Ctrl+K, and reopen it. The shopper speaks the widget's WebSocket protocol from the test (the
widget has journeys of its own), so this test depends on the console's screen only.

Screenshots at 1366 and 1024 px go to ``reports/screens/``; after every step the screen is
read and the test fails on a raw code (quality, in_progress…), JSON or an ISO time.
Costs about a minute on top of the servers' start.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest

from handoff.gateway.identity import sign_shopper
from tests.browser.conftest import STEP_MS, Stack, new_page, pick
from tests.browser.screens import console_screenshot

pytestmark = pytest.mark.slow

SECRET = "browser-test-secret"  # tests/servers.py gives the gateway this secret
SHOPPER = "shopper-7788"
URGENT = "刚买的电热水壶漏电，我的手被电了一下，现在还发麻"
NOTE = "已请仓库下架同批次水壶，等待质检报告"
RESOLUTION_NOTE = "已说明先停用，质检后联系顾客补偿"
REPLY = "非常抱歉，请您先拔掉电源，不要再使用这个水壶。"

#: Records desktop notifications and alert tones (the browser's side, not ours).
SPIES = """
window.__notifications = [];
window.__tones = 0;
class SpyNotification {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) {
    window.__notifications.push({ title, body: options && options.body });
  }
  close() {}
}
window.Notification = SpyNotification;
const RealContext = window.AudioContext;
if (RealContext) {
  const create = RealContext.prototype.createOscillator;
  RealContext.prototype.createOscillator = function () {
    window.__tones += 1;
    return create.call(this);
  };
}
"""


class Shopper:
    """A signed-in shopper on the widget's WebSocket, in a thread of its own."""

    def __init__(self, base_url: str, shopper_id: str) -> None:
        signature = sign_shopper(SECRET.encode(), shopper_id, int(time.time()) + 3600)
        query = f"shopper={shopper_id}&sig={signature}"
        self.url = base_url.replace("http", "ws", 1) + f"/ws?{query}"
        self.frames: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(60), "the shopper could not connect"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._listen())

    async def _listen(self) -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(self.url) as ws:
            self._ws = ws
            self._ready.set()
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    with self._lock:
                        self.frames.append(frame.json())

    def say(self, text: str) -> None:
        assert self._ws is not None
        frame = {"type": "message", "client_id": f"c{time.monotonic_ns()}", "text": text}
        asyncio.run_coroutine_threadsafe(self._ws.send_json(frame), self._loop).result(30)

    def texts(self, sender: str) -> list[str]:
        """Texts the shopper's screen got from ``sender`` (live messages and history)."""
        with self._lock:
            frames = list(self.frames)
        messages = [f["message"] for f in frames if f.get("type") == "message"]
        messages += [m for f in frames if f.get("type") == "history" for m in f["messages"]]
        return [m["text"] for m in messages if m["sender"] == sender]

    def wait_for(self, sender: str, predicate: Callable[[str], bool], what: str) -> None:
        deadline = time.monotonic() + STEP_MS / 1000
        while time.monotonic() < deadline:
            if any(predicate(t) for t in self.texts(sender)):
                return
            time.sleep(0.2)
        raise AssertionError(f"the shopper never got {what}; got {self.texts(sender)}")

    def close(self) -> None:
        if self._ws is not None:
            asyncio.run_coroutine_threadsafe(self._ws.close(), self._loop).result(30)
        self._thread.join(30)


@pytest.fixture
def shopper(stack: Stack) -> Iterator[Shopper]:
    person = Shopper(stack.gateway_url, SHOPPER)
    try:
        yield person
    finally:
        person.close()


def test_an_agents_shift(stack: Stack, browser: Any, shopper: Shopper) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    dialogs: list[str] = []
    console = new_page(browser, dialogs)
    console.context.add_init_script(SPIES)
    console.set_viewport_size({"width": 1366, "height": 768})
    try:
        # Log in on the styled login page; a wrong password is answered in place.
        console.goto(f"{stack.gateway_url}/agent/login")
        console.fill("input[name=name]", "demo")
        console.fill("input[name=password]", "wrong-password")
        console.click("button[type=submit]")
        expect(console.locator(".error")).to_have_text("用户名或密码错误。")
        console_screenshot(console, "login")
        console.fill("input[name=password]", "demo1234")
        console.click("button[type=submit]")
        expect(console).to_have_url(re.compile(r"/agent/?$"))
        expect(console.locator(".topbar")).to_contain_text("演示客服")
        nav = console.locator(".nav")
        for page_name in ("工作台", "工单", "快捷回复", "训练", "报表"):
            expect(nav).to_contain_text(page_name)  # the demo agent holds every role
        expect(console.locator("[data-count=waiting]")).to_be_visible()
        console.wait_for_timeout(1000)  # the first queue snapshot has arrived (see below)
        expect(console.locator("[data-count=waiting]")).to_have_text("0")

        # A new urgent chat: in-page notice, desktop notification, tone, title badge.
        shopper.say(URGENT)
        notice = console.locator(".urgent-notice")
        expect(notice).to_contain_text("新的紧急会话")
        expect(notice).to_contain_text("漏电")
        expect(console).to_have_title(re.compile(r"^\(1\) "))
        notifications = console.evaluate("window.__notifications")
        assert [n["title"] for n in notifications] == ["新的紧急会话"], notifications
        assert console.evaluate("window.__tones") >= 1
        card = console.locator("#waiting .card", has_text="漏电")
        expect(card).to_contain_text("紧急")
        expect(card).to_contain_text("人身安全")
        expect(card).to_contain_text(SHOPPER)
        expect(card).to_contain_text("等待")
        expect(console.locator("[data-count=waiting]")).to_have_text("1")
        console_screenshot(console, "notified")

        # Claim next with the keyboard; the newest message is in view.
        console.locator("body").click(position={"x": 5, "y": 300})
        console.keyboard.press("Alt+n")
        chat = console.locator("#conversation")
        expect(chat.locator("#transcript")).to_contain_text("漏电")
        expect(console.locator("#mine .card")).to_have_count(1)
        expect(console.locator("[data-count=waiting]")).to_have_text("0")
        expect(chat.locator("#transcript .msg").last).to_be_in_viewport()
        shopper.wait_for("system", lambda t: "已接入" in t, "the agent's arrival")
        case_panel = console.locator("section.case")
        case_number = case_panel.locator(".case-number").inner_text().strip()
        assert re.fullmatch(r"TS\d{6}-[0-9A-Z]{4}", case_number), case_number

        # Reply with Enter; Shift+Enter only breaks the line.
        box = chat.locator(".reply-input textarea")
        box.click()
        box.type("第一行")
        box.press("Shift+Enter")
        box.type("第二行")
        expect(box).to_have_value("第一行\n第二行")
        box.fill(REPLY)
        box.press("Enter")
        shopper.wait_for("agent", lambda t: t == REPLY, "the agent's reply")
        expect(box).to_have_value("")
        expect(chat.locator("#transcript .msg.agent", has_text=REPLY)).to_have_count(1)

        # A canned reply with "/": type to filter, Enter inserts, Enter sends.
        box.type("/照片")
        menu = chat.locator(".canned-menu")
        expect(menu).to_contain_text("请发照片")
        expect(menu.locator(".canned-item")).to_have_count(1)
        box.press("Enter")
        expect(box).to_have_value(re.compile("照片发给我"))
        box.press("Enter")
        shopper.wait_for("agent", lambda t: "照片发给我" in t, "the canned reply")

        # A note and a corrected category, both in the readable history.
        case_panel.locator(".note-input textarea").fill(NOTE)
        case_panel.locator("button.add-note").click()
        history = case_panel.locator(".history")
        expect(history).to_contain_text(f"演示客服添加备注：{NOTE}")
        pick(console, case_panel.locator(".pick-category"), "售后服务")
        expect(case_panel.locator(".category")).to_contain_text("售后服务（已人工修正）")
        expect(case_panel.locator(".category")).not_to_contain_text("把握")
        expect(history).to_contain_text("修正分类：分类")
        expect(history).to_contain_text("→ 售后服务")
        console_screenshot(console, "chat")

        # Resolve with a type and a note; the shopper is handed back and asked to rate.
        chat.locator("button.resolve-open").click()
        form = console.locator(".resolve-form")
        pick(console, form.locator(".resolution"), "解释说明")
        form.locator(".resolution-note textarea").fill(RESOLUTION_NOTE)
        form.locator("button.resolve").click()
        expect(console.locator("#conversation")).to_have_count(0)
        expect(console.locator("#mine .card")).to_have_count(0)
        shopper.wait_for("system", lambda t: "已结束服务" in t, "the end of the human part")

        # Ctrl+K finds the case by its number; the case page has the whole story.
        console.keyboard.press("Control+k")
        search = console.locator(".topbar .search input")
        expect(search).to_be_focused()
        search.fill(case_number.lower())  # as a shopper might read it out
        search.press("Enter")
        rows = console.locator(".case-table .el-table__body tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("已解决")
        expect(rows.first).to_contain_text("售后服务")
        console_screenshot(console, "cases")
        rows.first.click()
        page_history = console.locator(".history")
        expect(page_history).to_contain_text(f"解决：解释说明，说明：{RESOLUTION_NOTE}")
        expect(page_history).to_contain_text("智能客服创建工单")
        expect(console.locator(".fields")).to_contain_text("演示客服")
        console_screenshot(console, "case")

        # Reopen: the case is in progress again and the chat is back with this agent.
        console.locator("button.reopen").click()
        expect(console.locator("#conversation")).to_be_visible()
        expect(console.locator("#mine .card")).to_have_count(1)
        expect(console.locator("section.case .status")).to_have_text("处理中")
        reopened = console.locator("section.case .history")
        expect(reopened).to_contain_text("重新打开：已解决 → 处理中")
        shopper.wait_for("system", lambda t: "已重新打开" in t, "the reopening notice")
        console_screenshot(console, "reopened")
        assert dialogs == []
    finally:
        console.context.close()
