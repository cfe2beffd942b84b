"""A shopper and an agent, each in their own browser, through one urgent complaint.

Everything is real: the storefront widget and the agent console in Chromium, the gateway
(``python -m handoff serve``), the Rasa server with the trained model, the action server and
the triage model. Only outcomes are asserted, never how long anything took. Screenshots go
to ``reports/screens/``; the console's screen must read as Chinese (no codes, JSON, ISO times).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import STEP_MS, Stack, log_in_demo_agent, new_page, pick
from tests.browser.screens import console_screenshot, save_screen

pytestmark = pytest.mark.slow

URGENT = "充电宝充电时冒烟了，孩子的手被烫伤了，订单号 2024112212345678"
AGENT_REPLY = "非常抱歉，我们马上为您处理，请先让孩子用冷水冲洗。"
SHOPPER_REPLY = "好的，谢谢，已经冲过冷水了"
HOSTILE = "<img src=x onerror=alert(1)>"


def _no_injected_image(page: Any, where: str) -> None:
    """No <img> whose src is the hostile ``x`` exists anywhere in ``where``."""
    assert page.locator(f"{where} img[src='x']").count() == 0


def test_urgent_complaint_reaches_an_agent_and_ends_with_a_rating(
    stack: Stack, browser: Any
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    dialogs: list[str] = []
    shop = new_page(browser, dialogs)
    console = new_page(browser, dialogs)
    try:
        # The agent logs in first, so the console is watching the queue.
        log_in_demo_agent(console, stack.gateway_url)

        # The shopper opens the widget on the storefront and complains.
        shop.goto(f"{stack.gateway_url}/")
        expect(shop.locator("header")).to_contain_text("小二优选")
        shop.click(".dxr-launcher")
        widget = shop.locator(".dxr-panel")
        expect(widget.locator(".dxr-status")).to_have_text("智能客服小助手")
        widget.locator(".dxr-form input:not([type=file])").fill(URGENT)
        widget.locator(".dxr-send").click()
        expect(widget.locator(".dxr-shopper").first).to_contain_text("冒烟")
        expect(widget.locator(".dxr-system").first).to_contain_text("优先转接人工客服")
        # Queued, not served: the agent is online, so the shopper is told the queue position.
        expect(widget.locator(".dxr-status")).to_contain_text("排队中")

        # It shows up in the agent's queue as urgent; the agent claims it.
        waiting = console.locator("#waiting .card", has_text="冒烟")
        expect(waiting).to_have_count(1)
        expect(waiting).to_contain_text("紧急")
        waiting.locator("button.claim").click()
        transcript = console.locator("#transcript")
        expect(transcript).to_contain_text("冒烟")
        expect(console.locator("#mine .card")).to_have_count(1)
        expect(widget.locator(".dxr-log")).to_contain_text("已接入")
        expect(widget.locator(".dxr-status")).to_have_text("客服 演示客服 已接入")
        console_screenshot(console, "journey-claimed")

        # Live chat both ways.
        console.locator("#conversation .reply-input textarea").fill(AGENT_REPLY)
        console.locator("#conversation button.send").click()
        expect(widget.locator(".dxr-agent", has_text=AGENT_REPLY)).to_be_visible()
        expect(widget.locator(".dxr-agent .dxr-who").first).to_contain_text("人工客服 演示客服")
        widget.locator(".dxr-form input:not([type=file])").fill(SHOPPER_REPLY)
        widget.locator(".dxr-send").click()
        expect(transcript).to_contain_text(SHOPPER_REPLY)

        # Markup typed by a shopper is text on both sides, never an element.
        widget.locator(".dxr-form input:not([type=file])").fill(HOSTILE)
        widget.locator(".dxr-send").click()
        expect(widget.locator(".dxr-shopper .dxr-text", has_text=HOSTILE)).to_be_visible()
        expect(console.locator("#transcript .text", has_text=HOSTILE)).to_be_visible()
        _no_injected_image(shop, ".dxr-panel")
        _no_injected_image(console, "#transcript")

        # The agent resolves with a refund; the assistant takes over and asks for a rating.
        console.locator("#conversation button.resolve-open").click()
        form = console.locator(".resolve-form")
        pick(console, form.locator(".resolution"), "退款")
        form.locator("button.resolve").click()
        expect(console.locator("#conversation")).to_have_count(0)
        expect(widget.locator(".dxr-log")).to_contain_text("已结束服务")
        rating = widget.locator(".dxr-msg", has_text="打个分")
        expect(rating).to_be_visible()
        for score in range(1, 6):
            expect(rating.locator(".dxr-quick", has_text=f"{score} 分")).to_be_visible()
        expect(widget.locator(".dxr-status")).to_have_text("智能客服小助手")
        save_screen(shop, "journey-widget-rating")
        expect(console.locator("#mine .card")).to_have_count(0)
        _no_injected_image(shop, "body")
        _no_injected_image(console, "body")
        assert dialogs == []
    finally:
        shop.context.close()
        console.context.close()
