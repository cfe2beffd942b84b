"""Fixtures of the operations tests: the gateway's (shared with tests/gateway), Rasa's real
tracker store through ``.venv-rasa``, and Redis emptied for each test.

PostgreSQL and Redis are the session's real servers from Debian's packages
(``postgres_server``, ``redis_server`` in tests/conftest.py, tests/cluster/services.py).
"""

from __future__ import annotations

import atexit
import json
import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

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


#: Must match ``rasa_tracker_tool.ANSWER_PREFIX`` (the tool runs in ``.venv-rasa``).
ANSWER_PREFIX = "TRACKER-TOOL-ANSWER "
#: How long one request may take (the first includes the tool's start).
TOOL_SECONDS = 300.0


class TrackerTool:
    """``rasa_tracker_tool.py serve`` in ``.venv-rasa``: started on the first request, it
    answers every later one too, so Rasa's stores are imported once per session, not once
    per request; it ends when its stdin closes (at exit, or when this process dies)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.log: IO[str] | None = None
        self.lines: queue.Queue[str] = queue.Queue()

    def _started(self) -> subprocess.Popen[str]:
        if self.process is None or self.process.poll() is not None:
            # Lives as long as the process, which writes its warnings there (a pipe nobody
            # reads would fill up and stop it).
            self.log = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            self.lines = queue.Queue()
            self.process = subprocess.Popen(
                [str(RASA_PY), str(TRACKER_TOOL), "serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
                text=True,
                encoding="utf-8",
                cwd=ROOT,
            )
            threading.Thread(
                target=self._read, args=(self.process, self.lines), daemon=True
            ).start()
            atexit.register(self.close)
        return self.process

    @staticmethod
    def _read(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")  # the tool exited

    def _stderr(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read()[-3000:]

    def ask(self, command: str, store: str, payload: Any) -> Any:
        process = self._started()
        assert process.stdin is not None
        request = {"command": command, "store": store, "payload": payload}
        process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
        process.stdin.flush()
        deadline = time.monotonic() + TOOL_SECONDS
        line = ""
        while not line.startswith(ANSWER_PREFIX):
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no answer in {TOOL_SECONDS:g} s: {self._stderr()}") from None
            assert line, f"the tracker tool exited: {self._stderr()}"
        answer = json.loads(line[len(ANSWER_PREFIX) :])
        assert "error" not in answer, answer.get("error")
        return answer["ok"]

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


TOOL = TrackerTool()


def rasa_tracker(command: str, store: str, payload: Any) -> Any:
    """Ask ``rasa_tracker_tool.py`` (Rasa's real stores) and return its JSON answer."""
    if not RASA_PY.exists():
        pytest.skip("no .venv-rasa: run `make setup`")
    return TOOL.ask(command, store, payload)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's real Redis (tests/cluster/services.py), emptied for this test."""
    redis_server.start()  # a previous test may have left it stopped
    redis_server.command("FLUSHALL")
    return redis_server.url()
