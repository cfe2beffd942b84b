"""A trainer's round in Chromium: the inbox, 20 items worked, export, retrain, compare, promote.

One real stack (Rasa, the action server, the gateway serving the built console) on a
temporary database. Most of the inbox is seeded the way the product fills it (the capture
functions the harvester and the screening call, and an agent's correction made on the
console's case page), so the 20 items are known; a shopper's message through the storefront
widget reaches it for real (Rasa's parse, harvested from its tracker store). The triage models
are small ones trained for real from a small copy of ``nlu_data`` so that retraining takes
seconds. Promoting a Rasa version through the 训练 API loads it into the running Rasa server
(``PUT /model``, with the token) and rollback loads the old one back. An agent without the
trainer role cannot open the page or call its API. Screenshots at 1366 and 1024 px go to
``reports/screens/``. About 4 minutes on a loaded two-core machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import new_page
from tests.servers import (
    RASA_MODELS,
    ROOT,
    Servers,
    http_json,
    missing_prerequisite,
    start_gateway,
    start_servers,
)

SCREENS = ROOT / "reports" / "screens"
PYTHON = ROOT / ".venv" / "bin" / "python"
PER_FILE = 40
UNSURE_INTENTS = [
    ("那个东西咋整啊", "complain"),
    ("我的货呢", "check_progress"),
    ("嗯嗯好的吧", "affirm"),
    ("不是这个意思", "deny"),
    ("你是真人吗", "bot_challenge"),
    ("能帮我干嘛", "ask_capabilities"),
    ("东西还没到呢", "check_progress"),
    ("单子号码我找不到了", "no_order_number"),
    ("服务还行吧", "rate_service"),
    ("今天天气怎么样", "out_of_scope"),
    ("找个人跟我说", "request_human"),
    ("谢了啊", "thanks"),
    ("拜拜咯", "goodbye"),
    ("哈喽哈喽", "greet"),
]
UNSURE_COMPLAINTS = [
    "杯子收到就漏水，我电话13812345678",
    "寄到杭州市西湖区文三路100号的包裹一直没动",
    "退款申请了一周了还没到",
    "优惠券怎么用不了",
    "衣服的颜色和图片差太多了",
    "快递员态度很差还把箱子扔在门口",
    "发票一直没有开",
    "耳机左边没有声音",
    "商品页面写的包邮结果收了运费",
    "换货寄回去半个月了没消息",
]
CORRECTED = "箱子被压扁了，里面的碗碎了两个"
#: Shopper turns through the widget that the assistant is unsure of (at least one of them).
WIDGET_TEXTS = ["呃呃那个那个嗯", "咕噜咕噜啦啦"]

# Skipped for the merge of 2026-12-02: this journey failed on the merged tree in a clean-clone
# run (shoppers were signed without an expiry, which the security change refuses; fixed since,
# but not yet re-run green on an idle machine). Re-enable first thing next session.
pytestmark = [pytest.mark.slow]


def _small_nlu(folder: Path) -> Path:
    nlu = folder / "nlu_data"
    shutil.copytree(ROOT / "nlu_data" / "intents", nlu / "intents")
    for part in ("train", "heldout"):
        (nlu / "triage" / part).mkdir(parents=True)
        for path in sorted((ROOT / "nlu_data" / "triage" / part).glob("*.jsonl")):
            if path.name != "reviewed.jsonl":
                lines = path.read_text(encoding="utf-8").splitlines()
                keep = lines[:PER_FILE] if part == "train" else lines[:12]
                (nlu / "triage" / part / path.name).write_text(
                    "\n".join(keep) + "\n", encoding="utf-8"
                )
    (nlu / "intents" / "reviewed.yml").unlink(missing_ok=True)
    return nlu


def _seed(factory: sessionmaker[Session]) -> str:
    """Agents, unsure messages as the harvester and screening record them, one open case."""
    from handoff.agents import add_agent
    from handoff.cases import TriageSummary, open_case
    from handoff.db import transaction
    from handoff.review.capture import record_item
    from handoff.review.triage_capture import record_screening

    with transaction(factory) as s:
        add_agent(s, "tina", "password-tina", "训练师婷婷", roles=["trainer"])
        add_agent(s, "alice", "password-alice", "客服小艾", roles=["agent"])
        for n, (text, _) in enumerate(UNSURE_INTENTS):
            for _ in range(1 + (n % 3 == 0)):
                record_item(
                    s,
                    kind="intent",
                    text=text,
                    reasons=["low_confidence"],
                    predicted={
                        "intent": "greet",
                        "intent_confidence": 0.3,
                        "ranking": [{"name": "greet", "confidence": 0.3}],
                    },
                    uncertainty=0.7,
                    conversation_id=f"c-{n}",
                )
        for n, text in enumerate(UNSURE_COMPLAINTS):
            record_screening(
                s, text=text, category="other", category_confidence=0.41, urgency="normal",
                urgency_score=0.1, reasons=[], threshold=0.4, conversation_id=f"t-{n}",
                message_id=None,
            )  # fmt: skip
        case, _ = open_case(
            s, conversation_id="conv-x", shopper_id="shopper-x", order_id=None,
            description=CORRECTED, triage=TriageSummary("quality", 0.62, "normal", 0.2, []),
            dedupe_key="journey-x",
        )  # fmt: skip
        return str(case.case_number)


def _train_small(nlu: Path, root: Path, env: dict[str, str]) -> str:
    script = (
        "import sys; from pathlib import Path; from triage_model.training import train; "
        "print(train(Path(sys.argv[1]), Path(sys.argv[2]), 2, progress=lambda m: None).folder.name)"
    )
    done = subprocess.run(
        [str(PYTHON), "-c", script, str(nlu / "triage" / "train"), str(root)],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


@dataclass(frozen=True)
class TrainerStack:
    url: str
    servers: Servers
    case: str
    first: str
    nlu: Path
    rasa_models: Path


def _rasa_versions(folder: Path) -> Path:
    """Two Rasa versions (copies of the trained model): ``shop`` live, ``shop-reviewed`` new."""
    root = folder / "rasa_models"
    root.mkdir()
    trained = sorted(RASA_MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[-1]
    shutil.copy(trained, root / "shop-reviewed.tar.gz")
    shutil.copy(trained, root / "shop.tar.gz")
    stat = (root / "shop-reviewed.tar.gz").stat()
    os.utime(root / "shop.tar.gz", (stat.st_atime, stat.st_mtime + 60))  # the newest is live
    return root


@pytest.fixture(scope="module")
def trainer_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainerStack]:
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    if not (ROOT / "console" / "dist" / "index.html").exists():
        pytest.skip("the console is not built: run `make console`")
    folder = tmp_path_factory.mktemp("trainer")
    nlu = _small_nlu(folder)
    models = folder / "models"
    rasa_models = _rasa_versions(folder)
    first = _train_small(nlu, models, os.environ | {"PYTHONPATH": str(ROOT)})
    env = {
        "TRIAGE_MODEL_ROOT": str(models),
        "RASA_MODEL_ROOT": str(rasa_models),
        "NLU_DATA_DIR": str(nlu),
        "RETRAIN_FOLDS": "2",
        "HANDOFF_HARVEST_SECONDS": "1",
        "RASA_TRACKER_URL": f"sqlite:///{folder / 'tracker.db'}",  # start_servers' store
    }
    for servers in start_servers(folder):
        case_number = _seed(servers.factory)
        for url in start_gateway(folder, servers, env):
            yield TrainerStack(url, servers, case_number, first, nlu, rasa_models)


def _login(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/agent/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", f"password-{name}")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/agent(/.*)?$"))


def _pick(page: Any, select: Any, option: str) -> None:
    select.click()
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def _shot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def _no_codes_on_screen(page: Any) -> None:
    text = page.locator("main, .page").first.inner_text()
    for code in ("low_confidence", "agent_correction", "quality", "logistics", "check_progress",
                 "null", "{", "T0"):  # fmt: skip
        assert code not in text, f"{code!r} on screen"


def _open_count(page: Any) -> int:
    head = page.locator(".inbox-head strong").inner_text()
    return int(re.search(r"(\d+)", head).group(1))  # type: ignore[union-attr]


def test_trainer_round(browser: Any, trainer_stack: TrainerStack) -> None:
    stack = trainer_stack
    base, dialogs = stack.url, []
    agent = new_page(browser, dialogs)
    _login(agent, base, "alice")
    # no 训练 for an agent: not in the navigation, the page sends them away, the API says no
    assert agent.locator(".nav-link", has_text="训练").count() == 0
    agent.goto(f"{base}/agent/training")
    agent.wait_for_timeout(1000)
    assert "/training" not in agent.url
    refused = agent.request.get(f"{base}/agent/api/training/items")
    assert refused.status == 403 and "训练师" in refused.json()["error"]
    refused = agent.request.post(f"{base}/agent/api/training/models/rasa/shop-reviewed/promote")
    assert refused.status == 403
    # the agent corrects a case on its page: it lands in the inbox pre-filled
    agent.goto(f"{base}/agent/cases/{stack.case}")
    _pick(agent, agent.locator(".editor .pick-category"), "物流配送")
    agent.wait_for_timeout(1500)

    page = new_page(browser, dialogs)
    _login(page, base, "tina")
    page.goto(f"{base}/agent/training")
    try:
        page.locator(".inbox-table .el-table__row").first.wait_for(timeout=20_000)
    except Exception:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "training-failed.png"))
        raise
    corrected = page.locator(".inbox-table .el-table__row", has_text=CORRECTED)
    assert "客服改为：物流配送" in corrected.inner_text()
    assert "138****5678" in page.locator(".inbox-table").inner_text()
    assert "13812345678" not in page.content() and "文三路" not in page.content()
    _no_codes_on_screen(page)
    _shot(page, "training-inbox")
    total = _open_count(page)
    assert total == len(UNSURE_INTENTS) + len(UNSURE_COMPLAINTS) + 1

    # 1: confirm the agent's correction in one click
    corrected.locator("button.confirm").click()
    page.wait_for_function(
        f"() => document.querySelector('.inbox-head strong').innerText.includes('{total - 1}')"
    )
    # the conversation and the history are one click away
    page.locator(".inbox-table .el-table__row").first.locator("button.context").click()
    page.locator(".el-drawer", has_text="操作记录").wait_for()
    page.keyboard.press("Escape")

    # 2-15: each unsure intent relabelled to what it means (one picker each)
    _pick(page, page.locator(".filter-kind"), "意图")
    page.wait_for_timeout(800)
    for text, intent in UNSURE_INTENTS[:-3]:
        row = page.locator(".inbox-table .el-table__row", has_text=text)
        row.locator("button.relabel").click()
        _pick(page, row.locator(".pick-intent"), _intent_zh(intent))
        row.locator("button.save-label").click()
        row.wait_for(state="detached")
    # 16-18: one bulk relabel of the last three
    rows = page.locator(".inbox-table .el-table__row")
    assert rows.count() == 3
    for i in range(3):
        rows.nth(i).locator(".el-checkbox").click()
    page.locator("button.bulk-relabel").click()
    _pick(page, page.locator(".bulk-bar .pick-intent"), "打招呼")
    page.locator("button.bulk-save").click()
    page.locator(".inbox-table", has_text="没有需要复核的内容").wait_for()
    page.locator("button.bulk-undo").click()  # …wrong intent: undo the whole batch
    page.locator(".inbox-table .el-table__row").nth(2).wait_for()
    for text, intent in UNSURE_INTENTS[-3:]:
        row = page.locator(".inbox-table .el-table__row", has_text=text)
        row.locator("button.relabel").click()
        _pick(page, row.locator(".pick-intent"), _intent_zh(intent))
        row.locator("button.save-label").click()
        row.wait_for(state="detached")

    # 19-20: complaints: ignore one, confirm the rest with a category each
    _pick(page, page.locator(".filter-kind"), "投诉分类")
    page.wait_for_timeout(800)
    page.locator(".inbox-table .el-table__row", has_text="商品页面写的包邮").locator(
        "button.ignore"
    ).click()
    page.wait_for_timeout(800)
    categories = {"杯子": "商品质量", "包裹": "物流配送", "退款": "售后服务", "优惠券": "其他",
                  "颜色": "商品质量", "快递员": "物流配送", "发票": "售后服务", "耳机": "商品质量",
                  "换货": "售后服务"}  # fmt: skip
    for words, category in categories.items():
        row = page.locator(".inbox-table .el-table__row", has_text=words)
        row.locator("button.relabel").click()
        _pick(page, row.locator(".pick-category"), category)
        _pick(page, row.locator(".pick-urgency"), "普通")
        row.locator("button.save-label").click()
        row.wait_for(state="detached")
    _pick(page, page.locator(".filter-status"), "已标注")
    page.wait_for_timeout(800)
    _shot(page, "training-labelled")
    assert _open_count(page) == 0  # all worked through (the ignored one is not open)
    page.locator(".inbox-table .el-table__row", has_text="杯子").locator("button.undo").click()
    page.wait_for_timeout(800)
    _pick(page, page.locator(".filter-status"), "待处理")
    row = page.locator(".inbox-table .el-table__row", has_text="杯子")
    row.locator("button.relabel").click()
    _pick(page, row.locator(".pick-category"), "商品质量")
    _pick(page, row.locator(".pick-urgency"), "普通")
    row.locator("button.save-label").click()
    row.wait_for(state="detached")

    # a shopper's turns through the storefront widget: Rasa parses them, the harvester
    # captures the ones the assistant was unsure about
    shop = new_page(browser, dialogs)
    _shopper_says(shop, base, WIDGET_TEXTS)
    harvested = _wait_for_items(page, base, "intent", WIDGET_TEXTS)
    assert harvested and all(i["reason"] for i in harvested), harvested
    _pick(page, page.locator(".filter-kind"), "意图")  # (the filter was 投诉分类: reloads)
    row = page.locator(".inbox-table .el-table__row", has_text=harvested[0]["text"])
    row.wait_for()
    assert any(r in row.inner_text() for r in ("助手没听懂", "意图置信度低", "两个意图难分"))

    # export, retrain, read the comparison, promote
    page.locator(".el-tabs__item", has_text="模型").first.click()
    page.locator("button.export").click()
    page.locator(".inline-notice", has_text="已写入").wait_for()
    reviewed = stack.nlu / "intents" / "reviewed.yml"
    assert "那个东西咋整啊" in reviewed.read_text(encoding="utf-8")
    page.locator("button.retrain").click()
    page.locator(".job-progress").wait_for()
    page.locator(".comparison-panel, .job .inline-error").first.wait_for(timeout=600_000)
    assert page.locator(".job .inline-error").count() == 0, page.locator(".job").inner_text()
    page.locator(".comparison-panel .el-tabs__item", has_text="留出测试集").click()
    page.locator(".comparison-panel .scores:visible").first.wait_for()
    assert page.locator(".comparison-panel .confusion:visible").count() == 2  # before, after
    assert "宏平均" in page.locator(".comparison-panel .scores:visible").first.inner_text()
    # Whether the held-out file can tell the two versions apart, said in words beside the table.
    note = page.locator(".comparison-panel .noise-note:visible").first.inner_text()
    assert "评测集" in note and "{" not in note
    _no_codes_on_screen(page)
    _shot(page, "training-comparison")
    page.locator(".comparison-panel button.promote").click()
    page.locator(".inline-notice", has_text="已上线").wait_for()
    for _ in range(240):  # the running gateway follows the pointer within seconds
        state = page.request.get(f"{base}/agent/api/training/models").json()
        if state["serving"] == state["live"]["triage"]:
            break
        page.wait_for_timeout(500)
    page.locator(".placeholder", has_text="本服务已在使用这个版本").wait_for()
    assert state["live"]["triage"] != stack.first
    assert state["serving"] == state["live"]["triage"]
    assert [p["action"] for p in state["promotions"] if p["kind"] == "triage"] == ["promote"]
    _shot(page, "training-promoted")

    # a Rasa version: promoting loads it into the running Rasa server, rollback loads the old
    state = page.request.get(f"{base}/agent/api/training/models").json()
    assert state["live"]["rasa"] == "shop", state["rasa"]
    rasa_rows = page.locator(".rasa-versions .el-table__body tr")
    rasa_rows.filter(has_not_text="使用中").locator("button.promote-rasa").first.click()
    page.locator(".inline-notice", has_text="助手已加载").wait_for(timeout=180_000)
    _rasa_serves(stack, "shop-reviewed")
    _shot(page, "training-rasa-promoted")
    _shopper_says(shop, base, ["你好"])  # the assistant answers with the new model
    page.locator("button.rollback-rasa").click()
    page.locator(".inline-notice", has_text="对话模型已回滚").wait_for(timeout=180_000)
    _rasa_serves(stack, "shop")
    assert dialogs == []


def _shopper_says(shop: Any, base: str, texts: list[str]) -> None:
    """Send ``texts`` through the storefront widget, each answered by the assistant."""
    if not shop.url.startswith(base):
        shop.goto(f"{base}/")
        shop.click(".dxr-launcher")
    widget = shop.locator(".dxr-panel")
    for text in texts:
        answers = widget.locator(".dxr-bot").count()
        widget.locator(".dxr-form input:not([type=file])").fill(text)
        widget.locator(".dxr-send").click()
        widget.locator(".dxr-bot").nth(answers).wait_for()


def _wait_for_items(page: Any, base: str, kind: str, texts: list[str]) -> list[dict[str, Any]]:
    """The open inbox items of ``kind`` among ``texts``, once the harvester has caught up."""
    found: list[dict[str, Any]] = []
    for _ in range(60):
        items = page.request.get(f"{base}/agent/api/training/items?kind={kind}").json()["items"]
        found = [i for i in items if i["text"] in texts]
        if found:
            break
        page.wait_for_timeout(1000)
    return found


def _rasa_serves(stack: TrainerStack, version: str) -> None:
    """Every worker of the running Rasa server has loaded the model file of ``version``."""
    for _ in range(6):  # fresh connections, so both workers are asked
        status = http_json("GET", stack.servers.rasa_api("/status"))
        assert Path(status["model_file"]).name == f"{version}.tar.gz", status


def _intent_zh(intent: str) -> str:
    from handoff.review.names_zh import INTENT_NAMES_ZH

    return INTENT_NAMES_ZH[intent]
