"""How long the supervisor's report takes on the seeded month of demo history.

Seeds the demo history (``handoff.demo_history``, ~680 cases) into a fresh SQLite file, then
times ``build_report`` in process (``--repeat`` runs) and the whole command
``python -m handoff report --json`` (interpreter start, migration check and jieba included)
as a user types it. Prints the median and the slowest of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from handoff.clock import utc_now
    from handoff.db import make_session_factory, prepare_database, transaction
    from handoff.demo_history import seed_history
    from handoff.reporting.compute import ReportRange, build_report

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = prepare_database(url)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            counts = seed_history(session)
        in_process = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            with factory() as session:
                report = build_report(session, ReportRange.last_days(30, utc_now()))
            in_process.append(time.perf_counter() - started)
        engine.dispose()
        command = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "handoff", "report", "--json"],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": url},
                check=True,
                capture_output=True,
            )
            command.append(time.perf_counter() - started)
    print(
        f"report over {report['cases']} cases ({counts['cases']} seeded): build_report median "
        f"{statistics.median(in_process):.2f} s (max {max(in_process):.2f} s); "
        f"`python -m handoff report --json` median {statistics.median(command):.2f} s "
        f"(max {max(command):.2f} s), {args.repeat} runs each"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
