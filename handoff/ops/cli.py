"""``python -m handoff retention purge | erase SHOPPER_ID | audit list``, and the export audit.

JSON on stdout as every ``python -m handoff`` command prints it (one object a line, see
``/work/shared/design.md``): ``retention purge`` and ``erase`` print one object with their
counts; ``audit list --json`` one line per row, oldest first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine

from handoff.db import make_session_factory, transaction
from handoff.ops import audit, erasure, retention
from handoff.ops.audit_models import AUDIT_ACTIONS
from handoff.review.harvest import tracker_url
from handoff.service_secrets import read_secret
from handoff.table import render_table

TOPICS: Final = ("retention", "erase", "audit")
#: ``review`` commands that take the inbox out of the database, and their audit action.
REVIEW_EXPORTS: Final = {"export": "export_review", "export-csv": "export_csv"}


def add_commands(topics: Any) -> None:
    """Add the three topics to ``python -m handoff``'s parser."""
    purge = (
        topics.add_parser("retention", help="the retention purge of old chat text")
        .add_subparsers(dest="command", required=True)
        .add_parser("purge", help="delete chat text older than the retention period")
    )
    purge.add_argument(
        "--days",
        type=int,
        help=f"retention period (default ${retention.RETENTION_VARIABLE}, else "
        f"{retention.DEFAULT_RETENTION_DAYS})",
    )
    purge.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    erase = topics.add_parser("erase", help="erase one shopper's data on request")
    erase.add_argument("shopper_id", metavar="SHOPPER_ID")

    listing = (
        topics.add_parser("audit", help="the append-only audit log")
        .add_subparsers(dest="command", required=True)
        .add_parser("list", help="audit rows, oldest first")
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.add_argument("--action", choices=AUDIT_ACTIONS, help="only this action")
    listing.add_argument("--limit", type=int, help="only the newest N rows")


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False))


def _purge(engine: Engine, args: argparse.Namespace) -> int:
    try:
        days = args.days if args.days is not None else retention.retention_days(os.environ)
        result = retention.purge(
            make_session_factory(engine),
            tracker_url(os.environ),
            days=days,
            actor=audit.cli_actor(),
            dry_run=args.dry_run,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _emit(result.as_json())
    return 0


def _erase(engine: Engine, args: argparse.Namespace) -> int:
    try:
        result = erasure.erase_shopper(
            make_session_factory(engine),
            args.shopper_id,
            secret=read_secret("HANDOFF_SECRET", Path.cwd() / "var").encode(),
            tracker_url=tracker_url(os.environ),
            redis_url=os.environ.get("REDIS_URL", "").strip(),
            actor=audit.cli_actor(),
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _emit({"shopper_id": args.shopper_id.strip(), **result.as_json()})
    return 0


def _list(engine: Engine, args: argparse.Namespace) -> int:
    with make_session_factory(engine)() as session:
        rows = [
            audit.entry_dict(e)
            for e in audit.entries(session, action=args.action, limit=args.limit)
        ]
    if args.json:
        for row in rows:
            _emit(row)
        return 0
    if not rows:
        print("the audit log is empty")
        return 0
    table = [
        [str(r["id"]), r["at"], r["actor"], r["action"], r["subject"], json.dumps(r["detail"])]
        for r in rows
    ]
    print(render_table(["id", "at (UTC)", "actor", "action", "subject", "detail"], table))
    return 0


def run(engine: Engine, args: argparse.Namespace) -> int:
    """Run one of :data:`TOPICS`' commands."""
    if args.topic == "retention":
        return _purge(engine, args)
    if args.topic == "erase":
        return _erase(engine, args)
    return _list(engine, args)


def audit_review_export(engine: Engine, args: argparse.Namespace, status: int) -> None:
    """After a successful ``review export`` / ``export-csv``: one audit row for it."""
    action = REVIEW_EXPORTS.get(getattr(args, "command", ""))
    if status != 0 or action is None:
        return
    target = str(getattr(args, "path", None) or getattr(args, "root", None) or "nlu_data")
    with transaction(make_session_factory(engine)) as session:
        audit.record(
            session,
            actor=audit.cli_actor(),
            action=action,
            subject="review_items",
            detail={"to": target},
        )
