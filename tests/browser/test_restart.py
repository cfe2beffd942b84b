"""The gateway restarts mid-conversation; the widget and the console lose and repeat nothing.

The issue's promise: every message, both directions, is stored before it is acknowledged, so
a restart loses nothing and a reconnecting or reloaded widget gets its history back. Here the
real gateway process (``python -m handoff serve``) is stopped with SIGTERM, as a service
manager would, and started again on the same port and database while a shopper's widget
(and, in the second test, an agent's console) stays open in Chromium. After every step what
each page shows is compared with the stored transcript: the same messages, in order, once.
What the shopper types while the gateway is down shows at once as 发送中… and is sent once
it is back, also after a reload in between; a quick reply reads as its title everywhere.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from handoff.chat_models import Message
from handoff.gateway.app import STATIC_DIR
from handoff.gateway.identity import Identity, sign_shopper
from tests.browser.conftest import STEP_MS, give_order, log_in_demo_agent, new_page
from tests.servers import (
    PYTHON,
    ROOT,
    TRIAGE_MODEL,
    Servers,
    _get_text,
    _stop,
    _wait_for,
    free_port,
    missing_prerequisite,
    start_servers,
)

pytestmark = pytest.mark.slow

SHOPPER = "demo-shopper"  # the storefront page signs this shopper in
CONVERSATION = Identity(shopper_id=SHOPPER, anonymous=False).conversation_id
COMPLAINT = "我买的电饭煲用了两次就不加热了，订单号 2024112212345678"
CASE_NUMBER = re.compile(r"TS\d{6}-[0-9A-Z]{4}")
OFFLINE_STATUS = "连接已断开，正在重连…"
URGENT = "充电宝充电时冒烟了，孩子的手被烫伤了"
TYPED_WHILE_DOWN = "孩子的手还是很红，要不要去医院？"
AGENT_REPLY = "建议先去医院检查一下，费用由我们承担，订单我们已经加急处理。"
#: A shopper of their own for the reload test, on a storefront the test serves itself.
OFFLINE_SHOPPER = "offline-shopper"
OFFLINE_CONVERSATION = Identity(shopper_id=OFFLINE_SHOPPER, anonymous=False).conversation_id
#: The offline shopper's own order: the assistant accepts an order only from its owner.
OFFLINE_ORDER = "2024120211223344"
OFFLINE_COMPLAINT = f"我买的电饭煲用了两次就不加热了，订单号 {OFFLINE_ORDER}"
PENDING = "发送中…"
#: Seconds a SIGTERM'd gateway may take to close its sockets and exit.
STOP_SECONDS = 60

#: What the widget shows, one [sender, text] pair per bubble, top to bottom.
WIDGET_ROWS = """() => Array.from((document.querySelector('dxr-chat').shadowRoot || document)
    .querySelectorAll('.dxr-panel .dxr-log .dxr-msg:not(.dxr-greeting)'),
  row => [row.className.replace('dxr-msg dxr-', '').replace(' dxr-advice', ''),
          (row.querySelector('.dxr-text') || {}).textContent || ''])"""
#: What the console's transcript shows, the same way.
CONSOLE_ROWS = """() => Array.from(document.querySelectorAll('#transcript .msg'),
  row => [row.className.replace('msg ', ''),
          (row.querySelector('.text') || {}).textContent || ''])"""


class RestartableGateway:
    """``python -m handoff serve`` on one port and one database, stopped and started at will."""

    def __init__(self, folder: Path, servers: Servers, allowed_origins: str = "") -> None:
        self.servers = servers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        self.log = folder / "gateway.log"
        self.env = (
            os.environ
            | servers.secrets
            | {
                "DATABASE_URL": servers.database_url,
                "RASA_URL": servers.rasa_url,
                "HANDOFF_HOST": "127.0.0.1",
                "HANDOFF_PORT": str(self.port),
                "HANDOFF_SECRET": "browser-test-secret",
                "PYTHONPATH": str(ROOT),
                "TRIAGE_MODEL_DIR": str(TRIAGE_MODEL.parent),
                "HANDOFF_ALLOWED_ORIGINS": allowed_origins,
            }
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.process is None, "the gateway is already running"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(PYTHON), "-m", "handoff", "serve"],
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for(
            f"{self.url}/agent/login",
            self.process,
            self.log,
            lambda page: "客服工作台" in page,
            fetch=_get_text,
        )

    def stop(self) -> int:
        """SIGTERM the gateway and wait for it to exit; return its exit code."""
        process, self.process = self.process, None
        assert process is not None, "the gateway is not running"
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise AssertionError(
                f"the gateway ignored SIGTERM for {STOP_SECONDS}s; log:\n"
                + self.log.read_text()[-3000:]
            ) from None

    def close(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


class ShopServer:
    """A shop's own web server, on its own origin, embedding the widget from the gateway.

    Its pages load while the gateway is down, as a real storefront's do (the gateway lets
    the origin open the shopper WebSocket through ``HANDOFF_ALLOWED_ORIGINS``).
    """

    def __init__(self) -> None:
        pages: dict[str, bytes] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.pages = pages
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add_page(self, path: str, gateway: RestartableGateway, shopper: str) -> str:
        """A page where ``shopper`` is signed in; returns its URL."""
        expires = int(time.time()) + 3600
        signature = sign_shopper(gateway.env["HANDOFF_SECRET"].encode(), shopper, expires)
        self.pages[path] = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            "<title>小二优选</title></head><body><header>小二优选</header>"
            f'<script src="{gateway.url}/static/widget.js" data-shopper="{escape(shopper)}" '
            f'data-sig="{signature}"></script></body></html>'
        ).encode()
        return self.url + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def shop_server() -> Iterator[ShopServer]:
    server = ShopServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, shop_server: ShopServer
) -> Iterator[RestartableGateway]:
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("restart")
    for servers in start_servers(folder):
        running = RestartableGateway(folder, servers, allowed_origins=shop_server.url)
        try:
            running.start()
            yield running
        finally:
            running.close()


def _rows(gateway: RestartableGateway, conversation: str) -> list[Message]:
    with gateway.servers.factory() as session:
        return list(
            session.scalars(
                select(Message).where(Message.conversation_id == conversation).order_by(Message.id)
            )
        )


def _stored(gateway: RestartableGateway, conversation: str = CONVERSATION) -> list[list[str]]:
    """A transcript in the database as people read it (a quick reply's title), oldest first."""
    return [[row.sender, row.display_text or row.text] for row in _rows(gateway, conversation)]


def _sent(gateway: RestartableGateway, conversation: str = CONVERSATION) -> list[str]:
    """What the shopper's messages said to the assistant (a quick reply's payload)."""
    return [row.text for row in _rows(gateway, conversation) if row.sender == "shopper"]


def _shows_the_store(
    page: Any, rows_js: str, gateway: RestartableGateway, conversation: str = CONVERSATION
) -> list[list[str]]:
    """Wait until ``page`` shows exactly the stored transcript (in order, each message once).

    Call it when the conversation is quiet (the last expected reply is on screen), so the
    store no longer changes; the wait only covers the page catching up.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    expected = _stored(gateway, conversation)
    try:
        page.wait_for_function(
            f"expected => JSON.stringify(({rows_js})()) === JSON.stringify(expected)",
            arg=expected,
            timeout=STEP_MS,
        )
    except PlaywrightTimeout:
        shown = page.evaluate(rows_js)
        raise AssertionError(
            "the page does not show the stored transcript:\n"
            f"shown:  {json.dumps(shown, ensure_ascii=False)}\n"
            f"stored: {json.dumps(expected, ensure_ascii=False)}"
        ) from None
    return expected


def _say(widget: Any, text: str) -> None:
    widget.locator(".dxr-form input:not([type=file])").fill(text)
    widget.locator(".dxr-send").click()


def _open_widget(page: Any, gateway: RestartableGateway) -> Any:
    page.goto(f"{gateway.url}/")
    page.click(".dxr-launcher")
    return page.locator(".dxr-panel")


def test_the_widget_reconnects_by_itself_and_loses_nothing(
    gateway: RestartableGateway, browser: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    dialogs: list[str] = []
    shop = new_page(browser, dialogs)
    try:
        widget = _open_widget(shop, gateway)
        status = widget.locator(".dxr-status")
        expect(status).to_have_text("智能客服小助手")

        _say(widget, "你好")
        expect(widget.locator(".dxr-msg.dxr-bot", has_text="智能客服小助手")).to_have_count(1)

        # The complaint is stored (acknowledged: no longer 发送中…) and the gateway is stopped
        # at once, while the assistant is still working on the answer.
        _say(widget, COMPLAINT)
        stored = widget.locator(".dxr-shopper:not(.dxr-pending)", has_text=COMPLAINT)
        expect(stored).to_have_count(1)
        assert gateway.stop() == 0, "the gateway should exit cleanly on SIGTERM"
        expect(status).to_have_text(OFFLINE_STATUS)
        gateway.start()
        expect(status).to_have_text("智能客服小助手")
        confirmation = widget.locator(".dxr-msg.dxr-bot", has_text="请确认")
        expect(confirmation).to_have_count(1)
        expect(confirmation).to_contain_text("2024112212345678")
        before = _shows_the_store(shop, WIDGET_ROWS, gateway)
        assert before[0] == ["shopper", "你好"] and ["shopper", COMPLAINT] in before
        assert [sender for sender, _ in before].count("bot") >= 2

        # The gateway goes away again; the widget says so and keeps trying.
        assert gateway.stop() == 0, "the gateway should exit cleanly on SIGTERM"
        expect(status).to_have_text(OFFLINE_STATUS)
        # The shopper confirms while it is down: the widget shows the confirmation at once,
        # by the button's title and greyed as 发送中…, and queues it; the store has nothing
        # new until a gateway acknowledges it.
        confirmation.locator(".dxr-quick", has_text="确认提交").click()
        pending = widget.locator(".dxr-shopper.dxr-pending")
        expect(pending).to_have_count(1)
        expect(pending.locator(".dxr-text")).to_have_text("确认提交")
        expect(pending).to_contain_text(PENDING)
        expect(status).to_have_text(OFFLINE_STATUS)
        assert _stored(gateway) == before
        assert shop.evaluate(WIDGET_ROWS) == [*before, ["shopper dxr-pending", "确认提交"]]

        # Same port, same database: the widget reconnects without a reload and the queued
        # confirmation is delivered once and answered with a case number.
        gateway.start()
        expect(status).to_have_text("智能客服小助手")
        expect(pending).to_have_count(0)
        filed = widget.locator(".dxr-msg.dxr-bot", has_text=CASE_NUMBER)
        expect(filed).to_have_count(1)
        expect(filed).to_contain_text("商品质量")
        match = CASE_NUMBER.search(filed.inner_text())
        assert match is not None
        case_number = match.group(0)
        after = _shows_the_store(shop, WIDGET_ROWS, gateway)
        assert after[: len(before)] == before
        # The quick reply reads as its title, once; the assistant got its payload, once.
        assert after.count(["shopper", "确认提交"]) == 1
        assert ["shopper", "/affirm"] not in after
        assert _sent(gateway).count("/affirm") == 1

        # A message typed after the restart gets the assistant's answer.
        _say(widget, "我的投诉到哪了")
        progress = widget.locator(".dxr-msg.dxr-bot", has_text="前首次回复您")
        expect(progress).to_have_count(1)
        expect(progress).to_contain_text(case_number)
        full = _shows_the_store(shop, WIDGET_ROWS, gateway)
        assert full[: len(after)] == after and ["shopper", "我的投诉到哪了"] in full

        # A reloaded widget gets the whole history back, in order, once; it stays open.
        shop.reload()
        expect(widget).to_be_visible()
        expect(status).to_have_text("智能客服小助手")
        assert _shows_the_store(shop, WIDGET_ROWS, gateway) == full
        assert dialogs == []
    finally:
        shop.context.close()


def test_a_claimed_urgent_conversation_survives_a_restart(
    gateway: RestartableGateway, browser: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    dialogs: list[str] = []
    shop = new_page(browser, dialogs)
    console = new_page(browser, dialogs)
    try:
        log_in_demo_agent(console, gateway.url)

        # An urgent complaint goes straight to the queue; the demo agent claims it.
        widget = _open_widget(shop, gateway)
        status = widget.locator(".dxr-status")
        expect(status).to_have_text("智能客服小助手")
        _say(widget, URGENT)
        expect(widget.locator(".dxr-system", has_text="优先转接人工客服")).to_have_count(1)
        expect(status).to_contain_text("排队中")  # queued; the demo agent is online
        waiting = console.locator("#waiting .card", has_text="冒烟")
        expect(waiting).to_have_count(1)
        expect(waiting).to_contain_text("紧急")
        waiting.locator("button.claim").click()
        expect(widget.locator(".dxr-system", has_text="已接入")).to_have_count(1)
        expect(console.locator("#mine .card")).to_have_count(1)
        expect(console.locator("#transcript .msg.system", has_text="已接入")).to_have_count(1)
        claimed = _shows_the_store(console, CONSOLE_ROWS, gateway)
        assert _shows_the_store(shop, WIDGET_ROWS, gateway) == claimed
        assert ["shopper", URGENT] in claimed

        # Restart while an agent is in charge; the shopper writes while the gateway is down.
        assert gateway.stop() == 0, "the gateway should exit cleanly on SIGTERM"
        expect(status).to_have_text(OFFLINE_STATUS)
        _say(widget, TYPED_WHILE_DOWN)
        pending = widget.locator(".dxr-shopper.dxr-pending", has_text=TYPED_WHILE_DOWN)
        expect(pending).to_have_count(1)  # on screen at once, so nobody types it twice
        expect(pending).to_contain_text(PENDING)
        assert _stored(gateway) == claimed
        gateway.start()

        # Both pages reconnect by themselves: the human is still in charge, the queued
        # message reaches the agent's transcript once, and nothing else is repeated.
        expect(status).to_have_text("客服 演示客服 已接入")
        expect(widget.locator(".dxr-shopper", has_text=TYPED_WHILE_DOWN)).to_have_count(1)
        expect(widget.locator(".dxr-pending")).to_have_count(0)
        expect(
            console.locator("#transcript .msg.shopper", has_text=TYPED_WHILE_DOWN)
        ).to_have_count(1)
        expect(console.locator("#mine .card")).to_have_count(1)

        # The agent's reply after the restart reaches the shopper.
        console.locator("#conversation .reply-input textarea").fill(AGENT_REPLY)
        console.locator("#conversation button.send").click()
        expect(widget.locator(".dxr-agent", has_text=AGENT_REPLY)).to_have_count(1)
        expect(console.locator("#transcript .msg.agent", has_text=AGENT_REPLY)).to_have_count(1)
        final = _shows_the_store(console, CONSOLE_ROWS, gateway)
        assert final[: len(claimed)] == claimed
        assert final[len(claimed) :] == [
            ["shopper", TYPED_WHILE_DOWN],
            ["agent", AGENT_REPLY],
        ]
        assert _shows_the_store(shop, WIDGET_ROWS, gateway) == final

        # A reloaded console shows the transcript once more, in order.
        console.reload()
        console.locator("#mine .card").click()
        assert _shows_the_store(console, CONSOLE_ROWS, gateway) == final
        assert dialogs == []
    finally:
        shop.context.close()
        console.context.close()


def _widget_files_from_disk(context: Any, gateway: RestartableGateway) -> None:
    """The widget's script and style load while the gateway is down, as from a CDN."""

    def static(route: Any) -> None:
        path = STATIC_DIR / urlsplit(route.request.url).path.rsplit("/", 1)[-1]
        if path.is_file():
            route.fulfill(path=str(path))
        else:
            route.continue_()

    context.route(f"{gateway.url}/static/**", static)


def test_messages_typed_offline_survive_a_reload_and_are_sent_once(
    gateway: RestartableGateway, shop_server: ShopServer, browser: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    dialogs: list[str] = []
    shop = new_page(browser, dialogs)
    console = new_page(browser, dialogs)
    try:
        give_order(gateway.servers, OFFLINE_SHOPPER, OFFLINE_ORDER)
        shop_url = shop_server.add_page("/offline", gateway, OFFLINE_SHOPPER)
        _widget_files_from_disk(shop.context, gateway)
        shop.goto(shop_url)
        shop.click(".dxr-launcher")
        widget = shop.locator(".dxr-panel")
        status = widget.locator(".dxr-status")
        expect(status).to_have_text("智能客服小助手")
        _say(widget, "你好")
        expect(widget.locator(".dxr-msg.dxr-bot")).not_to_have_count(0)
        greeted = _shows_the_store(shop, WIDGET_ROWS, gateway, OFFLINE_CONVERSATION)

        # The gateway is down; the complaint shows at once as 发送中….
        assert gateway.stop() == 0, "the gateway should exit cleanly on SIGTERM"
        expect(status).to_have_text(OFFLINE_STATUS)
        _say(widget, OFFLINE_COMPLAINT)
        pending = widget.locator(".dxr-shopper.dxr-pending")
        expect(pending).to_have_count(1)
        expect(pending.locator(".dxr-text")).to_have_text(OFFLINE_COMPLAINT)
        expect(pending).to_contain_text(PENDING)

        # A reload while it is still down keeps the queued message and shows it again, in
        # the chat that stays open (clicking the launcher now would close it).
        shop.reload()
        expect(widget).to_be_visible()
        expect(status).to_have_text(OFFLINE_STATUS)
        expect(pending).to_have_count(1)
        expect(pending.locator(".dxr-text")).to_have_text(OFFLINE_COMPLAINT)
        assert _stored(gateway, OFFLINE_CONVERSATION) == greeted

        # The gateway is back: the message is sent once, the history comes back above it,
        # and the assistant answers it.
        gateway.start()
        expect(status).to_have_text("智能客服小助手")
        confirmation = widget.locator(".dxr-msg.dxr-bot", has_text="请确认")
        expect(confirmation).to_have_count(1)
        expect(pending).to_have_count(0)
        answered = _shows_the_store(shop, WIDGET_ROWS, gateway, OFFLINE_CONVERSATION)
        assert answered[: len(greeted)] == greeted
        assert answered.count(["shopper", OFFLINE_COMPLAINT]) == 1
        assert _sent(gateway, OFFLINE_CONVERSATION).count(OFFLINE_COMPLAINT) == 1

        # A quick reply reads as its title, for the shopper, in a second tab and for the
        # agent, while the assistant gets the payload.
        confirmation.locator(".dxr-quick", has_text="确认提交").click()
        expect(widget.locator(".dxr-msg.dxr-bot", has_text=CASE_NUMBER)).to_have_count(1)
        expect(widget.locator(".dxr-shopper .dxr-text", has_text="确认提交")).to_have_count(1)
        filed = _shows_the_store(shop, WIDGET_ROWS, gateway, OFFLINE_CONVERSATION)
        assert ["shopper", "确认提交"] in filed and ["shopper", "/affirm"] not in filed
        assert _sent(gateway, OFFLINE_CONVERSATION) == ["你好", OFFLINE_COMPLAINT, "/affirm"]
        second = shop.context.new_page()
        second.goto(shop_url)
        second.click(".dxr-launcher")
        assert _shows_the_store(second, WIDGET_ROWS, gateway, OFFLINE_CONVERSATION) == filed

        log_in_demo_agent(console, gateway.url)
        _say(widget, "转人工")
        waiting = console.locator("#waiting .card", has_text="电饭煲")
        expect(waiting).to_have_count(1)
        waiting.locator("button.claim").click()
        expect(console.locator("#transcript .msg.system", has_text="已接入")).to_have_count(1)
        expect(console.locator("#transcript .msg.shopper", has_text="确认提交")).to_have_count(1)
        transcript = _shows_the_store(console, CONSOLE_ROWS, gateway, OFFLINE_CONVERSATION)
        assert ["shopper", "确认提交"] in transcript
        assert ["shopper", "/affirm"] not in transcript
        assert dialogs == []
    finally:
        shop.context.close()
        console.context.close()
