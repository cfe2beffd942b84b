"""Start and stop ``scripts/run-cluster`` for a benchmark: the very cluster ``make run-cluster``
starts (PostgreSQL, Redis, nginx, N gateways, N Rasa servers, N action servers), with its
ports and data folder chosen by the caller, so that the benchmark measures the shipped
configuration and not a copy of it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUN_CLUSTER = ROOT / "scripts" / "run-cluster"
#: What run-cluster prints once every server answers.
READY_LINE = "The cluster is up."
START_SECONDS = 420.0
STOP_SECONDS = 90.0


@dataclass(frozen=True)
class Ports:
    """Every port one cluster listens on (all on 127.0.0.1)."""

    front: int  # nginx: widget and console
    rasa_front: int  # nginx: the gateways' way to the Rasa servers
    postgres: int
    redis: int
    gateways: tuple[int, ...]
    rasa: tuple[int, ...]
    actions: tuple[int, ...]

    @classmethod
    def from_base(cls, base: int, instances: int) -> Ports:
        """``base`` … ``base + 3`` and three blocks of ``instances`` ports after them."""
        block = range(instances)
        return cls(
            base,
            base + 1,
            base + 2,
            base + 3,
            tuple(base + 4 + i for i in block),
            tuple(base + 4 + instances + i for i in block),
            tuple(base + 4 + 2 * instances + i for i in block),
        )

    @classmethod
    def free(cls, instances: int) -> Ports:
        from tests.servers import free_port

        def several() -> tuple[int, ...]:
            return tuple(free_port() for _ in range(instances))

        front, rasa_front, postgres, redis = (free_port() for _ in range(4))
        return cls(front, rasa_front, postgres, redis, several(), several(), several())


@dataclass
class Cluster:
    instances: int
    ports: Ports
    folder: Path
    process: subprocess.Popen[bytes]
    settings: dict[str, str]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.front}"

    @property
    def database_url(self) -> str:
        return self.settings["DATABASE_URL"]

    @property
    def postgres_data(self) -> Path:
        return self.folder / "data" / "postgres"

    def cpu_roots(self) -> list[int]:
        """The processes whose trees are the cluster: run-cluster and PostgreSQL's postmaster
        (``pg_ctl`` detaches it from run-cluster)."""
        roots = [self.process.pid]
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            roots.append(int((self.postgres_data / "postmaster.pid").read_text().split()[0]))
        return roots


def missing_binaries() -> str | None:
    """Why run-cluster cannot run here, or None."""
    import shutil

    from tests.cluster.services import missing_binaries as missing_servers
    from tests.servers import missing_prerequisite

    return (
        missing_prerequisite()
        or missing_servers()
        or (None if shutil.which("nginx") else "nginx is not installed: apt-get install nginx")
    )


def _read_env(path: Path) -> dict[str, str]:
    settings: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            settings[name] = value.strip('"')
    return settings


@contextlib.contextmanager
def running_cluster(instances: int, ports: Ports, folder: Path, secret: str) -> Iterator[Cluster]:
    """run-cluster with ``instances`` of each service on fresh data in ``folder``; stopped
    (Ctrl-C's way: run-cluster's trap stops its servers and PostgreSQL) afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    env_file = folder / "cluster.env"
    env = os.environ | {
        "INSTANCES": str(instances),
        "HANDOFF_PORT": str(ports.front),
        "RASA_PORT": str(ports.rasa_front),
        "PG_PORT": str(ports.postgres),
        "REDIS_PORT": str(ports.redis),
        "GATEWAY_PORTS": " ".join(map(str, ports.gateways)),
        "RASA_PORTS": " ".join(map(str, ports.rasa)),
        "ACTIONS_PORTS": " ".join(map(str, ports.actions)),
        "CLUSTER_DIR": str(folder / "data"),
        "CLUSTER_ENV": str(env_file),
        "CLUSTER_FRESH": "1",
        # The storefront's signing secret, so that the benchmark can sign its shoppers.
        "HANDOFF_SECRET": secret,
    }
    log_path = folder / "run-cluster.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(RUN_CLUSTER)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one below
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while READY_LINE not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"run-cluster did not come up (see {folder}):\n{tail}")
            time.sleep(0.5)
        yield Cluster(instances, ports, folder, process, _read_env(env_file))
    finally:
        _stop(process, folder)


def _stop(process: subprocess.Popen[bytes], folder: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # If run-cluster could not stop PostgreSQL (killed above), stop it here.
    data = folder / "data" / "postgres"
    if (data / "postmaster.pid").exists():
        from tests.cluster.services import postgres_bin_dir

        bin_dir = postgres_bin_dir()
        if bin_dir is not None:
            command = [str(bin_dir / "pg_ctl"), "-D", str(data), "stop", "-m", "immediate"]
            if os.geteuid() == 0:
                command = ["runuser", "-u", "postgres", "--", *command]
            subprocess.run(command, capture_output=True, check=False, timeout=STOP_SECONDS)
