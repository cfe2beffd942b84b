"""The gateway restarts mid-conversation; the widget and the console lose and repeat nothing.

The issue's promise: every message, both directions, is stored before it is acknowledged, so
a restart loses nothing and a reconnecting or reloaded widget gets its history back. Here the
real gateway process (``python -m handoff serve``) is stopped with SIGTERM, as a service
manager would, and started again on the same port and database while a shopper's widget
(and, in the second test, an agent's console) stays open in Chromium. After every step what
each page shows is compared with the stored transcript: the same messages, in order, once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from handoff.chat_models import Message
from handoff.gateway.identity import Identity
from tests.browser.conftest import STEP_MS
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
#: Seconds a SIGTERM'd gateway may take to close its sockets and exit.
STOP_SECONDS = 60

#: What the widget shows, one [sender, text] pair per bubble, top to bottom.
WIDGET_ROWS = """() => Array.from(document.querySelectorAll('.dxr-panel .dxr-log .dxr-msg'),
  row => [row.className.replace('dxr-msg dxr-', ''),
          (row.querySelector('.dxr-text') || {}).textContent || ''])"""
#: What the console's transcript shows, the same way.
CONSOLE_ROWS = """() => Array.from(document.querySelectorAll('#transcript .msg'),
  row => [row.className.replace('msg ', ''),
          (row.querySelector('.text') || {}).textContent || ''])"""


class RestartableGateway:
    """``python -m handoff serve`` on one port and one database, stopped and started at will."""

    def __init__(self, folder: Path, servers: Servers) -> None:
        self.servers = servers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        self.log = folder / "gateway.log"
        self.env = os.environ | {
            "DATABASE_URL": servers.database_url,
            "RASA_URL": servers.rasa_url,
            "HANDOFF_HOST": "127.0.0.1",
            "HANDOFF_PORT": str(self.port),
            "HANDOFF_SECRET": "browser-test-secret",
            "PYTHONPATH": str(ROOT),
            "TRIAGE_MODEL_DIR": str(TRIAGE_MODEL.parent),
        }
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


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableGateway]:
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("restart")
    for servers in start_servers(folder):
        running = RestartableGateway(folder, servers)
        try:
            running.start()
            yield running
        finally:
            running.close()


def _page(browser: Any, dialogs: list[str]) -> Any:
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(STEP_MS)
    page = context.new_page()

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return page


def _stored(gateway: RestartableGateway) -> list[list[str]]:
    """The demo shopper's transcript in the database, oldest first."""
    with gateway.servers.factory() as session:
        rows = session.scalars(
            select(Message).where(Message.conversation_id == CONVERSATION).order_by(Message.id)
        )
        return [[row.sender, row.text] for row in rows]


def _shows_the_store(page: Any, rows_js: str, gateway: RestartableGateway) -> list[list[str]]:
    """Wait until ``page`` shows exactly the stored transcript (in order, each message once).

    Call it when the conversation is quiet (the last expected reply is on screen), so the
    store no longer changes; the wait only covers the page catching up.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    expected = _stored(gateway)
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
    shop = _page(browser, dialogs)
    try:
        widget = _open_widget(shop, gateway)
        status = widget.locator(".dxr-status")
        expect(status).to_have_text("智能客服小助手")

        _say(widget, "你好")
        expect(widget.locator(".dxr-bot", has_text="智能客服小助手")).to_have_count(1)

        # The complaint is stored (the widget shows it back) and the gateway is stopped at
        # once, while the assistant is still working on the answer.
        _say(widget, COMPLAINT)
        expect(widget.locator(".dxr-shopper", has_text=COMPLAINT)).to_have_count(1)
        assert gateway.stop() == 0, "the gateway should exit cleanly on SIGTERM"
        expect(status).to_have_text(OFFLINE_STATUS)
        gateway.start()
        expect(status).to_have_text("智能客服小助手")
        confirmation = widget.locator(".dxr-bot", has_text="请确认")
        expect(confirmation).to_have_count(1)
        expect(confirmation).to_contain_text("2024112212345678")
        before = _shows_the_store(shop, WIDGET_ROWS, gateway)
        assert before[0] == ["shopper", "你好"] and ["shopper", COMPLAINT] in before
        assert [sender for sender, _ in before].count("bot") >= 2

        # The gateway goes away again; the widget says so and keeps trying.
        assert gateway.stop() == 0, "the gateway should exit cleanly on SIGTERM"
        expect(status).to_have_text(OFFLINE_STATUS)
        # The shopper confirms while it is down: the widget queues the message (it reaches
        # neither the store nor the screen until a gateway acknowledges it).
        confirmation.locator(".dxr-quick", has_text="确认提交").click()
        expect(status).to_have_text(OFFLINE_STATUS)
        assert _stored(gateway) == before
        assert shop.evaluate(WIDGET_ROWS) == before

        # Same port, same database: the widget reconnects without a reload and the queued
        # confirmation is delivered once and answered with a case number.
        gateway.start()
        expect(status).to_have_text("智能客服小助手")
        filed = widget.locator(".dxr-bot", has_text=CASE_NUMBER)
        expect(filed).to_have_count(1)
        expect(filed).to_contain_text("商品质量")
        match = CASE_NUMBER.search(filed.inner_text())
        assert match is not None
        case_number = match.group(0)
        after = _shows_the_store(shop, WIDGET_ROWS, gateway)
        assert after[: len(before)] == before
        assert after.count(["shopper", "/affirm"]) == 1  # the quick reply's payload, sent once

        # A message typed after the restart gets the assistant's answer.
        _say(widget, "我的投诉到哪了")
        progress = widget.locator(".dxr-bot", has_text="前首次回复您")
        expect(progress).to_have_count(1)
        expect(progress).to_contain_text(case_number)
        full = _shows_the_store(shop, WIDGET_ROWS, gateway)
        assert full[: len(after)] == after and ["shopper", "我的投诉到哪了"] in full

        # A reloaded widget gets the whole history back, in order, once.
        shop.reload()
        shop.click(".dxr-launcher")
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
    shop = _page(browser, dialogs)
    console = _page(browser, dialogs)
    try:
        console.goto(f"{gateway.url}/agent/login")
        console.fill("input[name=name]", "demo")
        console.fill("input[name=password]", "demo1234")
        console.click("button[type=submit]")
        expect(console).to_have_url(re.compile(r"/agent$"))
        expect(console.locator("header")).to_contain_text("演示客服")

        # An urgent complaint goes straight to the queue; the demo agent claims it.
        widget = _open_widget(shop, gateway)
        status = widget.locator(".dxr-status")
        expect(status).to_have_text("智能客服小助手")
        _say(widget, URGENT)
        expect(widget.locator(".dxr-system", has_text="优先转接人工客服")).to_have_count(1)
        expect(status).to_have_text("人工客服服务中")
        waiting = console.locator("#waiting li", has_text="冒烟")
        expect(waiting).to_have_count(1)
        expect(waiting).to_contain_text("紧急")
        waiting.locator("button.claim").click()
        expect(widget.locator(".dxr-system", has_text="已接入")).to_have_count(1)
        expect(console.locator("#claimed li")).to_have_count(1)
        expect(console.locator("#transcript .msg.system", has_text="已接入")).to_have_count(1)
        claimed = _shows_the_store(console, CONSOLE_ROWS, gateway)
        assert _shows_the_store(shop, WIDGET_ROWS, gateway) == claimed
        assert ["shopper", URGENT] in claimed

        # Restart while an agent is in charge; the shopper writes while the gateway is down.
        assert gateway.stop() == 0, "the gateway should exit cleanly on SIGTERM"
        expect(status).to_have_text(OFFLINE_STATUS)
        _say(widget, TYPED_WHILE_DOWN)
        assert _stored(gateway) == claimed
        gateway.start()

        # Both pages reconnect by themselves: the human is still in charge, the queued
        # message reaches the agent's transcript once, and nothing else is repeated.
        expect(status).to_have_text("人工客服服务中")
        expect(widget.locator(".dxr-shopper", has_text=TYPED_WHILE_DOWN)).to_have_count(1)
        expect(
            console.locator("#transcript .msg.shopper", has_text=TYPED_WHILE_DOWN)
        ).to_have_count(1)
        expect(console.locator("#claimed li")).to_have_count(1)

        # The agent's reply after the restart reaches the shopper.
        console.locator("#conversation input[placeholder='回复顾客']").fill(AGENT_REPLY)
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
        console.locator("#claimed li").click()
        assert _shows_the_store(console, CONSOLE_ROWS, gateway) == final
        assert dialogs == []
    finally:
        shop.context.close()
        console.context.close()
