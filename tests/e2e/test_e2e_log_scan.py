"""Issue 9's log scan: a conversation full of phone numbers in every common form and street
addresses leaves none of them readable in the logs of the gateway, Rasa and the action
server (the real three, as ``make run`` runs them; ``tests/servers.py``).

It can fail: the gateway logs the urgent message's text at INFO and the access log the
query strings, so without the masking filter the numbers would be there; the test checks
that those lines exist, masked.
"""

from __future__ import annotations

import asyncio
import re
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from handoff.gateway.identity import sign_shopper
from tests.e2e.conftest import Servers
from tests.servers import start_gateway

pytestmark = pytest.mark.e2e

PHONES = {
    "13812345678": "13812345678",
    "138-1234-5678": "13812345678",
    "138.1234.5678": "13812345678",
    "138 1234 5678": "13812345678",
    "+86 139 8765 4321": "13987654321",
    "+8613700001111": "13700001111",
    "0086-136-0000-2222": "13600002222",
    "１３５００００３３３３": "13500003333",
    "(+86)13400004444": "13400004444",
    "010-87654321": "87654321",
}
ADDRESSES = {
    "上海市浦东新区张江路123号5栋2单元301室": "张江路123号",
    "北京市朝阳区阜通东大街6号院3号楼": "阜通东大街6号",
    "杭州市西湖区翠苑小区5栋2单元301室": "翠苑小区5栋",
}
SECRET = b"browser-test-secret"  # tests/servers.start_gateway's HANDOFF_SECRET


@pytest.fixture(scope="module")
def gateway(
    servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("log-scan")
    for url in start_gateway(folder, servers):
        yield url, folder


async def _chat(url: str, messages: list[str]) -> None:
    sig = sign_shopper(SECRET, "demo-shopper", int(time.time()) + 600)
    async with aiohttp.ClientSession() as http:
        # The previous widget's way, credentials in the URL (the access log must mask them).
        async with http.ws_connect(f"{url}/ws?shopper=demo-shopper&sig={sig}&anon=&after=0"):
            pass
        async with http.ws_connect(f"{url}/ws?v=2") as ws:
            await ws.send_json({"type": "hello", "shopper": "demo-shopper", "sig": sig})
            for number, text in enumerate(messages):
                await ws.send_json({"type": "message", "client_id": f"pii-{number}", "text": text})
                deadline = time.monotonic() + 60
                answered = False
                while not answered and time.monotonic() < deadline:
                    frame = await ws.receive_json(timeout=60)
                    answered = frame["type"] == "error" or (
                        frame["type"] == "message" and frame["message"]["sender"] != "shopper"
                    )
                assert answered, f"no answer to message {number} within 60 s"
                await asyncio.sleep(0.2)


def _digits_only(text: str) -> str:
    return re.sub(r"[\s.\-()+]", "", unicodedata.normalize("NFKC", text))


def test_no_phone_number_or_address_is_readable_in_the_logs(
    servers: Servers, gateway: tuple[str, Path]
) -> None:
    url, folder = gateway
    phones, addresses = list(PHONES), list(ADDRESSES)
    # The urgent message goes last: it hands the chat to a person and pauses the assistant,
    # so messages after it would never reach Rasa's or the action server's logs (and each
    # would wait out its reply).
    messages = [
        "我买的电饭煲不加热了，订单号 2024112212345678",
        *[f"我的电话 {phone}，地址 {address}" for phone, address in zip(phones, addresses * 4)],
        f"订单号 {phones[1]}",  # a phone as an order number: the action server logs it
        f"充电宝充电时冒烟了 {phones[2]} {addresses[0]}",  # urgent: the gateway logs its text
    ]
    asyncio.run(_chat(url, messages))
    time.sleep(2)  # let the servers flush their logs
    logs = {
        path.name: path.read_text(errors="replace")
        for path in [
            folder / "gateway.log",
            servers.rasa_log,
            servers.rasa_log.parent / "actions.log",
        ]
    }
    for name, text in logs.items():
        flat = _digits_only(text)
        for typed, digits in PHONES.items():
            assert digits not in flat, f"{typed} readable in {name}"
        for typed, street in ADDRESSES.items():
            assert street not in unicodedata.normalize("NFKC", text), f"{typed} in {name}"
        assert sig_leak(text) == [], f"a signature in {name}"
    # The lines that would have carried them are there, masked.
    assert "138****5678" in logs["gateway.log"] and "[地址]" in logs["gateway.log"]
    assert "sig=***" in logs["gateway.log"]


def sig_leak(text: str) -> list[str]:
    return re.findall(r"sig=[0-9]+\.[0-9a-f]{16,}", text)
