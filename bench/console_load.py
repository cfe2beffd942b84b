"""The agent console's first load in Debian's Chromium, and the size of its build.

Starts the handoff gateway alone (``python -m handoff serve``; the console needs no Rasa to
load) on a free port of 127.0.0.1 against a temporary SQLite database holding WAITING queued
urgent chats with their cases, logs the demo agent in, and loads ``/agent`` RUNS times:

* cold: a new browser context each time (empty cache), from navigation until the workbench
  shows the whole queue (every waiting card rendered, so the data is in, not only the shell);
* warm: a reload in the same context (hashed assets come from the cache).

It also prints the built files: everything under console/dist/assets, and what a cold load of
the workbench actually fetched, raw and gzip-compressed (the gateway sends the .gz copies
``npm run build`` writes beside each file). Needs ``make setup`` (the build) and
/usr/bin/chromium (``make browser-deps``).

    .venv/bin/python bench/console_load.py [--runs 7] [--waiting 20]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handoff.cases import TriageSummary, open_case, queue_for_human  # noqa: E402
from handoff.db import make_session_factory, prepare_database, transaction  # noqa: E402
from handoff.messages import store_message  # noqa: E402
from tests.servers import free_port  # noqa: E402

DIST = ROOT / "console" / "dist"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def seed(url: str, waiting: int) -> None:
    """``waiting`` urgent chats in the queue, each with a case and a shopper message."""
    engine = prepare_database(url)
    triage = TriageSummary("quality", 0.9, "urgent", 0.95, ["safety_health:rule:冒烟"])
    try:
        with transaction(make_session_factory(engine)) as session:
            for n in range(waiting):
                conversation, shopper = f"bench-{n}", f"shopper-{n:04d}"
                text = f"第 {n} 位顾客：充电宝充电时冒烟了，手被烫了一下"
                store_message(
                    session, conversation_id=conversation, shopper_id=shopper,
                    sender="shopper", text=text,
                )  # fmt: skip
                case, _ = open_case(
                    session, conversation_id=conversation, shopper_id=shopper, order_id=None,
                    description=text, triage=triage, dedupe_key=f"bench:{n}",
                )  # fmt: skip
                queue_for_human(
                    session, case, conversation_id=conversation, shopper_id=shopper,
                    reason="urgent_message", priority="urgent",
                )  # fmt: skip
    finally:
        engine.dispose()


def start_gateway(folder: Path, url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": url,
        "HANDOFF_PORT": str(port),
        "HANDOFF_HOST": "127.0.0.1",
        "HANDOFF_SECRET": "console-bench-secret",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",  # nothing there: not needed to load
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "handoff", "serve"],
        cwd=folder, env=env, stdout=(folder / "gateway.log").open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/agent/login", timeout=2).read()
            return process, base
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("the gateway did not start; see gateway.log")


def log_in(context: Any, base: str) -> None:
    response = context.request.post(
        f"{base}/agent/login", form={"name": "demo", "password": "demo1234"}, max_redirects=0
    )
    assert response.status == 302, response.status


def load(page: Any, base: str, waiting: int, *, reload: bool = False) -> float:
    """Milliseconds from navigation until every waiting card is on screen."""
    start = time.perf_counter()
    if reload:
        page.reload(wait_until="commit")
    else:
        page.goto(f"{base}/agent", wait_until="commit")
    # A locator, not wait_for_function: the console's CSP (script-src 'self') refuses the
    # eval that a polled expression needs.
    cards = page.locator("#waiting .card")
    cards.nth(waiting - 1).wait_for(state="attached", timeout=60_000)
    assert cards.count() == waiting
    return (time.perf_counter() - start) * 1000


def sizes(paths: list[Path]) -> tuple[int, int]:
    raw = sum(p.stat().st_size for p in paths)
    packed = sum(len(gzip.compress(p.read_bytes(), 9)) for p in paths)
    return raw, packed


def summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):6.0f} ms   min {min(values):6.0f}"
        f"   max {max(values):6.0f}   (n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--waiting", type=int, default=20)
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        raise SystemExit("no console/dist: run `make setup` (or `make console`) first")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'shop.db'}"
        seed(url, args.waiting)
        gateway, base = start_gateway(folder, url)
        fetched: set[str] = set()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                cold, warm = [], []
                for run in range(args.runs):
                    context = browser.new_context(
                        locale="zh-CN", viewport={"width": 1366, "height": 768}
                    )
                    log_in(context, base)
                    page = context.new_page()
                    if run == 0:
                        page.on("request", lambda r: fetched.add(r.url.rsplit("/", 1)[-1]))
                    cold.append(load(page, base, args.waiting))
                    warm.append(load(page, base, args.waiting, reload=True))
                    context.close()
                browser.close()
        finally:
            gateway.terminate()
            gateway.wait(30)
    assets = sorted(p for p in (DIST / "assets").iterdir() if p.suffix in {".js", ".css"})
    first = [p for p in assets if p.name in fetched] + [DIST / "index.html"]
    print(f"console first load, {args.waiting} waiting chats, Chromium at 1366 px, 127.0.0.1:")
    print(f"  cold (empty cache)  {summary(cold)}")
    print(f"  warm (reload)       {summary(warm)}")
    all_raw, all_gz = sizes(assets)
    first_raw, first_gz = sizes(first)
    print(f"console build: {len(assets)} JS/CSS files, {all_raw / 1024:.0f} KiB raw, "
          f"{all_gz / 1024:.0f} KiB gzip")  # fmt: skip
    print(f"  fetched by the workbench's first load: {len(first)} files, "
          f"{first_raw / 1024:.0f} KiB raw, {first_gz / 1024:.0f} KiB gzip")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
