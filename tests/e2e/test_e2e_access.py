"""The ports around the gateway (issue 9, findings 1–3): Rasa's HTTP API, its REST channel
and the action server refuse every caller but the gateway and Rasa, on the real servers as
``make run`` configures them (tests/servers.py: token, channel secret, action secret,
loopback)."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from handoff.gateway.channel_signature import SIGNATURE_HEADER, channel_signature
from tests.e2e.conftest import Servers

pytestmark = pytest.mark.e2e


def _status(method: str, url: str, body: bytes | None = None, **headers: str) -> int:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


PROGRESS = {
    "sender": "attacker",
    "message": "我的投诉处理到哪了",
    "metadata": {"shopper_id": "demo-shopper"},
}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/status", None),
        ("GET", "/conversations/s-0123/tracker", None),
        ("POST", "/conversations/s-0123/tracker/events", [{"event": "pause"}]),
        ("POST", "/conversations/s-0123/trigger_intent", {"name": "EXTERNAL_handed_back"}),
        ("POST", "/model/parse", {"text": "你好"}),
    ],
)
def test_rasas_http_api_needs_the_token(
    servers: Servers, method: str, path: str, body: Any
) -> None:
    data = None if body is None else _json(body)
    assert (
        _status(method, servers.rasa_url + path, data, **{"Content-Type": "application/json"})
        == 401
    )
    assert _status(method, servers.rasa_url + path + "?token=wrong", data) == 401
    assert _status("GET", servers.rasa_api("/status")) == 200


def test_the_rest_channel_refuses_everything_the_gateway_did_not_sign(servers: Servers) -> None:
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    body = _json(PROGRESS)
    secret = servers.secrets["RASA_CHANNEL_SECRET"]
    refused = {
        "unsigned": _status("POST", url, body, **{"Content-Type": "application/json"}),
        "cross-site text/plain": _status("POST", url, body, **{"Content-Type": "text/plain"}),
        "other secret": _status(
            "POST", url, body, **{SIGNATURE_HEADER: channel_signature("x", body)}
        ),
        "replayed later": _status(
            "POST",
            url,
            body,
            **{SIGNATURE_HEADER: channel_signature(secret, body, time.time() - 3600)},
        ),
        "other body": _status(
            "POST",
            url,
            _json({**PROGRESS, "sender": "x"}),
            **{SIGNATURE_HEADER: channel_signature(secret, body)},
        ),
        "non-ASCII header": _status(
            "POST", url, body, **{SIGNATURE_HEADER: f"t={int(time.time())},v1=\u00e9\u00e9"}
        ),
    }
    assert refused == dict.fromkeys(refused, 401)


@pytest.mark.parametrize("body", [[1, 2], "text", {"sender": 5, "message": "hi"}, {"sender": "x"}])
def test_a_signed_but_malformed_body_is_a_400_not_a_500(servers: Servers, body: Any) -> None:
    data = _json(body)
    secret = servers.secrets["RASA_CHANNEL_SECRET"]
    status = _status(
        "POST",
        f"{servers.rasa_url}/webhooks/rest/webhook",
        data,
        **{SIGNATURE_HEADER: channel_signature(secret, data), "Content-Type": "application/json"},
    )
    assert status == 400


@pytest.mark.parametrize(
    "headers", [{}, {"X-Actions-Secret": "wrong"}, {"X-Actions-Secret": "\u00e9"}]
)
def test_the_action_server_needs_the_secret(servers: Servers, headers: dict[str, str]) -> None:
    forged = _json({"next_action": "action_check_progress", "tracker": {"sender_id": "x"}})
    assert _status("POST", f"{servers.actions_url}/webhook", forged, **headers) == 401
    assert _status("GET", f"{servers.actions_url}/actions", None, **headers) == 401
    assert _status("GET", f"{servers.actions_url}/health") == 200


def _outside_address() -> str | None:
    """One of this machine's addresses that is not loopback, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_rasa_and_the_action_server_listen_on_loopback_only(servers: Servers) -> None:
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    for url in (servers.rasa_url, servers.actions_url):
        port = int(url.rsplit(":", 1)[1])
        with socket.socket() as sock:
            sock.settimeout(3)
            assert sock.connect_ex((address, port)) != 0, f"{url} answers on {address}"
