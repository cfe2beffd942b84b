"""Fixtures of the operations tests: the gateway's (shared with tests/gateway), Rasa's real
tracker store through ``.venv-rasa``, and a throwaway Redis server from Debian's package.

PostgreSQL has its own module (``tests/ops/postgres.py``), used only by the tests that need it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gateway.conftest import (  # noqa: F401 - fixtures, re-exported for this folder
    ASYNC,
    SECRET,
    FakeRasa,
    KeywordScreener,
    client,
    db_url,
    fake_rasa,
    login,
    rasa,
    settings,
)
from tests.servers import RASA_PY, ROOT, free_port

TRACKER_TOOL = Path(__file__).with_name("rasa_tracker_tool.py")


def rasa_tracker(command: str, store: str, payload: Any) -> Any:
    """Run ``rasa_tracker_tool.py`` (Rasa's real stores) and return its JSON answer."""
    if not RASA_PY.exists():
        pytest.skip("no .venv-rasa: run `make setup`")
    done = subprocess.run(
        [str(RASA_PY), str(TRACKER_TOOL), command, store],
        input=json.dumps(payload, ensure_ascii=False),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of its own on a free port, no persistence; stopped after the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    port = free_port()
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                import time

                time.sleep(0.1)
        client.close()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
