"""The supervisor's journey in Chromium against the real stack (Rasa, actions, gateway).

As on ``make run``, the month of demo history is seeded first, so 报表 has something to draw
and the surge detector a real baseline. The supervisor (the demo agent holds every role)
reads 报表 (seven charts drawn, a CSV downloaded) and keeps 警报 open while ``python -m
handoff simulate`` sends signed shoppers through the widget's WebSocket with a surge on the
soy-milk maker; the gateway's surge scan raises the alert, which appears on the page; the
supervisor declares the incident, approving the message; a shopper of this test who owns a
soy-milk maker order writes in the storefront widget and is told it; the supervisor closes
the incident with a summary and improvements. Then 回访: a seeded shopper whose follow-up is
due (listed on 回访) opens the widget, is asked whether the problem is solved, answers "not
yet", and the case is reopened, off the call list and on 警报. Both shoppers' page is the
shop's own site on another origin (a small server in the test), embedding the widget.

Screenshots at 1366 and 1024 px (console) and 390 px (widget) under ``reports/screens/``.
Cost: 2-4 minutes on the folder's shared stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from handoff.supervision_models import Followup
from tests.browser.conftest import (
    GATEWAY_SECRET,
    STEP_MS,
    ShopSite,
    Stack,
    give_order,
    log_in_demo_agent,
    new_page,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "reports" / "screens"
PRODUCT = "九阳 破壁豆浆机 D2"
#: The affected shopper's own soy-milk maker order (the demo shopper has one too, but other
#: journeys on the shared stack talk as the demo shopper).
AFFECTED_ORDER = "2024120245900459"
MESSAGE = "我们已经注意到部分豆浆机漏水的问题，正在加急处理，可以直接为您换新或退款。"
#: How long the surge may take to show on 警报: simulate's shoppers each need a few Rasa
#: turns, and the machine may be loaded.
SURGE_MS = 480_000
WIDTHS = (1366, 1024)


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "handoff", *args]


def _env(stack: Stack) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": stack.servers.database_url,
        "HANDOFF_SECRET": GATEWAY_SECRET,
    }


def _shoot(page: Any, name: str, widths: tuple[int, ...] = WIDTHS) -> None:
    """The top of the console's page (it scrolls inside ``.page``) at each width, after the
    charts have redrawn for that width."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("document.querySelector('.page')?.scrollTo(0, 0)")
        charts = page.locator(".echart")
        expect(page.locator(".echart[data-drawn=yes]")).to_have_count(charts.count())
        page.screenshot(path=str(SCREENS / f"journey-{name}-{width}.png"))


def _due_followup(stack: Stack) -> tuple[str, str]:
    """A seeded shopper whose 回访 is due and not yet asked, with the case's number."""
    with stack.servers.factory() as session:
        followup = session.scalars(
            select(Followup)
            .where(Followup.status == "scheduled", Followup.shopper_id.like("demo-hist-%"))
            .order_by(Followup.due_at)
        ).first()
        assert followup is not None, "the demo history seeds due follow-ups"
        return followup.shopper_id, followup.case.case_number


def test_reports_surge_incident_informed_shopper_summary_and_followup(
    stack: Stack, browser: Any, shop_site: ShopSite
) -> None:
    expect.set_options(timeout=STEP_MS)
    SCREENS.mkdir(parents=True, exist_ok=True)
    seeded = subprocess.run(
        _command("demo", "seed-history"),
        cwd=ROOT,
        env=_env(stack),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr

    dialogs: list[str] = []
    console = new_page(browser, dialogs)
    log_in_demo_agent(console, stack.gateway_url)

    # 报表: the seeded month, drawn; every table downloads as CSV.
    console.goto(f"{stack.gateway_url}/agent/reports")
    expect(console.locator(".echart[data-drawn=yes]")).to_have_count(7)
    assert int(console.locator(".kpi strong").first.inner_text()) >= 300  # the seeded month
    _shoot(console, "reports")
    with console.expect_download() as download:
        console.locator("button.csv").first.click()
    path = download.value.path()
    assert path is not None and "首次响应" in Path(path).read_text(encoding="utf-8-sig")
    with console.expect_download() as download:
        console.locator("button.csv").nth(1).click()  # the agents' table: seeded agents in it
    agents_csv = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert agents_csv.count("\n") >= 3, agents_csv

    # 警报 stays open while simulate drives shoppers through the widget's protocol.
    console.set_viewport_size({"width": 1366, "height": 900})
    console.goto(f"{stack.gateway_url}/agent/alerts")
    expect(console.locator(".alert-table")).to_be_visible()
    simulate = _command("simulate", "--url", stack.gateway_url, "--shoppers", "6")
    simulate += ["--surge", "5", "--gap", "2", "--wait", "300", "--turn-seconds", "300"]
    simulating = subprocess.Popen(
        simulate,
        cwd=ROOT,
        env=_env(stack),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        surge_row = console.locator(".alert-table tr", has=console.locator("button.declare"))
        surge_row = surge_row.filter(has_text=PRODUCT).first
        expect(surge_row).to_contain_text("投诉激增", timeout=SURGE_MS)
        output, _ = simulating.communicate(timeout=SURGE_MS / 1000)
    finally:
        if simulating.poll() is None:
            simulating.kill()
            simulating.wait()
    assert simulating.returncode == 0, output
    assert '"kind": "surge"' in output and PRODUCT in output, output
    _shoot(console, "surge-alert")

    # Declare the incident from the alert, approving the message to shoppers.
    surge_row.locator("button.declare").click()
    console.locator(".incident-message textarea").fill(MESSAGE)
    console.locator("button.confirm-declare").click()
    detail = console.locator(".incident-detail")
    expect(detail).to_contain_text(PRODUCT)
    expect(console.locator(".incident-item.active")).to_contain_text("处理中")

    # An affected shopper (one who owns a soy-milk maker order) is told it.
    affected = f"soy-{uuid4().hex[:6]}"
    give_order(stack.servers, affected, AFFECTED_ORDER, PRODUCT, "459.00")
    shop_site.sign_in(affected, stack.gateway_url)
    shop = new_page(browser, dialogs)
    shop.set_viewport_size({"width": 390, "height": 844})
    shop.goto(shop_site.origin)
    shop.locator(".dxr-launcher").click()
    shop.locator(".dxr-form input:not([type=file])").fill("你好，我的豆浆机也漏水了")
    shop.locator(".dxr-send").click()
    expect(shop.locator(".dxr-bot", has_text="我们已经注意到")).to_contain_text(MESSAGE)
    shop.screenshot(path=str(SCREENS / "journey-shopper-told-390.png"))
    shop.context.close()

    # Close with a summary and the improvements decided (总结与改进).
    console.reload()
    expect(detail).to_contain_text("已告知 1 位顾客")
    console.locator(".close-summary textarea").fill(
        "同一批次密封圈偏小导致漏水，已为顾客换新或退款。"
    )
    console.locator(".close-improvements textarea").fill(
        "入库抽检增加密封性测试\n批次问题 24 小时内响应"
    )
    console.locator("button.close-incident").click()
    expect(detail).to_contain_text("入库抽检增加密封性测试")
    expect(console.locator(".timeline")).to_contain_text("结束并总结")
    _shoot(console, "incident-closed")

    # 回访: a due follow-up is on the call list; the shopper opens the chat and is asked.
    shopper, case_number = _due_followup(stack)
    console.goto(f"{stack.gateway_url}/agent/followups")
    rows = console.locator(".followup-table .el-table__body tr")
    expect(rows.filter(has_text=case_number)).to_have_count(1)
    _shoot(console, "followups")
    shop_site.sign_in(shopper, stack.gateway_url)
    asked = new_page(browser, dialogs)
    asked.set_viewport_size({"width": 390, "height": 844})
    asked.goto(shop_site.origin)
    asked.locator(".dxr-launcher").click()
    question = asked.locator(".dxr-bot", has_text="问题真的解决了吗")
    expect(question).to_contain_text(case_number)
    question.locator(".dxr-quick", has_text="还没有解决").click()
    expect(asked.locator(".dxr-bot", has_text="已重新打开")).to_contain_text(case_number)
    asked.screenshot(path=str(SCREENS / "journey-followup-asked-390.png"))
    asked.context.close()

    # Answered: off the call list, the case in progress again, the supervisors alerted.
    console.reload()
    expect(console.locator(".followup-table")).to_be_visible()
    expect(rows.filter(has_text=case_number)).to_have_count(0)
    console.goto(f"{stack.gateway_url}/agent/alerts")
    expect(console.locator(".alert-table tr", has_text=case_number).first).to_contain_text("回访")
    console.goto(f"{stack.gateway_url}/agent/cases/{case_number}")
    expect(console.locator(".case-grid .form-row strong").first).to_have_text("处理中")
    assert dialogs == []
