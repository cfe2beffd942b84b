"""Fixtures of the operations tests: the gateway's (shared with tests/gateway), Rasa's real
tracker store through ``.venv-rasa``, and Redis emptied for each test.

PostgreSQL and Redis are the session's real servers from Debian's packages
(``postgres_server``, ``redis_server`` in tests/conftest.py, tests/cluster/services.py).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from tests.servers import RASA_PY, ROOT

if TYPE_CHECKING:
    from tests.cluster.services import RedisServer

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
def redis_url(redis_server: RedisServer) -> str:
    """The session's real Redis (tests/cluster/services.py), emptied for this test."""
    redis_server.start()  # a previous test may have left it stopped
    redis_server.command("FLUSHALL")
    return redis_server.url()
