"""``python -m handoff simulate``: live shoppers through the real front door, with a surge.

Each simulated shopper is a signed storefront shopper (``sim-NNNN``, signed with the gateway's
secret like the storefront does) who opens the widget's WebSocket (``/ws``), complains about
an order in Chinese, and answers what the assistant asks (order number, description, the
confirmation button) until it is told a case number. Their orders are put in the shop's
order table first (the shop's order system, which the assistant looks orders up in).
``--surge`` of them complain about one product within a few minutes, the others about
random products; the gateway's surge scan then raises a ``surge`` alert naming the product,
which this command waits for and prints. Everything goes through the gateway, Rasa and the
action server as a real shopper's chat would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select

from handoff.clock import utc_now
from handoff.db import make_session_factory, prepare_database, transaction
from handoff.demo_catalog import PRODUCTS
from handoff.gateway.identity import sign_shopper
from handoff.orders import OrderInfo, remember_order

if TYPE_CHECKING:
    import aiohttp

SIM_PREFIX: Final = "sim-"
DEFAULT_SURGE_PRODUCT: Final = "九阳 破壁豆浆机 D2"
SURGE_TEXTS: Final = (
    "我买的豆浆机漏水了，底座全是水",
    "豆浆机用了一次就漏水，桌子上都是豆浆",
    "新买的豆浆机打的时候从底部漏出来",
    "豆浆机漏水，密封圈好像有问题",
)
NORMAL_TEXTS: Final = (
    "{p}的物流三天没更新了",
    "收到的{p}有质量问题，用不了",
    "{p}申请退货一周了还没人处理",
    "{p}外包装破损，里面压坏了",
)
_CASE_NUMBER: Final = re.compile(r"TS\d{6}-[0-9A-Z]{4}")
TURN_SECONDS: Final = 90.0


@dataclass
class Outcome:
    shopper: str
    product: str
    case_number: str | None
    seconds: float
    note: str = ""


def _orders(count: int, surge: int, product: str, seed: int) -> list[tuple[str, str, str]]:
    """``(shopper, order_id, product)`` per simulated shopper, stored in the orders table."""
    rng = random.Random(seed)
    run = f"{int(time.time()) % 100000:05d}"
    others = [p for p in PRODUCTS if p.name != product]
    plan = []
    for index in range(count):
        name = product if index < surge else rng.choice(others).name
        plan.append((f"{SIM_PREFIX}{run}-{index:03d}", f"2026{run}{index:06d}"[:16], name))
    factory = make_session_factory(prepare_database())
    with transaction(factory) as session:
        for shopper, order_id, name in plan:
            price = next((p.price_yuan for p in PRODUCTS if p.name == name), 99)
            info = OrderInfo(order_id, shopper, name, Decimal(price), "已签收", utc_now())
            remember_order(session, info)
    return plan


async def _shopper(
    http: aiohttp.ClientSession,
    base: str,
    secret: bytes,
    shopper: str,
    order_id: str,
    text: str,
    turn_seconds: float = TURN_SECONDS,
) -> tuple[str | None, str]:
    signature = sign_shopper(secret, shopper, int(time.time()) + 3600)
    ws_url = base.replace("http", "ws", 1) + "/ws?v=2"
    sent = 0

    async def say(ws: Any, words: str, display: str | None = None) -> None:
        nonlocal sent
        sent += 1
        frame: dict[str, Any] = {"type": "message", "client_id": f"{shopper}-{sent}", "text": words}
        if display:
            frame["display"] = display
        await ws.send_json(frame)

    async with http.ws_connect(ws_url) as ws:
        # Protocol 2: the credentials travel in the first frame, not in the URL.
        hello = {"type": "hello", "shopper": shopper, "sig": signature, "anon": "", "after": 0}
        await ws.send_json(hello)
        await say(ws, f"{text}，订单号 {order_id}")
        deadline = asyncio.get_running_loop().time() + turn_seconds
        seen: set[int] = set()
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None, "the assistant did not give a case number in time"
            frame = await asyncio.wait_for(ws.receive_json(), remaining)
            messages = frame.get("messages", []) if frame.get("type") == "history" else []
            if frame.get("type") == "message":
                messages = [frame["message"]]
            for message in messages:
                if message.get("sender") not in ("bot", "system") or message["id"] in seen:
                    continue
                seen.add(message["id"])
                words = message.get("text", "")
                if message.get("sender") == "system" and "暂时无法回复" in words:
                    return None, "the assistant is not answering (is Rasa up?)"
                found = _CASE_NUMBER.search(words)
                if found:
                    return found.group(0), ""
                buttons = message.get("buttons") or []
                confirm = next((b for b in buttons if "确认" in b.get("title", "")), None)
                if confirm is not None:
                    await say(ws, confirm["payload"], confirm["title"])
                elif "订单号" in words and ("请" in words or "？" in words):
                    await say(ws, order_id)
                elif "描述" in words or "什么问题" in words:
                    await say(ws, text)


async def _run(args: argparse.Namespace) -> int:
    # Here, not at the top: every `python -m handoff` command builds this module's parser.
    import aiohttp

    from handoff.gateway.settings import Settings

    secret = Settings.from_env().secret
    plan = _orders(args.shoppers, args.surge, args.product, args.seed)
    rng = random.Random(args.seed)
    started = utc_now()
    outcomes: list[Outcome] = []
    timeout = aiohttp.ClientTimeout(total=None, connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def one(index: int, shopper: str, order_id: str, product: str) -> None:
            await asyncio.sleep(index * args.gap)
            short = next((p.short for p in PRODUCTS if p.name == product), "商品")
            text = (
                SURGE_TEXTS[index % len(SURGE_TEXTS)]
                if product == args.product and index < args.surge
                else rng.choice(NORMAL_TEXTS).format(p=short)
            )
            began = time.perf_counter()
            try:
                number, note = await _shopper(
                    http, args.url, secret, shopper, order_id, text, args.turn_seconds
                )
            except asyncio.TimeoutError:
                number, note = None, f"no case number within {args.turn_seconds:g} s"
            except aiohttp.ClientError as error:
                number, note = None, f"connection failed: {error}"
            outcome = Outcome(shopper, product, number, time.perf_counter() - began, note)
            outcomes.append(outcome)
            print(
                f"{shopper}  {product[:20]:<20}  "
                + (f"case {number}" if number else f"no case ({note})")
                + f"  {outcome.seconds:.1f} s",
                flush=True,
            )

        # Surge shoppers first, the others interleaved: a surge inside ordinary traffic.
        order = sorted(range(len(plan)), key=lambda i: (i % 2, i))
        await asyncio.gather(*(one(rank, *plan[i]) for rank, i in enumerate(order)))
    opened = sum(o.case_number is not None for o in outcomes)
    print(f"{opened} of {len(outcomes)} simulated shoppers got a case number")
    alert = await _wait_for_surge(args.product, started, args.wait)
    if alert is None:
        print(f"no surge alert about {args.product} within {args.wait:.0f} s")
        return 1
    print(json.dumps(alert, ensure_ascii=False))
    return 0 if opened else 1


async def _wait_for_surge(product: str, since: Any, wait: float) -> dict[str, Any] | None:
    from handoff.alerts.store import alert_dict
    from handoff.supervision_models import Alert

    factory = make_session_factory(prepare_database())
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with factory() as session:
            alert = session.scalars(
                select(Alert).where(
                    Alert.kind == "surge",
                    Alert.product == product,
                    Alert.created_at >= since - timedelta(hours=6),
                )
            ).first()
            if alert is not None:
                return alert_dict(alert)
        await asyncio.sleep(2)
    return None


def add_parser(topics: Any) -> None:
    """``python -m handoff simulate`` and its options."""
    parser = topics.add_parser("simulate", help="live shoppers over the widget protocol, a surge")
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the gateway")
    parser.add_argument("--shoppers", type=int, default=10, help="shoppers in all (default 10)")
    parser.add_argument("--surge", type=int, default=6, help="of them about one product")
    parser.add_argument("--product", default=DEFAULT_SURGE_PRODUCT, help="the surging product")
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between shoppers")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for the alert")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--turn-seconds", type=float, default=TURN_SECONDS, help="patience per shopper"
    )


def main(args: argparse.Namespace) -> int:
    """Run the simulation; 0 when cases were opened and the surge alert came."""
    if not 1 <= args.shoppers <= 500 or not 0 <= args.surge <= args.shoppers:
        print("error: --shoppers must be 1-500 and --surge at most --shoppers")
        return 2
    if args.product not in {p.name for p in PRODUCTS}:
        print("error: --product must be one of the demo catalogue's products")
        return 2
    return asyncio.run(_run(args))
