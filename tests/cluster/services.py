"""A real PostgreSQL and a real Redis from Debian's binaries, for tests and bench scripts.

Why real servers: the cluster's promises (atomic locks, no lost or forked conversations when
a database restarts) are properties of PostgreSQL and Redis themselves, which no fake has.
Each server runs in a throwaway directory under the system temporary folder (not pytest's,
which the ``postgres`` user cannot read when the tests run as root), listens on loopback
only on a free port, and is stopped and deleted afterwards.

Plain functions and classes, standard library only, so that ``.venv``, ``.venv-rasa`` and
``bench/`` scripts can all use them::

    with running_postgres() as postgres, running_redis() as redis:
        url = postgres.create_database("shop")   # postgresql://…/shop
        postgres.stop(mode="immediate"); postgres.start()
        redis.kill(); redis.start()

The pytest fixtures ``postgres_server`` and ``redis_server`` (session-scoped, in
``tests/conftest.py``) wrap them and skip with :func:`missing_binaries`' reason only where
the Debian packages are not installed (``.ci/run`` installs them).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import free_port

#: How long a start or a stop may take before it counts as a failure (a loaded CI machine).
STARTUP_SECONDS = 60.0
#: The PostgreSQL role (a superuser, password-protected) the servers are initialised with.
POSTGRES_ROLE = "shop"
#: Debian's PostgreSQL server binaries (``initdb``, ``pg_ctl``, ``postgres``) live here.
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"
REDIS_SERVER = "redis-server"
REDIS_CLI = "redis-cli"
#: Enough for two gateways, two Rasa servers with their workers and two action servers
#: (PostgreSQL's default is 100), and small enough to show a pool that does not stay small.
POSTGRES_MAX_CONNECTIONS = 200


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's binary folder, or None."""
    folders = sorted(
        (Path(p) for p in glob.glob(POSTGRES_BIN_GLOB) if (Path(p) / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return folders[-1] if folders else None


def missing_binaries() -> str | None:
    """Why the servers cannot run here (with the fix), or None."""
    install = "install them with `apt-get install -y postgresql redis-server` (.ci/run does)"
    if postgres_bin_dir() is None:
        return f"PostgreSQL's server binaries are not installed: {install}"
    if shutil.which(REDIS_SERVER) is None or shutil.which(REDIS_CLI) is None:
        return f"redis-server (with redis-cli) is not installed: {install}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root without `runuser` to start PostgreSQL as `postgres`"
    return None


def _owner_folder(prefix: str, owner: str | None) -> Path:
    """A fresh folder under the system temporary folder, owned by ``owner`` when given."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=tempfile.gettempdir()))
    if owner is not None:
        shutil.chown(folder, user=owner, group=owner)
    return folder


def _wait_until(ready: Callable[[], bool], what: str, log: Path | None) -> None:
    """Poll ``ready()`` until it is true or :data:`STARTUP_SECONDS` pass."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} not ready after {STARTUP_SECONDS:.0f}s\n{tail}")


def port_accepts(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class PostgresServer:
    """One PostgreSQL cluster in a throwaway folder; ``start``/``stop``/``kill`` at will.

    The data folder belongs to the ``postgres`` user when we run as root (PostgreSQL refuses
    to run as root); every server command then goes through ``runuser -u postgres``.
    Password authentication (scram) even on loopback, as in production.
    """

    folder: Path
    port: int
    password: str
    bin_dir: Path
    role: str = POSTGRES_ROLE

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def url(self, database: str = "postgres", driver: str = "") -> str:
        """A SQLAlchemy URL; ``driver`` e.g. ``psycopg`` or ``psycopg2`` (default: libpq's)."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{self.role}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin_dir / program), *args]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            self._command("pg_ctl", "-D", str(self.data), *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=check,
            timeout=STARTUP_SECONDS + 10,
        )

    def initialise(self) -> None:
        """``initdb`` with our role and password (once, before the first start)."""
        password_file = self.folder / "password"
        password_file.write_text(self.password)
        if os.geteuid() == 0:
            shutil.chown(password_file, user="postgres", group="postgres")
        password_file.chmod(0o600)
        subprocess.run(
            self._command(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                self.role,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=True,
        )
        password_file.unlink()

    def start(self) -> None:
        """Start (or start again) and wait until it accepts connections."""
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.folder}",
                f"-c max_connections={POSTGRES_MAX_CONNECTIONS}",
                # Throwaway data on a shared machine: skip the disk syncs, which only matter
                # when the machine itself goes down. Every commit still reaches the log before
                # it is acknowledged (no synchronous_commit=off: `stop -m immediate` would
                # then lose acknowledged commits, the very thing the fault tests look for).
                "-c fsync=off",
                "-c full_page_writes=off",
            ]
        )
        wait = ("-w", "-t", str(int(STARTUP_SECONDS)))
        result = self._pg_ctl("start", *wait, "-l", str(self.log), "-o", options, check=False)
        if result.returncode != 0:
            tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {result.stdout.decode()}\n{tail}")
        _wait_until(lambda: port_accepts(self.port), "PostgreSQL", self.log)

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m MODE``: ``fast`` (clean), ``immediate`` (a crash: recovery on
        the next start). Nothing happens when it is not running."""
        if self.is_running():
            self._pg_ctl("stop", "-w", "-m", mode)

    def kill(self) -> None:
        """SIGKILL the postmaster (its children notice and exit); the next start recovers.

        Returns once the process is reaped (not a zombie): ``pg_ctl start`` would take a
        zombie's pid in ``postmaster.pid`` for a running server and refuse to start.
        """
        pid = self.postmaster_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _wait_until(lambda: not Path(f"/proc/{pid}").exists(), "PostgreSQL's exit", None)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def postmaster_pid(self) -> int | None:
        pid_file = self.data / "postmaster.pid"
        try:
            return int(pid_file.read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def is_running(self) -> bool:
        return self._pg_ctl("status", check=False).returncode == 0

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` with psql over TCP; its unaligned output."""
        result = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.role,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-X",
                "-A",
                "-t",
                "-c",
                sql,
            ],
            env=os.environ | {"PGPASSWORD": self.password},
            capture_output=True,
            check=False,
            timeout=STARTUP_SECONDS,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.decode()}")
        return result.stdout.decode().strip()

    def create_database(self, name: str | None = None, driver: str = "") -> str:
        """A new, empty database (a fresh random name by default); its URL."""
        name = name or f"test_{secrets.token_hex(6)}"
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a plain database name: {name!r}")
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name, driver)

    def connection_count(self) -> int:
        """Client connections open right now (the pool-size check)."""
        sql = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        return int(self.psql(sql))


@dataclass
class RedisServer:
    """One redis-server in a throwaway folder, with a password, loopback only."""

    folder: Path
    port: int
    password: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log(self) -> Path:
        return self.folder / "redis.log"

    def url(self, db: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Start (or start again) and wait until it answers PING."""
        if self.process is not None and self.process.poll() is None:
            return
        config = self.folder / "redis.conf"
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\nrequirepass {self.password}\n"
            f'dir {self.folder}\nsave ""\nappendonly no\nprotected-mode yes\n'
            f"logfile {self.log}\ndaemonize no\n"
        )
        config.chmod(0o600)
        self.process = subprocess.Popen(
            [shutil.which(REDIS_SERVER) or REDIS_SERVER, str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_until(lambda: self.ping(), "Redis", self.log)

    def ping(self) -> bool:
        try:
            return self.command("PING") == "PONG"
        except OSError:
            return False

    def command(self, *args: str) -> str:
        """One command with redis-cli; its output, stripped."""
        cli = [shutil.which(REDIS_CLI) or REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port)]
        result = subprocess.run(
            [*cli, "--no-auth-warning", *args],
            env=os.environ | {"REDISCLI_AUTH": self.password},
            capture_output=True,
            check=False,
            timeout=10,
        )
        if result.returncode != 0 or result.stdout.startswith(b"Could not connect"):
            raise ConnectionError(result.stderr.decode() or result.stdout.decode())
        return result.stdout.decode().strip()

    def stop(self) -> None:
        """SIGTERM and wait (nothing is saved: the data is throwaway)."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: every client connection drops at once."""
        self._signal(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill_clients(self, kind: str = "pubsub") -> None:
        """``CLIENT KILL TYPE kind`` (``normal``, ``pubsub``): clients drop, Redis stays up."""
        self.command("CLIENT", "KILL", "TYPE", kind)

    def _signal(self, number: signal.Signals) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(number)
        try:
            process.wait(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def new_postgres() -> PostgresServer:
    """An initialised, started PostgreSQL in a fresh folder (stop it with :func:`discard`)."""
    reason = missing_binaries()
    if reason:
        raise RuntimeError(reason)
    bin_dir = postgres_bin_dir()
    assert bin_dir is not None
    owner = "postgres" if os.geteuid() == 0 else None
    folder = _owner_folder("shop-postgres-", owner)
    server = PostgresServer(folder, free_port(), secrets.token_hex(12), bin_dir)
    try:
        server.initialise()
        server.start()
    except BaseException:
        discard_postgres(server)
        raise
    return server


def discard_postgres(server: PostgresServer) -> None:
    """Stop the server at once and delete its folder."""
    with contextlib.suppress(Exception):
        server.stop(mode="immediate")
    with contextlib.suppress(Exception):
        server.kill()
    shutil.rmtree(server.folder, ignore_errors=True)


def new_redis() -> RedisServer:
    """A started Redis in a fresh folder (stop it with :func:`discard_redis`)."""
    if shutil.which(REDIS_SERVER) is None or shutil.which(REDIS_CLI) is None:
        raise RuntimeError(missing_binaries() or "no redis-server")
    server = RedisServer(_owner_folder("shop-redis-", None), free_port(), secrets.token_hex(12))
    try:
        server.start()
    except BaseException:
        discard_redis(server)
        raise
    return server


def discard_redis(server: RedisServer) -> None:
    server.kill()
    shutil.rmtree(server.folder, ignore_errors=True)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    server = new_postgres()
    try:
        yield server
    finally:
        discard_postgres(server)


@contextlib.contextmanager
def running_redis() -> Iterator[RedisServer]:
    server = new_redis()
    try:
        yield server
    finally:
        discard_redis(server)
