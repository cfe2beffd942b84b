"""A widget cached by a shop from the previous release keeps working against this gateway.

``fixtures/widget_v1.js`` is the widget as the previous release shipped it (protocol 1, no
shadow root). The browser is given it instead of today's file, and it must still connect,
chat with the assistant, reach the queue and show the agent's reply; the frames it does not
know (``state``) must not break it, and today's stylesheet must still fit it on a phone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import STEP_MS, Stack
from tests.browser.test_widget_phone import (  # noqa: F401  (the module's browser fixture)
    SHOP_PATH,
    AgentApi,
    browser,
    phone,
    shot,
)

pytestmark = pytest.mark.slow

PREVIOUS_WIDGET = Path(__file__).parent / "fixtures" / "widget_v1.js"
INPUT = ".dxr-form input:not([type=file])"


def test_the_previous_releases_widget_still_chats_queues_and_hears_the_agent(
    stack: Stack,
    browser: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    page = phone(browser, 390, stack.gateway_url, "cached-widget")
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
        expect(panel.locator(".dxr-system", has_text="没有人工客服在线")).to_have_count(1)
        expect(status).to_have_text("人工客服服务中")  # the mode frames it knows

        conversation_id = agent.claim_waiting("转人工")
        agent.reply(conversation_id, "您好，旧版窗口也能收到我的回复。")
        expect(panel.locator(".dxr-agent", has_text="旧版窗口")).to_have_count(1)
        shot(page, "widget-390-previous-release")
        assert errors == []
    finally:
        agent.close()
        page.context.close()
