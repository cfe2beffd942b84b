"""Supervisor commands of ``python -m handoff``: alerts, report, demo history, follow-ups.

``handoff/cli.py`` adds these parsers and hands the parsed arguments here, so the supervisor's
commands live beside their domain and the shared CLI module stays small.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from handoff.clock import CHINA_TZ, utc_now
from handoff.db import make_session_factory, transaction
from handoff.table import render_table

TOPICS = ("alerts", "report", "demo", "followups", "simulate", "sweep")


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False))


def add_parsers(topics: Any) -> None:
    """Add the supervisor's topics to the ``python -m handoff`` sub-parsers."""
    alerts = topics.add_parser("alerts", help="SLA warnings, breaches, escalations, surges")
    alerts_sub = alerts.add_subparsers(dest="command", required=True)
    alerts_list = alerts_sub.add_parser("list", help="alerts, newest first")
    alerts_list.add_argument("--json", action="store_true", help="one JSON object per line")
    alerts_list.add_argument("--kind", action="append", help="only this kind (repeatable)")
    alerts_list.add_argument("--days", type=int, help="only the last N days")

    report = topics.add_parser("report", help="the supervisor's report over the last N days")
    report.add_argument("--json", action="store_true", help="one JSON object")
    report.add_argument("--days", type=int, default=30, help="days to cover (default 30)")

    demo = topics.add_parser("demo", help="the demo history (about 30 days of cases)")
    demo_sub = demo.add_subparsers(dest="command", required=True)
    seed = demo_sub.add_parser("seed-history", help="add the demo history")
    seed.add_argument(
        "--if-fresh", action="store_true", help="only on a fresh install (no cases yet)"
    )
    seed.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    demo_sub.add_parser("remove-history", help="remove everything the demo history added")

    followups = topics.add_parser("followups", help="回访: follow-ups after a resolution")
    followups_sub = followups.add_subparsers(dest="command", required=True)
    due = followups_sub.add_parser("due", help="follow-ups due for a call")
    due.add_argument("--json", action="store_true", help="one JSON object per line")

    from handoff.simulate import add_parser as add_simulate

    add_simulate(topics)

    sweep = topics.add_parser("sweep", help="run the background jobs once (the gateway does it)")
    sweep.add_argument("--json", action="store_true", help="one JSON line per alert raised")
    sweep.add_argument(
        "--forever",
        action="store_true",
        help="keep running them as a gateway instance does (procrastinate on PostgreSQL)",
    )


def _alerts_list(engine: Engine, args: argparse.Namespace) -> int:
    from handoff.alerts.store import alert_dict, list_alerts

    since = utc_now() - timedelta(days=args.days) if args.days else None
    with make_session_factory(engine)() as session:
        alerts = list_alerts(session, since=since, kinds=tuple(args.kind or ()) or None)
        if args.json:
            for alert in alerts:
                _emit(alert_dict(alert))
            return 0
        if not alerts:
            print("no alerts")
            return 0
        rows = [
            [
                str(a.id),
                a.kind,
                f"{a.created_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}",
                str(a.detail.get("message_zh", "")),
            ]
            for a in alerts
        ]
        print(render_table(["id", "kind", "created (UTC+8)", "what"], rows))
    return 0


def _demo(engine: Engine, args: argparse.Namespace) -> int:
    from handoff import demo_history

    factory = make_session_factory(engine)
    if args.command == "remove-history":
        with transaction(factory) as session:
            removed = demo_history.remove_history(session)
        print(f"removed the demo history: {removed}")
        return 0
    with transaction(factory) as session:
        if args.if_fresh and not demo_history.is_fresh(session):
            print("demo history not added: the database has cases, or had the demo history before")
            return 0
        summary = demo_history.seed_history(session, days=args.days)
    print(f"added the demo history: {summary}")
    return 0


def _report(engine: Engine, args: argparse.Namespace) -> int:
    from handoff.reporting.compute import ReportRange, build_report
    from handoff.reporting.text import render_report_text

    if args.days < 1 or args.days > 366:
        print("error: --days must be between 1 and 366", file=sys.stderr)
        return 2
    with make_session_factory(engine)() as session:
        report = build_report(session, ReportRange.last_days(args.days, utc_now()))
    if args.json:
        _emit(report)
    else:
        print(render_report_text(report))
    return 0


def _followups_due(engine: Engine, args: argparse.Namespace) -> int:
    from handoff.followups.store import due_followups, followup_dict

    with make_session_factory(engine)() as session:
        rows = [followup_dict(f) for f in due_followups(session, utc_now())]
    if args.json:
        for row in rows:
            _emit(row)
        return 0
    if not rows:
        print("no follow-ups due")
        return 0
    headers = ["id", "case", "shopper", "resolved", "due"]
    print(
        render_table(
            headers,
            [
                [str(r["id"]), r["case_number"], r["shopper_id"], r["resolved_at"], r["due_at"]]
                for r in rows
            ],
        )
    )
    return 0


def _sweep(engine: Engine, args: argparse.Namespace) -> int:
    from handoff.alerts.store import alert_dict
    from handoff.supervision_jobs import run_all_once, run_forever

    if args.forever:
        print(f"running the background jobs on {engine.dialect.name}; Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_forever(make_session_factory(engine)))
        return 0
    alerts = run_all_once(make_session_factory(engine), utc_now())
    for alert in alerts:
        if args.json:
            _emit(alert_dict(alert))
        else:
            print(f"{alert.kind}: {alert.detail.get('message_zh', '')}")
    return 0


def dispatch(engine: Engine, args: argparse.Namespace) -> int:
    """Run one supervisor command."""
    if args.topic == "alerts":
        return _alerts_list(engine, args)
    if args.topic == "demo":
        return _demo(engine, args)
    if args.topic == "report":
        return _report(engine, args)
    if args.topic == "followups":
        return _followups_due(engine, args)
    if args.topic == "sweep":
        return _sweep(engine, args)
    if args.topic == "simulate":
        from handoff.simulate import main as simulate

        engine.dispose()
        return simulate(args)
    raise ValueError(f"not a supervisor topic: {args.topic}")
