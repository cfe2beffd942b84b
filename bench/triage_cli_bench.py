"""``python -m triage_model predict`` on a 20,000-line file with default options.

The contract's command-line path, as a script or a trainer runs it: one process, stdin a
file, stdout a file. Prints messages per second over the stream (the process's run time
minus the time the same command takes on an empty input, i.e. start-up and model load) and
the plain wall-clock figure. ``.venv/bin/python bench/triage_cli_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("nlu_data/triage/heldout", "nlu_data/triage/realistic")


def _texts() -> list[str]:
    texts: list[str] = []
    for folder in SOURCES:
        for path in sorted((REPO / folder).glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.append(json.loads(line)["text"])
    return texts


def _run(command: list[str], stdin: Path, env: dict[str, str]) -> float:
    with stdin.open("rb") as source, open(os.devnull, "wb") as sink:
        started = time.perf_counter()
        subprocess.run(command, stdin=source, stdout=sink, check=True, cwd=REPO, env=env)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    texts = _texts()
    command = [sys.executable, "-m", "triage_model", "predict"]
    if args.model is not None:
        command += ["--model", str(args.model)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "input.jsonl"
        with data.open("w", encoding="utf-8") as handle:
            for number in range(args.lines):
                row = {"text": texts[number % len(texts)], "id": number}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        empty = Path(folder) / "empty.jsonl"
        empty.write_text("")
        start_up = min(_run(command, empty, env) for _ in range(2))
        total = _run(command, data, env)
    stream = total - start_up
    print(f"predict, default options, {args.lines:,} lines from a file")
    print(f"  start-up and model load   {start_up:.2f} s")
    print(f"  whole run                 {total:.2f} s ({args.lines / total:,.0f} messages/s)")
    print(f"  stream after load         {stream:.2f} s ({args.lines / stream:,.0f} messages/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
