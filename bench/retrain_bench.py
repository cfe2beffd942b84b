"""Time from pressing 重新训练 to the new triage model answering in a running gateway.

Starts a real gateway (``python -m handoff serve``) on a temporary database against this
checkout's ``models/triage`` and ``nlu_data``, logs in as a trainer, and does what the 训练
page does: POST retrain, poll the job until the candidate is ready, POST promote, poll until
the gateway reports that it screens with the candidate. Prints the three times. Rasa is not
needed (screening does not call it). Takes as long as training does (minutes); the candidate
stays under models/triage as a version, and ``latest`` points at it afterwards (promote
moves it), as on a real install.

    .venv/bin/python bench/retrain_bench.py [--folds 3]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Client:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=None, help="RETRAIN_FOLDS (default 3)")
    args = parser.parse_args()
    python = ROOT / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'shop.db'}"
        env = os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        if args.folds:
            env["RETRAIN_FOLDS"] = str(args.folds)
        subprocess.run(
            [str(python), "-m", "handoff", "agents", "add", "trainer", "--password",
             "trainer-pass", "--role", "trainer"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        port = _port()
        log = Path(tmp) / "gateway.log"
        gateway = subprocess.Popen(
            [str(python), "-m", "handoff", "serve"],
            cwd=ROOT,
            env=env | {"HANDOFF_PORT": str(port), "HANDOFF_HARVEST_SECONDS": "0"},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            client = Client(f"http://127.0.0.1:{port}")
            for _ in range(240):
                try:
                    client.login("trainer", "trainer-pass")
                    state = client.call("GET", "/agent/api/training/models")
                    if state["serving"]:
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            else:
                print(log.read_text()[-3000:], file=sys.stderr)
                return 1
            before = state["serving"]
            pressed = time.perf_counter()
            job_id = client.call("POST", "/agent/api/training/retrain", {})["job_id"]
            while True:
                job = client.call("GET", f"/agent/api/training/jobs/{job_id}")
                if job["status"] in ("succeeded", "failed"):
                    break
                time.sleep(0.5)
            trained = time.perf_counter()
            if job["status"] != "succeeded":
                print(f"training failed: {job['error']}", file=sys.stderr)
                return 1
            candidate = job["candidate_version"]
            client.call("POST", f"/agent/api/training/models/triage/{candidate}/promote", {})
            promoted = time.perf_counter()
            while client.call("GET", "/agent/api/training/models")["serving"] != candidate:
                time.sleep(0.1)
            live = time.perf_counter()
        finally:
            gateway.terminate()
            gateway.wait(timeout=30)
    print(f"live before:                     {before}")
    print(f"candidate:                       {candidate}")
    print(f"retrain pressed → candidate:     {trained - pressed:6.1f} s (training + comparison)")
    print(f"promote → gateway screening it:  {live - promoted:6.1f} s")
    print(f"retrain pressed → live:          {live - pressed:6.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
