"""A throwaway PostgreSQL server from Debian's binaries, for the tests that need one.

Its data folder is under /tmp (the postgres user cannot read pytest's temporary folders);
as root every command runs as ``postgres`` (``initdb`` refuses root). Trust authentication
on 127.0.0.1 and a free port: nothing outside this machine's loopback reaches it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _binary(name: str) -> str | None:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


@dataclass
class Postgres:
    folder: Path
    port: int

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = _binary("pg_ctl") or "pg_ctl"
        self._run(
            pg_ctl,
            "-D",
            str(self.folder / "data"),
            "-o",
            options,
            "-w",
            "-l",
            str(self.folder / "log"),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        pg_ctl = _binary("pg_ctl") or "pg_ctl"
        self._run(pg_ctl, "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> None:
        createdb = _binary("createdb") or "createdb"
        self._run(createdb, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"


def postgres_server() -> Iterator[Postgres]:
    """Start one; stop it and remove its folder after (skips where PostgreSQL is missing)."""
    initdb = _binary("initdb")
    if initdb is None:
        pytest.skip("PostgreSQL is not installed (Debian package postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="shop-pg-", dir="/tmp"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = Postgres(folder, free_port())
    try:
        server._run(
            initdb, "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
