"""Real servers for the tests that need them: Rasa (.venv-rasa), the action server (.venv),
and the handoff gateway (``python -m handoff serve``), each on a free port.

Shared by ``tests/e2e`` (Rasa + actions), ``tests/browser`` (all three) and
``bench/rasa_bench.py``. The servers run against a temporary SQLite case store, tracker
store and lock store (an endpoints file generated into the temporary folder). They need a
trained Rasa model in ``models/rasa`` and the triage model; :func:`missing_prerequisite` says
which is missing so that a test can skip.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from handoff.gateway.channel_signature import SIGNATURE_HEADER, channel_signature

ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
PYTHON = ROOT / ".venv" / "bin" / "python"
RASA_MODELS = ROOT / "models" / "rasa"
TRIAGE_MODEL = ROOT / "models" / "triage" / "latest" / "metadata.json"
STARTUP_SECONDS = 180.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_json(
    method: str,
    url: str,
    body: Any = None,
    timeout: float = 60.0,
    headers: dict[str, str] | None = None,
) -> Any:
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8") or "null")


@dataclass
class Servers:
    rasa_url: str
    actions_url: str
    database_url: str
    factory: sessionmaker[Session]
    #: The Rasa server's log (all its workers write to it).
    rasa_log: Path
    #: The secrets the servers were started with (README "Secrets"): the tests talk to Rasa
    #: the way the gateway does.
    secrets: dict[str, str]

    def rasa_api(self, path: str) -> str:
        """The URL of a Rasa HTTP API path, with the API token."""
        separator = "&" if "?" in path else "?"
        return f"{self.rasa_url}{path}{separator}token={self.secrets['RASA_TOKEN']}"

    def post_signed(self, body: dict[str, Any]) -> Any:
        """POST ``body`` to the REST channel, signed as the gateway signs it."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        signature = channel_signature(self.secrets["RASA_CHANNEL_SECRET"], data)
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode("utf-8") or "null")

    def say(self, sender: str, message: str, shopper_id: str | None = "demo-shopper") -> list[str]:
        """Send one message over the REST channel; return the texts the bot answered."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if shopper_id is not None:
            body["metadata"] = {"shopper_id": shopper_id}
        return [reply.get("text", "") for reply in self.post_signed(body)]

    def replies(
        self, sender: str, message: str, shopper_id: str = "demo-shopper"
    ) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": message, "metadata": {"shopper_id": shopper_id}}
        result: list[dict[str, Any]] = self.post_signed(body)
        return result


def new_secrets() -> dict[str, str]:
    """Fresh values for the four secrets of README "Secrets"."""
    from handoff.service_secrets import SECRETS

    return {name: secrets.token_hex(16) for name in SECRETS}


def _get_text(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return str(response.read().decode("utf-8"))


def _wait_for(
    url: str,
    process: subprocess.Popen[bytes],
    log: Path,
    ready: Any,
    *,
    fetch: Any = None,
) -> None:
    """Poll ``url`` until ``ready(fetch(url))`` (JSON by default); fail if ``process`` exits."""
    get = fetch or (lambda u: http_json("GET", u, timeout=5))
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early; log:\n{log.read_text()[-3000:]}")
        try:
            if ready(get(url)):
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


def start_servers(
    folder: Path, rasa_workers: int = 2, model: Path = RASA_MODELS
) -> Generator[Servers, None, None]:
    """Start both servers in ``folder`` (also used by bench/rasa_bench.py); stop them after.

    Configured as ``make run`` configures them: SQL tracker store and the SQLite lock store in
    ``folder``, ``rasa_workers`` Rasa worker processes; ``model`` is a model file or folder.
    """
    from handoff.db import make_session_factory, prepare_database

    database_url = f"sqlite:///{folder / 'shop.db'}"
    engine = prepare_database(database_url)
    action_port, rasa_port = free_port(), free_port()
    endpoints = folder / "endpoints.yml"
    keys = new_secrets()
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'  headers:\n    X-Actions-Secret: "{keys["ACTIONS_SECRET"]}"\n'
        "tracker_store:\n  type: rasa_extensions.sqlite_tracker_store.SQLiteTrackerStore\n"
        f'  db: "{folder / "tracker.db"}"\n'
        "lock_store:\n  type: rasa_extensions.sqlite_lock_store.SQLiteLockStore\n"
        f'  db: "{folder / "locks.db"}"\n'
    )
    env = (
        os.environ
        | keys
        | {
            "DATABASE_URL": database_url,
            "SANIC_HOST": "127.0.0.1",
            "RASA_TELEMETRY_ENABLED": "false",
            "SANIC_WORKERS": str(rasa_workers),
            "ACTION_SERVER_SANIC_WORKERS": os.environ.get("ACTION_WORKERS", "1"),  # as run-services
        }
    )
    action_log, rasa_log = folder / "actions.log", folder / "rasa.log"
    actions = subprocess.Popen(
        [str(PYTHON), "-m", "rasa_sdk", "--actions", "actions", "-p", str(action_port)],
        cwd=ROOT,
        env=env,
        stdout=action_log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    # As scripts/run-services does: tables first, so the two workers do not race for them.
    subprocess.run(
        [str(RASA_PY), "-m", "rasa_extensions.prepare_tracker_store", str(endpoints)],
        cwd=folder,
        env=env,
        stdout=rasa_log.open("wb"),
        stderr=subprocess.STDOUT,
        check=True,
    )
    rasa = subprocess.Popen(
        [
            str(RASA_BIN),
            "run",
            "--enable-api",
            "--auth-token",
            keys["RASA_TOKEN"],
            "-i",
            "127.0.0.1",
            "-p",
            str(rasa_port),
            "-m",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(ROOT / "bot" / "credentials.yml"),
        ],
        cwd=folder,
        env=env,
        stdout=rasa_log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        actions_url = f"http://127.0.0.1:{action_port}"
        rasa_url = f"http://127.0.0.1:{rasa_port}"
        _wait_for(f"{actions_url}/health", actions, action_log, lambda body: body is not None)
        _wait_for(
            f"{rasa_url}/status?token={keys['RASA_TOKEN']}",
            rasa,
            rasa_log,
            lambda body: bool(body.get("model_id")),
        )
        factory = make_session_factory(engine)
        yield Servers(rasa_url, actions_url, database_url, factory, rasa_log, keys)
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


def start_gateway(
    folder: Path, servers: Servers, env: dict[str, str] | None = None
) -> Generator[str, None, None]:
    """Run ``python -m handoff serve`` on a free port against ``servers``' database and Rasa.

    Its working directory is ``folder`` (so its ``var/`` lands there); the first start creates
    the demo agent (demo / demo1234). ``env`` adds or overrides variables. Yields the
    gateway's base URL; stops it after.
    """
    port = free_port()
    env = (
        os.environ
        | servers.secrets
        | {
            "HANDOFF_SECRET": "browser-test-secret",  # bench/gateway_bench.py signs with it
            "DATABASE_URL": servers.database_url,
            "RASA_URL": servers.rasa_url,
            "HANDOFF_HOST": "127.0.0.1",
            "HANDOFF_PORT": str(port),
            "PYTHONPATH": str(ROOT),
            "TRIAGE_MODEL_DIR": str(TRIAGE_MODEL.parent),
        }
        | (env or {})
    )
    log = folder / "gateway.log"
    gateway = subprocess.Popen(
        [str(PYTHON), "-m", "handoff", "serve"],
        cwd=folder,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(
            f"{url}/agent/login", gateway, log, lambda page: "客服工作台" in page, fetch=_get_text
        )
        yield url
    finally:
        _stop(gateway)
