"""The Rasa server's and the action server's /health, /ready and /metrics on the real servers
(the e2e session's stack, two Rasa workers summed through PROMETHEUS_MULTIPROC_DIR), and the
gateway's /ready against that real Rasa. See README "Operations".
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import Servers, http_json, start_gateway


def get(url: str, token: str | None = None) -> tuple[int, str]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def total(text: str, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


@pytest.fixture(scope="module")
def gateway(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_gateway(tmp_path_factory.mktemp("ops-gateway"), servers)


def test_rasa_probes_and_metrics(servers: Servers) -> None:
    base = f"{servers.rasa_url}/webhooks/rest"
    assert get(f"{base}/health") == (200, '{"status":"ok"}')
    status, body = get(f"{base}/ready")
    assert status == 200
    assert json.loads(body) == {
        "status": "ready",
        "checks": {"model": "ok", "tracker_store": "ok", "action_server": "ok"},
    }
    for token in (None, "wrong", servers.secrets["RASA_TOKEN"]):
        refused, text = get(f"{base}/metrics", token)
        assert refused == 401 and "shop_" not in text
    token = servers.secrets["METRICS_TOKEN"]
    before = total(get(f"{base}/metrics", token)[1], "shop_rasa_turns_total", outcome="ok")
    for turn in range(4):  # enough for both workers to take some, whichever gets which
        servers.say(f"ops-metrics-{turn}", "你好")
    status, text = get(f"{base}/metrics", token)
    assert status == 200
    assert total(text, "shop_rasa_turns_total", outcome="ok") == before + 4
    assert total(text, "shop_rasa_turn_seconds_count") >= 4
    assert total(text, "shop_tracker_store_fallbacks_total") == 0
    assert "shop_tracker_store_fallbacks_total" in text  # present at 0 from the start
    # The readiness probe ran first: it must not have broken the store for the turns.
    assert "Falling back" not in servers.rasa_log.read_text(encoding="utf-8", errors="replace")


def test_action_server_probes_and_metrics(servers: Servers) -> None:
    status, body = get(f"{servers.actions_url}/ready")
    assert (status, json.loads(body)["checks"]) == (200, {"database": "ok", "triage_model": "ok"})
    assert get(f"{servers.actions_url}/metrics")[0] == 401
    servers.say("ops-actions", "我的投诉处理到哪了")  # action_check_progress runs
    status, text = get(f"{servers.actions_url}/metrics", servers.secrets["METRICS_TOKEN"])
    assert status == 200
    assert total(text, "shop_action_calls_total", outcome="ok") >= 1
    assert total(text, "shop_action_calls_total", outcome="failed") == 0


def test_gateway_is_ready_with_the_real_assistant(gateway: str) -> None:
    assert http_json("GET", f"{gateway}/ready") == {
        "status": "ready",
        "checks": {"database": "ok", "assistant": "ok", "triage_model": "ok"},
    }
