"""Real servers for the end-to-end tests: the Rasa server (.venv-rasa) and the action server.

Both start once per session on free ports, against a temporary SQLite case store and an
in-memory tracker store (an endpoints file generated into the temporary folder). They need a
trained Rasa model in ``models/rasa`` and the triage model; the tests skip, saying which, when
either is missing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[2]
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
PYTHON = ROOT / ".venv" / "bin" / "python"
RASA_MODELS = ROOT / "models" / "rasa"
TRIAGE_MODEL = ROOT / "models" / "triage" / "latest" / "metadata.json"
STARTUP_SECONDS = 180.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_json(method: str, url: str, body: Any = None, timeout: float = 60.0) -> Any:
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8") or "null")


@dataclass
class Servers:
    rasa_url: str
    actions_url: str
    database_url: str
    factory: sessionmaker[Session]

    def say(self, sender: str, message: str, shopper_id: str | None = "demo-shopper") -> list[str]:
        """Send one message over the REST channel; return the texts the bot answered."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if shopper_id is not None:
            body["metadata"] = {"shopper_id": shopper_id}
        replies = http_json("POST", f"{self.rasa_url}/webhooks/rest/webhook", body)
        return [reply.get("text", "") for reply in replies]

    def replies(
        self, sender: str, message: str, shopper_id: str = "demo-shopper"
    ) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": message, "metadata": {"shopper_id": shopper_id}}
        result: list[dict[str, Any]] = http_json(
            "POST", f"{self.rasa_url}/webhooks/rest/webhook", body
        )
        return result


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, ready: Any) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early; log:\n{log.read_text()[-3000:]}")
        try:
            if ready(http_json("GET", url, timeout=5)):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {STARTUP_SECONDS}s; log:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_servers(folder: Path) -> Generator[Servers, None, None]:
    """Start both servers in ``folder`` (also used by bench/rasa_bench.py); stop them after."""
    from handoff.db import make_session_factory, prepare_database

    database_url = f"sqlite:///{folder / 'shop.db'}"
    engine = prepare_database(database_url)
    action_port, rasa_port = free_port(), free_port()
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    env = os.environ | {"DATABASE_URL": database_url, "RASA_TELEMETRY_ENABLED": "false"}
    action_log, rasa_log = folder / "actions.log", folder / "rasa.log"
    actions = subprocess.Popen(
        [str(PYTHON), "-m", "rasa_sdk", "--actions", "actions", "-p", str(action_port)],
        cwd=ROOT,
        env=env,
        stdout=action_log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    rasa = subprocess.Popen(
        [
            str(RASA_BIN),
            "run",
            "--enable-api",
            "-i",
            "127.0.0.1",
            "-p",
            str(rasa_port),
            "-m",
            str(RASA_MODELS),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(ROOT / "bot" / "credentials.yml"),
        ],
        cwd=folder,
        env=env,
        stdout=rasa_log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        actions_url = f"http://127.0.0.1:{action_port}"
        rasa_url = f"http://127.0.0.1:{rasa_port}"
        _wait_for(f"{actions_url}/health", actions, action_log, lambda body: body is not None)
        _wait_for(f"{rasa_url}/status", rasa, rasa_log, lambda body: bool(body.get("model_id")))
        yield Servers(rasa_url, actions_url, database_url, make_session_factory(engine))
    finally:
        _stop(rasa)
        _stop(actions)
        engine.dispose()


def missing_prerequisite() -> str | None:
    """Why the servers cannot run here, or None."""
    if not RASA_BIN.exists():
        return "no .venv-rasa: run `make setup`"
    if not any(RASA_MODELS.glob("*.tar.gz")):
        return "no trained Rasa model in models/rasa: run the Rasa training step (see README)"
    if not TRIAGE_MODEL.exists():
        return "no triage model at models/triage/latest: run `make train`"
    return None


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    yield from start_servers(tmp_path_factory.mktemp("e2e"))


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker here so the suite runs even before pyproject lists it."""
    config.addinivalue_line(
        "markers", "e2e: starts the real Rasa and action servers (needs a model in models/rasa)"
    )
