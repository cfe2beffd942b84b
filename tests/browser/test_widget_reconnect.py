"""How soon the widget tries again while the gateway is unreachable, on a fake clock.

No servers: the storefront page and the widget's files are served by the test, the page's
WebSocket is replaced by one that always fails, and Playwright's clock runs a minute in a
moment. The widget must keep trying every few seconds (never the old 15 s), with jitter, so
that it is back within seconds of the gateway and widgets do not all retry in step.
"""

from __future__ import annotations

from typing import Any

import pytest

from handoff.gateway.app import STATIC_DIR
from tests.browser.conftest import STEP_MS

pytestmark = pytest.mark.slow

SHOP = "http://shop.test"
PAGE = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>
<script src="{SHOP}/static/widget.js" data-shopper="shopper-1" data-sig="x"></script>
</body></html>"""
#: A WebSocket that never connects; each attempt is recorded at the page's (fake) time.
FAILING_SOCKET = """
window.attempts = [];
window.WebSocket = function () {
  var socket = this;
  socket.readyState = 0;
  window.attempts.push(Date.now());
  setTimeout(function () { socket.readyState = 3; if (socket.onclose) socket.onclose({}); }, 10);
};
window.WebSocket.prototype.send = function () { throw new Error("not connected"); };
"""
MINUTE_MS = 60_000


def _shop(browser: Any) -> Any:
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(STEP_MS)
    context.route(f"{SHOP}/", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    context.route(
        f"{SHOP}/static/*",
        lambda route: route.fulfill(path=str(STATIC_DIR / route.request.url.rsplit("/", 1)[-1])),
    )
    context.add_init_script(FAILING_SOCKET)
    return context.new_page()


def test_the_widget_retries_every_few_seconds_with_jitter(browser: Any) -> None:
    page = _shop(browser)
    try:
        page.clock.install()
        page.goto(f"{SHOP}/")
        page.wait_for_function("window.attempts.length >= 1")
        page.clock.run_for(MINUTE_MS)
        attempts = page.evaluate("window.attempts")
        status = page.locator(".dxr-status").text_content()
    finally:
        page.context.close()
    gaps = [later - earlier for earlier, later in zip(attempts, attempts[1:])]
    assert status == "连接已断开，正在重连…"
    assert max(gaps) <= 5_000, f"waited {max(gaps)} ms between attempts: {gaps}"
    assert len(attempts) >= 12, f"only {len(attempts)} attempts in a minute: {gaps}"
    capped = gaps[4:]
    assert min(capped) >= 3_000, f"hammering the gateway: {gaps}"
    assert len(set(capped)) > 1, f"no jitter: {gaps}"
