"""Several real Rasa servers on one PostgreSQL and one Redis, as ``bot/endpoints-cluster.yml``
configures them, with one real action server (for the fault tests and bench scripts).

The case store stays a temporary SQLite file here (the action server's); what is shared
between the Rasa servers is what the tests are about: the tracker store on PostgreSQL and the
lock store on Redis.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.servers import (
    PYTHON,
    RASA_BIN,
    RASA_MODELS,
    RASA_PY,
    ROOT,
    Servers,
    _stop,
    _wait_for,
    free_port,
    new_secrets,
)

CLUSTER_ENDPOINTS = ROOT / "bot" / "endpoints-cluster.yml"
#: What Rasa logs when a tracker store fails and it goes on in memory (a silent fork).
FORK_SIGNS = ("InMemoryTrackerStore", "Falling back")


@dataclass
class RasaCluster:
    """The Rasa servers (``servers[i]`` talks to the i-th) and their shared action server."""

    servers: list[Servers]
    actions: subprocess.Popen[bytes]
    rasa_logs: list[Path] = field(default_factory=list)

    def tracker_events(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's events as PostgreSQL has them (Rasa's tracker API)."""
        path = f"/conversations/{quote(conversation_id, safe='')}/tracker?include_events=ALL"
        with urllib.request.urlopen(self.servers[0].rasa_api(path), timeout=60) as response:
            events: list[dict[str, Any]] = json.loads(response.read())["events"]
        return events

    def logs(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.rasa_logs)


def user_turns(events: list[dict[str, Any]]) -> list[str]:
    """The shopper's texts in tracker order, after checking the events form whole turns.

    Whole turns: every event's timestamp is at or after the one before it, and each
    shopper message's turn ends (``action_listen``) before the next shopper message starts.
    Two turns run at the same time, or saved over each other, break one or the other.
    """
    for before, after in zip(events, events[1:]):
        assert after["timestamp"] >= before["timestamp"], (
            "tracker events out of order",
            [{k: e.get(k) for k in ("event", "name", "text", "timestamp")} for e in events],
        )
    texts: list[str] = []
    listening = True
    for event in events:
        if event["event"] == "user":
            assert listening, f"turn of {event.get('text')!r} began inside another turn"
            texts.append(event.get("text") or "")
            listening = False
        elif event["event"] == "action" and event.get("name") == "action_listen":
            listening = True
    assert listening, "the last turn never finished"
    return texts


def assert_no_fork(cluster: RasaCluster) -> None:
    logs = cluster.logs()
    for sign in FORK_SIGNS:
        assert sign not in logs, f"Rasa fell back to an in-memory tracker ({sign!r})"


def cluster_endpoints(folder: Path, actions_secret: str) -> Path:
    """``bot/endpoints-cluster.yml`` with the action server's secret, as run-services does."""
    text = re.sub(
        r'X-Actions-Secret: ".*"',
        f'X-Actions-Secret: "{actions_secret}"',
        CLUSTER_ENDPOINTS.read_text(),
    )
    endpoints = folder / "endpoints-cluster.yml"
    endpoints.write_text(text)
    endpoints.chmod(0o600)
    return endpoints


def start_rasa_cluster(
    folder: Path,
    tracker_url: str,
    redis_url: str,
    rasa_servers: int = 2,
    extra_env: dict[str, str] | None = None,
) -> Generator[RasaCluster, None, None]:
    """Start the action server and ``rasa_servers`` Rasa servers (one worker each); stop after."""
    from handoff.db import make_session_factory, prepare_database

    database_url = f"sqlite:///{folder / 'shop.db'}"
    engine = prepare_database(database_url)
    keys = new_secrets()
    action_port = free_port()
    actions_url = f"http://127.0.0.1:{action_port}"
    env = (
        os.environ
        | keys
        | {
            "DATABASE_URL": database_url,
            "RASA_TRACKER_URL": tracker_url,
            "REDIS_URL": redis_url,
            "ACTIONS_URL": f"{actions_url}/webhook",
            "SANIC_HOST": "127.0.0.1",
            "RASA_TELEMETRY_ENABLED": "false",
            "SANIC_WORKERS": "1",
            "ACTION_SERVER_SANIC_WORKERS": "1",
        }
        | (extra_env or {})
    )
    endpoints = cluster_endpoints(folder, keys["ACTIONS_SECRET"])
    action_log = folder / "actions.log"
    actions = subprocess.Popen(
        [str(PYTHON), "-m", "rasa_sdk", "--actions", "actions", "-p", str(action_port)],
        cwd=ROOT,
        env=env,
        stdout=action_log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes: list[subprocess.Popen[bytes]] = []
    cluster = RasaCluster([], actions)
    try:
        subprocess.run(
            [str(RASA_PY), "-m", "rasa_extensions.prepare_tracker_store", str(endpoints)],
            cwd=folder,
            env=env,
            stdout=(folder / "prepare.log").open("wb"),
            stderr=subprocess.STDOUT,
            check=True,
        )
        ports = [free_port() for _ in range(rasa_servers)]
        serve = [str(RASA_BIN), "run", "--enable-api", "--auth-token", keys["RASA_TOKEN"]]
        credentials = str(ROOT / "bot" / "credentials.yml")
        configs = ["--endpoints", str(endpoints), "--credentials", credentials]
        for index, port in enumerate(ports):
            log = folder / f"rasa-{index}.log"
            cluster.rasa_logs.append(log)
            processes.append(
                subprocess.Popen(
                    [*serve, "-i", "127.0.0.1", "-p", str(port), "-m", str(RASA_MODELS), *configs],
                    cwd=folder,
                    env=env,
                    stdout=log.open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        _wait_for(f"{actions_url}/health", actions, action_log, lambda body: body is not None)
        factory = make_session_factory(engine)
        for port, process, log in zip(ports, processes, cluster.rasa_logs):
            rasa_url = f"http://127.0.0.1:{port}"
            _wait_for(
                f"{rasa_url}/status?token={keys['RASA_TOKEN']}",
                process,
                log,
                lambda body: bool(body.get("model_id")),
            )
            cluster.servers.append(Servers(rasa_url, actions_url, database_url, factory, log, keys))
        yield cluster
    finally:
        for process in processes:
            _stop(process)
        _stop(actions)
        engine.dispose()
