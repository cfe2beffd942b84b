"""How late the deadline sweeper raises its alerts: seconds after the warning or breach moment.

Opens ``--cases`` cases over the first ``--spread`` seconds on a fresh SQLite file, with a
deadline policy of short targets (30 s / 60 s, settings like any other), and runs the real
background jobs (:func:`handoff.deadlines.background.run_background`: the in-process loop on
SQLite, a procrastinate worker on PostgreSQL) of ``--instances`` gateways (each with its own
engine, as two processes would) every ``--interval`` seconds until every deadline has
passed. Prints p50 / p99 / max of ``alert.created_at - moment`` and checks that every
warning and breach was sent exactly once. ``DATABASE_URL`` selects another (empty) database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path


async def _run(args: argparse.Namespace, url: str) -> int:
    from sqlalchemy import select

    from handoff.cases import TriageSummary, open_case
    from handoff.clock import utc_now
    from handoff.db import make_engine, make_session_factory, prepare_database, transaction
    from handoff.deadlines.background import run_background, sweeper_job
    from handoff.deadlines.policy import DeadlinePolicy, Targets
    from handoff.supervision_models import Alert

    rng = random.Random(7)
    targets = {
        urgency: Targets(timedelta(seconds=30), timedelta(seconds=30), timedelta(seconds=60))
        for urgency in ("urgent", "normal")
    }
    policy = DeadlinePolicy(targets=targets)
    base = make_session_factory(prepare_database(url))
    factories = [make_session_factory(make_engine(url)) for _ in range(args.instances)]
    tasks = [
        asyncio.create_task(run_background(f, [sweeper_job(policy)], args.interval))
        for f in factories
    ]
    for index in range(args.cases):
        await asyncio.sleep(args.spread / args.cases * rng.uniform(0.5, 1.5))
        with transaction(base) as session:
            open_case(
                session,
                conversation_id=f"bench-{index}",
                shopper_id="bench-shopper",
                order_id=None,
                description="bench",
                triage=TriageSummary("quality", 0.9, rng.choice(("urgent", "normal")), 0.5, []),
                dedupe_key=f"bench-{index}",
                now=utc_now(),
            )
    await asyncio.sleep(60 + 2 * args.interval)  # the last case's resolution has passed
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    with base() as session:
        alerts = list(session.scalars(select(Alert)))
    late = sorted(float(a.detail["late_seconds"]) for a in alerts)
    kinds = Counter(a.kind for a in alerts if a.kind != "escalation")
    expected = args.cases * 2  # two deadlines (first response, resolution) per case
    ok = kinds["sla_warning"] == expected and kinds["sla_breach"] == expected

    def p(share: float) -> float:
        return late[max(0, math.ceil(share * len(late)) - 1)]

    print(
        f"{args.instances} sweeper(s) every {args.interval:g} s, {args.cases} cases, "
        f"{len(late)} alerts: lateness p50 {p(0.5):.2f} s, p99 {p(0.99):.2f} s, "
        f"max {late[-1]:.2f} s; each warning/breach once: {'yes' if ok else 'NO'} ({dict(kinds)})"
    )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds to open them over")
    parser.add_argument("--interval", type=float, default=5.0, help="HANDOFF_SWEEP_SECONDS")
    parser.add_argument("--instances", type=int, default=2, help="gateways sweeping together")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(_run(args, url or f"sqlite:///{Path(folder) / 'bench.db'}"))


if __name__ == "__main__":
    sys.exit(main())
