"""Real gateway processes on a real PostgreSQL and Redis, and nginx from Debian before them.

For the fault tests that need the whole path (widget → nginx → gateway → Rasa): each gateway
is ``python -m handoff serve`` on a port of its own, which a test may kill with SIGKILL (no
shutdown code runs, as when a machine or a container dies) and start again on the same port
and database. nginx is configured from ``scripts/cluster/nginx.conf.template`` exactly as
``scripts/run-cluster`` fills it in, so the tests exercise the proxy layout the README tells
operators to run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.cluster.services import _wait_until, port_accepts
from tests.servers import PYTHON, ROOT, TRIAGE_MODEL, _get_text, _stop, _wait_for, free_port

NGINX_TEMPLATE = ROOT / "scripts" / "cluster" / "nginx.conf.template"
#: The secret the gateways sign shoppers with (tests sign their widgets' hellos with it).
GATEWAY_SECRET = "cluster-test-secret"


def missing_nginx() -> str | None:
    """Why nginx cannot run here (with the fix), or None."""
    if shutil.which("nginx") is None:
        return "nginx is not installed: `apt-get install -y nginx` (.ci/run does)"
    return None


@dataclass
class GatewayProcess:
    """One gateway on a fixed port; :meth:`kill` and :meth:`start` at will."""

    folder: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "gateway.log"

    def start(self) -> None:
        """Start it (again) and wait until it serves pages."""
        assert self.process is None, "the gateway is already running"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(PYTHON), "-m", "handoff", "serve"],
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for(
            f"{self.url}/agent/login",
            self.process,
            self.log,
            lambda page: "客服工作台" in page,
            fetch=_get_text,
        )
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL, no goodbye: its sockets drop, its work in flight is cut off."""
        process, self.process = self.process, None
        assert process is not None, "the gateway is not running"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


def gateway_env(
    secrets: dict[str, str], database_url: str, redis_url: str, rasa_url: str, tracker_url: str
) -> dict[str, str]:
    """The settings of one gateway host (README "The same layout on several hosts")."""
    return (
        os.environ
        | secrets
        | {
            "HANDOFF_SECRET": GATEWAY_SECRET,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "RASA_URL": rasa_url,
            # Rasa's events, which the gateway reads too (the review harvester), with the
            # driver of the gateway's environment.
            "RASA_TRACKER_URL": tracker_url.replace("postgresql://", "postgresql+psycopg://", 1),
            "HANDOFF_HOST": "127.0.0.1",
            # nginx, and the tests' direct connections, come from loopback: trusted to say
            # whom they forward (X-Forwarded-For), so rate limits count per shopper address.
            "HANDOFF_TRUSTED_PROXIES": "127.0.0.1",
            "PYTHONPATH": str(ROOT),
            "TRIAGE_MODEL_DIR": str(TRIAGE_MODEL.parent),
        }
    )


@contextlib.contextmanager
def running_gateways(
    folder: Path,
    secrets: dict[str, str],
    database_url: str,
    redis_url: str,
    rasa_urls: list[str],
    tracker_url: str,
) -> Iterator[list[GatewayProcess]]:
    """One started gateway per entry of ``rasa_urls`` (its RASA_URL); all stopped after."""
    gateways = []
    for index, rasa_url in enumerate(rasa_urls):
        own = folder / f"gateway-{index}"
        own.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = gateway_env(secrets, database_url, redis_url, rasa_url, tracker_url)
        gateways.append(GatewayProcess(own, port, env | {"HANDOFF_PORT": str(port)}))
    try:
        for gateway in gateways:
            gateway.start()
        yield gateways
    finally:
        for gateway in gateways:
            gateway.stop()


@dataclass
class Nginx:
    """nginx in a throwaway folder: ``port`` proxies to the gateways, ``rasa_port`` to Rasa."""

    folder: Path
    port: int
    rasa_port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def error_log(self) -> Path:
        return self.folder / "error.log"


def nginx_config(
    folder: Path, port: int, rasa_port: int, gateways: list[int], rasa: list[int]
) -> str:
    """The template filled in as scripts/run-cluster fills it in."""
    gateway_servers = " ".join(f"server 127.0.0.1:{p} max_fails=0;" for p in gateways)
    rasa_servers = " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in rasa)
    values = {
        "DIR": str(folder),
        "PORT": str(port),
        "BIND": "127.0.0.1",
        "RASA_PORT": str(rasa_port),
        "GATEWAY_SERVERS": gateway_servers,
        "RASA_SERVERS": rasa_servers,
    }
    text = re.sub(
        r"@([A-Z_]+)@", lambda match: values.get(match[1], match[0]), NGINX_TEMPLATE.read_text()
    )
    return text


@contextlib.contextmanager
def running_nginx(
    gateway_ports: list[int], rasa_ports: list[int], rasa_port: int | None = None
) -> Iterator[Nginx]:
    """nginx before ``gateway_ports`` and ``rasa_ports`` (on ``rasa_port``, else a free
    port: the gateways' RASA_URL), on free ports; stopped after.

    Its folder is under the system temporary folder and readable by all: run as root, nginx's
    workers are an unprivileged user (as scripts/run-cluster prepares ``var/cluster/nginx``).
    """
    folder = Path(tempfile.mkdtemp(prefix="shop-nginx-"))
    folder.chmod(0o755)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "tmp" / name).mkdir(parents=True)
        (folder / "tmp" / name).chmod(0o777)
    (folder / "tmp").chmod(0o777)
    server = Nginx(folder, free_port(), rasa_port or free_port())
    config = folder / "nginx.conf"
    config.write_text(
        nginx_config(folder, server.port, server.rasa_port, gateway_ports, rasa_ports)
    )
    try:
        server.process = subprocess.Popen(
            [shutil.which("nginx") or "nginx", "-q", "-c", str(config), "-p", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=(folder / "stderr.log").open("wb"),
            start_new_session=True,
        )
        _wait_until(lambda: port_accepts(server.port), "nginx", folder / "stderr.log")
        yield server
    finally:
        if server.process is not None:
            _stop(server.process)
        shutil.rmtree(folder, ignore_errors=True)
