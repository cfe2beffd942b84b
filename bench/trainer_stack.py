"""A gateway process for the trainer benches, with a trainer logged in over HTTP.

``bench/retrain_bench.py`` and ``bench/review_round.py`` both start ``python -m handoff serve``
on a temporary database, create a trainer and wait until the gateway screens with a triage
model; this is that start-up, once.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
sys.path.insert(0, str(ROOT))

from tests.servers import _stop, free_port  # noqa: E402

TRAINER, PASSWORD = "trainer", "trainer-pass"


class Client:
    """JSON calls with the session cookie of one logged-in agent."""

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


@contextmanager
def trainer_gateway(env: dict[str, str], cwd: Path, log: Path) -> Iterator[Client]:
    """Start a gateway with ``env`` (its ``DATABASE_URL`` gets a trainer first) in ``cwd``;
    yield a client logged in as the trainer once the gateway screens with a model."""
    subprocess.run(
        [str(PYTHON), "-m", "handoff", "agents", "add", TRAINER, "--password", PASSWORD,
         "--role", "trainer"],
        cwd=ROOT, env=env | {"PYTHONPATH": str(ROOT)}, check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    gateway = subprocess.Popen(
        [str(PYTHON), "-m", "handoff", "serve"],
        cwd=cwd,
        env=env | {"PYTHONPATH": str(ROOT), "HANDOFF_PORT": str(port)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        client = Client(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 180
        while True:
            if gateway.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the gateway did not start; log:\n{log.read_text()[-3000:]}")
            try:
                client.login(TRAINER, PASSWORD)
                if client.call("GET", "/agent/api/training/models")["serving"]:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        yield client
    finally:
        _stop(gateway)


def wait_for_job(client: Client, job_id: int, poll_seconds: float = 0.5) -> dict[str, Any]:
    """Poll a training job until it succeeded or failed; its last state."""
    while True:
        job: dict[str, Any] = client.call("GET", f"/agent/api/training/jobs/{job_id}")
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(poll_seconds)


def environment(**values: str) -> dict[str, str]:
    """This process's environment with ``values`` (and without a fixed triage folder)."""
    env = os.environ | values
    env.pop("TRIAGE_MODEL_DIR", None)
    return env
