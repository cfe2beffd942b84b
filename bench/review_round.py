"""One real trainer round on the recent-traffic slice: traffic → inbox → labels → retrain → compare.

A real gateway (the live triage model of this checkout, copied to a temporary model root so
nothing here changes ``models/triage``) screens shopper messages sent over the widget's
WebSocket. The ones it is unsure about enter the inbox; a trainer's labels (``TRUTH`` below,
written for this script) are applied through the 训练 API, exported into a temporary copy of
``nlu_data``, and a candidate is retrained and compared with the live model. Prints the inbox
size, the slice size and the before/after table of the recent-traffic slice and the held-out
files. Minutes (a full retraining).

    .venv/bin/python bench/review_round.py
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def login(self, name: str, password: str) -> None:
        form = urllib.parse.urlencode({"name": name, "password": password}).encode()
        self.opener.open(urllib.request.Request(self.base + "/agent/login", data=form), timeout=60)


# What shoppers wrote (our own wording, in the styles real chats have) and the right labels.
TRUTH: dict[str, tuple[str, str, str | None]] = {
    "东西到了但是盒子瘪了一块，里面的杯子有裂痕": ("logistics", "normal", None),
    "这个面膜敷完脸有点刺刺的，是不是正常": ("quality", "normal", None),
    "退货的运费谁出啊": ("after_sales", "normal", None),
    "我想问下你们家有没有发票": ("after_sales", "normal", None),
    "买了两件只到了一件": ("logistics", "normal", None),
    "吹风机用着用着有股焦味": ("quality", "normal", None),
    "说好的赠品没有给我": ("logistics", "normal", None),
    "价格刚买完就降了五十，能补差价吗": ("other", "normal", None),
    "客服半天不回消息": ("after_sales", "normal", None),
    "鞋子尺码偏小，能换大一码吗": ("quality", "normal", None),
    "快递放驿站了我不知道，现在被退回去了": ("logistics", "normal", None),
    "会员积分怎么没到账": ("other", "normal", None),
    "衣服洗了一次就掉色掉得厉害": ("quality", "normal", None),
    "申请售后被拒绝了，理由是人为损坏，我根本没摔过": ("after_sales", "normal", None),
    "我没下单怎么扣了我钱": ("other", "urgent", "fraud_security"),
    "上周就说给我处理，到现在没人理，第三次问了": ("after_sales", "urgent", "repeated_failure"),
    "宝宝用了你们的湿巾屁股红了一大片": ("quality", "urgent", "safety_health"),
    "再不给我解决我就去消协投诉": ("after_sales", "urgent", "external_threat"),
    "冰箱送来的时候门是歪的": ("logistics", "normal", None),
    "这个充电线插上手机没反应": ("quality", "normal", None),
    "地址写错了能改吗，还没发货": ("logistics", "normal", None),
    "优惠券过期了能不能补一张": ("other", "normal", None),
    "耳机盒子是拆过的，像是二手的": ("quality", "normal", None),
    "退款退到哪里去了，我卡上没看到": ("after_sales", "normal", None),
    "物流一直显示揽收，三天了": ("logistics", "normal", None),
    "手表表带断了，才戴一周": ("quality", "normal", None),
    "怎么一直打电话推销给我": ("other", "normal", None),
    "安装师傅约了两次都没来": ("after_sales", "normal", None),
    "买的活虾到了全死了": ("logistics", "urgent", "large_loss"),
    "有人冒充你们客服让我转账": ("other", "urgent", "fraud_security"),
    "保温杯不保温，倒进去热水一会儿就凉了": ("quality", "normal", None),
    "下单时候选错颜色了，能换吗": ("after_sales", "normal", None),
    "快递员把包裹放门口被人拿走了": ("logistics", "normal", None),
    "账号登不上去了": ("other", "normal", None),
    "收到的零食包装袋漏气了": ("quality", "normal", None),
    "维修寄回去一个月了还没修好": ("after_sales", "urgent", "repeated_failure"),
    "这个价格和页面上写的不一样": ("other", "normal", None),
    "床垫有很重的味道，睡了头疼": ("quality", "normal", None),
    "说是次日达结果五天才到": ("logistics", "normal", None),
    "能不能开专票": ("after_sales", "normal", None),
}


async def send_all(base: str, secret: str) -> None:
    import aiohttp

    from handoff.gateway.identity import sign_shopper

    async with aiohttp.ClientSession() as http:
        for number, text in enumerate(TRUTH):
            shopper = f"round-{number}"
            signature = sign_shopper(secret.encode(), shopper, int(time.time()) + 3600)
            url = f"{base.replace('http', 'ws')}/ws?shopper={shopper}&sig={signature}"
            async with http.ws_connect(url) as ws:
                await ws.send_json({"type": "message", "client_id": "m1", "text": text})
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    frame = await ws.receive_json(timeout=60)
                    if frame.get("type") == "ack":
                        break
            await asyncio.sleep(0.2)


def main() -> int:
    python = ROOT / ".venv" / "bin" / "python"
    live = (ROOT / "models" / "triage" / "latest").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        models = folder / "models"
        models.mkdir()
        shutil.copytree(live, models / live.name)
        (models / "latest").symlink_to(live.name)
        nlu = folder / "nlu_data"
        shutil.copytree(ROOT / "nlu_data", nlu)
        url = f"sqlite:///{folder / 'shop.db'}"
        secret = "review-round"
        env = os.environ | {
            "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "TRIAGE_MODEL_ROOT": str(models),
            "NLU_DATA_DIR": str(nlu), "HANDOFF_SECRET": secret, "HANDOFF_HARVEST_SECONDS": "0",
            "RASA_URL": "http://127.0.0.1:9",  # screening needs no assistant
        }  # fmt: skip
        env.pop("TRIAGE_MODEL_DIR", None)
        subprocess.run(
            [str(python), "-m", "handoff", "agents", "add", "trainer", "--password",
             "trainer-pass", "--role", "trainer"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        port = _port()
        gateway = subprocess.Popen(
            [str(python), "-m", "handoff", "serve"], cwd=folder,
            env=env | {"HANDOFF_PORT": str(port)},
            stdout=(folder / "gateway.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            client = Client(base)
            for _ in range(240):
                try:
                    client.login("trainer", "trainer-pass")
                    if client.call("GET", "/agent/api/training/models")["serving"]:
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            asyncio.run(send_all(base, secret))
            items = client.call("GET", "/agent/api/training/items?kind=triage")["items"]
            labelled = 0
            for item in items:
                truth = TRUTH.get(item["text"])
                if truth is None:
                    continue
                category, urgency, trigger = truth
                label = {"category": category, "urgency": urgency, "trigger": trigger}
                client.call(
                    "POST", f"/agent/api/training/items/{item['id']}/relabel", {"label": label}
                )
                labelled += 1
            exported = client.call("POST", "/agent/api/training/export", {})
            started = time.perf_counter()
            job_id = client.call("POST", "/agent/api/training/retrain", {})["job_id"]
            while (job := client.call("GET", f"/agent/api/training/jobs/{job_id}"))["status"] in (
                "queued",
                "running",
            ):
                time.sleep(1)
            if job["status"] != "succeeded":
                print(job, file=sys.stderr)
                return 1
            version = job["candidate_version"]
            result = client.call("GET", f"/agent/api/training/models/triage/{version}/comparison")
        finally:
            gateway.terminate()
            gateway.wait(timeout=30)
    print(f"messages sent: {len(TRUTH)}; in the inbox (unsure): {len(items)}; labelled: {labelled}")
    print(f"exported complaints: {exported['triage_examples']}; held back: {exported['held_back']}")
    seconds = time.perf_counter() - started
    print(f"retrained in {seconds:.0f} s; live {result['live_version']} → {version}")
    for name, data in result["sets"].items():
        before, after = data["before"], data["after"]
        if not after:
            print(f"\n{name}: empty")
            continue
        print(f"\n{name} ({data['size']} messages)")
        print(f"  {'class':<12}{'F1 before':>10}{'F1 after':>10}{'support':>9}")
        for cls, scores in after["per_class"].items():
            old = before["per_class"][cls]["f1"]
            print(f"  {cls:<12}{old:>10.3f}{scores['f1']:>10.3f}{scores['support']:>9}")
        print(f"  {'macro-F1':<12}{before['macro_f1']:>10.3f}{after['macro_f1']:>10.3f}")
        print(f"  accuracy {before['accuracy']:.3f} → {after['accuracy']:.3f}; urgent recall "
              f"{before['urgent_recall']:.3f} → {after['urgent_recall']:.3f}")  # fmt: skip
        print(f"  changed: {json.dumps(data['changed_counts'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
