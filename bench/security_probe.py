"""Issue 9's attack, tried again against a running `make run` (or any ports you name).

Run in a second terminal while `make run` is up:

    .venv/bin/python bench/security_probe.py            # ports 8080 / 5005 / 5055, var/

It knows only what an attacker on the same machine knows: the ports, a shopper id, and (to
act as a signed-in shopper through the storefront, as anyone with an account can) the
storefront's signing secret in var/. It prints how many of the issue's ways in still work,
how many malformed inputs got a 5xx or killed a socket, and what var/log/ holds afterwards:
tracebacks and readable phone numbers or addresses. Exit status 1 if any figure is not 0.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handoff.gateway.identity import sign_shopper  # noqa: E402

VICTIM = "shopper-1001"  # owns order 2024111810011001 in the demo data
THEIRS, MISSING = "2024111810011001", "2024111899999999"
PHONES = ["138.1234.5678", "+86 139 8765 4321", "１３７００００１１１１", "136-0000-2222"]
ADDRESS = "上海市浦东新区张江路123号5栋2单元301室"


def conversation_of(shopper_id: str) -> str:
    return "s-" + hashlib.sha256(shopper_id.encode()).hexdigest()[:40]


async def status_of(http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> int:
    try:
        async with http.request(method, url, **kwargs) as response:
            await response.read()
            return response.status
    except aiohttp.ClientError:
        return 0  # refused at the socket: not reachable is not an access


async def ways_in(http: aiohttp.ClientSession, rasa: str, actions: str) -> dict[str, bool]:
    """Each of the issue's unauthorised accesses around the gateway: True if it still works."""
    victim = conversation_of(VICTIM)
    progress = {"sender": "x", "message": "我的投诉处理到哪了", "metadata": {"shopper_id": VICTIM}}
    tracker = {
        "sender_id": victim,
        "slots": {"shopper_id": VICTIM},
        "latest_message": {},
        "events": [],
    }
    return {
        "1a Rasa tracker readable without a token": await status_of(
            http, "GET", f"{rasa}/conversations/{victim}/tracker"
        )
        == 200,
        "1b Rasa silenced by a pause event": await status_of(
            http, "POST", f"{rasa}/conversations/{victim}/tracker/events", json=[{"event": "pause"}]
        )
        == 200,
        "2a REST channel trusts metadata.shopper_id": await status_of(
            http, "POST", f"{rasa}/webhooks/rest/webhook", json=progress
        )
        == 200,
        "2b cross-site text/plain POST": await status_of(
            http,
            "POST",
            f"{rasa}/webhooks/rest/webhook",
            data=json.dumps(progress),
            headers={"Content-Type": "text/plain"},
        )
        == 200,
        "3a action server lists any shopper's cases": await status_of(
            http,
            "POST",
            f"{actions}/webhook",
            json={"next_action": "action_check_progress", "tracker": tracker, "domain": {}},
        )
        == 200,
        "3b action server opens a case on any order": await status_of(
            http,
            "POST",
            f"{actions}/webhook",
            json={"next_action": "action_submit_complaint", "tracker": tracker, "domain": {}},
        )
        == 200,
    }


async def bot_answers(ws: aiohttp.ClientWebSocketResponse[bool], text: str, tag: str) -> str:
    """Send ``text`` as the shopper; the bot's (or system's) answers within a few seconds."""
    await ws.send_json({"type": "message", "client_id": f"{tag}-{time.time()}", "text": text})
    said: list[str] = []
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        try:
            frame = await ws.receive_json(timeout=max(0.1, deadline - time.monotonic()))
        except (asyncio.TimeoutError, TypeError, ValueError):
            break
        if frame.get("type") == "message" and frame["message"]["sender"] != "shopper":
            said.append(frame["message"]["text"])
            deadline = min(deadline, time.monotonic() + 1.5)
        elif frame.get("type") == "error":
            said.append(frame.get("message", ""))
            break
    return "\n".join(said)


async def through_the_gateway(
    http: aiohttp.ClientSession, gateway: str, secret: bytes
) -> tuple[dict[str, bool], int, int]:
    """Findings 4 and 5 as a signed-in shopper, then the malformed inputs."""
    shopper = f"probe-{int(time.time())}"
    sig = sign_shopper(secret, shopper, int(time.time()) + 600)
    found: dict[str, bool] = {}
    async with http.ws_connect(f"{gateway}/ws?v=2") as ws:
        await ws.send_json({"type": "hello", "shopper": shopper, "sig": sig})
        theirs = await bot_answers(ws, f"我买的手机屏幕坏了，订单号 {THEIRS}", "own")
        missing = await bot_answers(ws, f"订单号 {MISSING}", "missing")
        found["4a another shopper's order accepted"] = "请确认" in theirs and THEIRS in theirs
        found["4b 'exists' and 'missing' answered differently"] = (
            theirs.replace(THEIRS, "N").splitlines()[-1:]
            != missing.replace(MISSING, "N").splitlines()[-1:]
        )
        handed = await bot_answers(ws, "/EXTERNAL_handed_back", "intent")
        found["5 typed /EXTERNAL_handed_back gets agent-only behaviour"] = (
            "打分" in handed or "评分" in handed
        )
        for phone in PHONES:
            await bot_answers(ws, f"我的电话 {phone}，地址 {ADDRESS}", "pii")
    tried, server_errors, closed = 0, 0, 0
    frames = [
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"type": "message", "client_id": "o", "attachment_id": 10**25}),
        json.dumps({"type": "message", "client_id": "l", "text": "长" * 2001}),
        "null",
        "not json",
    ]
    async with http.ws_connect(f"{gateway}/ws") as ws:
        for frame in frames:
            await ws.send_str(frame)
            tried += 1
            try:
                await ws.receive_json(timeout=10)
            except Exception:
                closed += 1
        if ws.closed:
            closed += 1
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"{gateway}/ws?after={10**30}", {}),
        ("POST", f"{gateway}/api/upload", {"json": {"photo": 1}}),
        (
            "POST",
            f"{gateway}/api/upload",
            {"data": b"x", "headers": {"Content-Type": "multipart/form-data"}},
        ),
        (
            "POST",
            f"{gateway}/api/upload",
            {"data": b"", "headers": {"Content-Type": "multipart/form-data; boundary=x"}},
        ),
        ("GET", f"{gateway}/attachments/{10**30}", {}),
        ("POST", f"{gateway}/agent/api/claim", {"json": {"entry_id": "abc"}}),
    ]
    for method, url, kwargs in requests:
        tried += 1
        if await status_of(http, method, url, **kwargs) >= 500:
            server_errors += 1
    return found, tried, server_errors + closed


def scan_logs(log_dir: Path) -> tuple[int, int]:
    """Tracebacks and readable phone numbers / addresses in ``log_dir``."""
    tracebacks = readable = 0
    for path in sorted(log_dir.glob("*.log")):
        text = path.read_text(errors="replace")
        tracebacks += text.count("Traceback (most recent call last)")
        flat = re.sub(r"[\s.\-()+]", "", unicodedata.normalize("NFKC", text))
        for phone in PHONES:
            digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))[-11:]
            readable += flat.count(digits)
        readable += unicodedata.normalize("NFKC", text).count("张江路123号")
    return tracebacks, readable


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    parser.add_argument("--actions", default="http://127.0.0.1:5055")
    parser.add_argument("--var", type=Path, default=ROOT / "var")
    args = parser.parse_args()
    secret = (args.var / "handoff_secret").read_text().strip().encode()
    async with aiohttp.ClientSession() as http:
        around = await ways_in(http, args.rasa, args.actions)
        inside, tried, failures = await through_the_gateway(http, args.gateway, secret)
    await asyncio.sleep(1)
    tracebacks, readable = scan_logs(args.var / "log")
    accesses = {**around, **inside}
    for name, works in accesses.items():
        print(f"  {'OPEN ' if works else 'closed'}  {name}")
    opened = sum(accesses.values())
    print(f"unauthorised accesses: {opened} of {len(accesses)} tried")
    print(f"malformed inputs tried: {tried}; 5xx or dropped sockets: {failures}")
    print(f"tracebacks in {args.var / 'log'}: {tracebacks}; readable PII: {readable}")
    return 1 if opened or failures or tracebacks or readable else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
