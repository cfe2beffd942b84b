"""``python -m handoff review …``: the inbox from the command line, for trainers and scripts.

``list --json`` prints one JSON object a line (the contract of the design doc); the other
commands print what they did. Actors are ``--by NAME`` (default ``cli``).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from handoff.db import make_session_factory, transaction
from handoff.review.export import export
from handoff.review.inbox import (
    ItemFilter,
    ReviewError,
    bulk,
    get_item,
    history,
    ignore_item,
    label_item,
    list_items,
    undo_batch,
    undo_last,
)
from handoff.review.models import ITEM_KINDS, ITEM_STATUSES, REASONS
from handoff.review.present import action_dict, item_dict
from handoff.table import render_table
from triage_model.labels import CATEGORIES, TRIGGERS, URGENCIES


def add_commands(topics: Any) -> None:
    """Register ``review`` on the top-level parser's subcommands."""
    review = topics.add_parser("review", help="the trainers' review inbox").add_subparsers(
        dest="command", required=True
    )
    listing = review.add_parser("list", help="items, most frequent doubts first")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.add_argument("--kind", choices=ITEM_KINDS)
    listing.add_argument("--reason", choices=REASONS)
    listing.add_argument("--status", choices=[*ITEM_STATUSES, "all"], default="open")
    listing.add_argument("--predicted", help="only items the model gave this label")
    listing.add_argument("--since", type=datetime.fromisoformat, help="ISO date or time (UTC)")
    listing.add_argument("--limit", type=int, default=500)

    label = review.add_parser("label", help="label items (several IDs: one bulk action)")
    label.add_argument("ids", metavar="ID", type=int, nargs="+")
    label.add_argument("--intent", help="an intent of bot/domain.yml")
    label.add_argument("--category", choices=CATEGORIES)
    label.add_argument("--urgency", choices=URGENCIES)
    label.add_argument("--trigger", choices=TRIGGERS, help="why it is urgent")
    label.add_argument("--by", default="cli", help="who labels (kept in the audit trail)")

    for name, text in (
        ("confirm", "accept the agent's correction, else the model's prediction"),
        ("ignore", "not a real message: keep it out of every export"),
        ("undo", "revert the latest action on each item"),
    ):
        command = review.add_parser(name, help=text)
        command.add_argument("ids", metavar="ID", type=int, nargs="+")
        command.add_argument("--by", default="cli")
    undo_bulk = review.add_parser("undo-batch", help="revert every action of one bulk action")
    undo_bulk.add_argument("batch")
    undo_bulk.add_argument("--by", default="cli")

    show = review.add_parser("history", help="an item's audit trail")
    show.add_argument("id", metavar="ID", type=int)
    show.add_argument("--json", action="store_true")

    exporting = review.add_parser("export", help="labelled items into nlu_data/")
    exporting.add_argument(
        "--root", type=Path, default=None, help="the nlu_data folder ($NLU_DATA_DIR, nlu_data)"
    )
    exporting.add_argument("--json", action="store_true")

    review.add_parser("harvest", help="read new messages from Rasa's tracker store now")

    csv_out = review.add_parser("export-csv", help="the inbox as CSV, for a spreadsheet")
    csv_out.add_argument("path", type=Path, help="file to write ('-' for stdout)")
    csv_out.add_argument("--status", choices=[*ITEM_STATUSES, "all"], default="all")
    csv_in = review.add_parser("import-csv", help="labels filled in a spreadsheet")
    csv_in.add_argument("path", type=Path)
    csv_in.add_argument("--by", default="cli")


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False))


def _list(session: Session, args: argparse.Namespace) -> int:
    wanted = ItemFilter(
        status=None if args.status == "all" else args.status,
        kind=args.kind,
        reason=args.reason,
        predicted=args.predicted,
        since=args.since,
        limit=args.limit,
    )
    items = [item_dict(i) for i in list_items(session, wanted)]
    if args.json:
        for item in items:
            _emit(item)
        return 0
    if not items:
        print("the inbox is empty")
        return 0
    rows = []
    for i in items:
        guess = (
            f"{i['intent']} {i['intent_confidence']:.2f}"
            if i["kind"] == "intent"
            else f"{i['category']} {i['category_confidence']:.2f} / {i['urgency']} "
            f"{i['urgency_score']:.2f}"
        )
        label = i["label"] or i["suggested"] or {}
        shown = label.get("intent") or "/".join(
            str(label[k]) for k in ("category", "urgency") if label.get(k)
        )
        cells = [i["id"], i["kind"], i["status"], i["count"], i["reason"], guess, shown or "-"]
        rows.append([str(cell) for cell in cells] + [i["text"]])
    headers = ["id", "kind", "status", "count", "reason", "prediction", "label", "text"]
    print(render_table(headers, rows))
    return 0


def _label_of(args: argparse.Namespace) -> dict[str, Any]:
    if args.intent and (args.category or args.urgency):
        raise ReviewError("请只给意图，或只给类别和紧急程度。")
    if args.intent:
        return {"intent": args.intent}
    if not (args.category and args.urgency):
        raise ReviewError("请给出 --intent，或同时给出 --category 和 --urgency。")
    return {"category": args.category, "urgency": args.urgency, "trigger": args.trigger}


def _act(session: Session, args: argparse.Namespace) -> int:
    label = _label_of(args) if args.command == "label" else None
    action = {"label": "relabel", "confirm": "confirm", "ignore": "ignore", "undo": "undo"}[
        args.command
    ]
    if len(args.ids) > 1:
        batch, done = bulk(session, args.ids, action, actor=args.by, label=label)
        print(f"{action} on {len(done)} items (batch {batch})")
        return 0
    item = get_item(session, args.ids[0])
    if args.command == "label":
        record = label_item(session, item, label, actor=args.by)
    elif args.command == "confirm":
        record = label_item(session, item, None, actor=args.by)
    elif args.command == "ignore":
        record = ignore_item(session, item, actor=args.by)
    else:
        record = undo_last(session, item, actor=args.by)
    after = record.after
    label_text = json.dumps(after["label"], ensure_ascii=False)
    print(f"item {item.id}: {record.action} → {after['status']} {label_text}")
    return 0


def _history(session: Session, args: argparse.Namespace) -> int:
    actions = [action_dict(a) for a in history(session, get_item(session, args.id))]
    for action in actions:
        if args.json:
            _emit(action)
        else:
            print(
                f"{action['at']}  {action['actor']:<16} {action['action']:<8} "
                f"{json.dumps(action['before']['label'], ensure_ascii=False)} → "
                f"{json.dumps(action['after']['label'], ensure_ascii=False)}"
                + ("  (undone)" if action["undone"] else "")
            )
    return 0


def run(engine: Engine, args: argparse.Namespace) -> int:
    """Run one ``review`` command; 2 with a message on stderr when it is refused."""
    factory = make_session_factory(engine)
    try:
        if args.command == "harvest":
            import os

            from handoff.review.harvest import harvest_all, tracker_engine, tracker_url

            tracker = tracker_engine(tracker_url(os.environ))
            try:
                read, captured = harvest_all(factory, tracker)
            finally:
                tracker.dispose()
            print(f"read {read} new messages, {captured} went to the inbox")
            return 0
        if args.command == "export-csv":
            from handoff.review.spreadsheet import write_csv

            with transaction(factory) as session:
                count = write_csv(session, args.path, None if args.status == "all" else args.status)
            if str(args.path) != "-":
                print(f"wrote {args.path}: {count} items")
            return 0
        with transaction(factory) as session:
            if args.command == "list":
                return _list(session, args)
            if args.command == "history":
                return _history(session, args)
            if args.command == "export":
                result = export(session, args.root)
                if args.json:
                    _emit(result.as_dict())
                else:
                    print("\n".join(result.lines()))
                return 0
            if args.command == "import-csv":
                from handoff.review.spreadsheet import read_csv

                summary = read_csv(session, args.path, actor=args.by)
                print(summary)
                return 0
            if args.command == "undo-batch":
                done = undo_batch(session, args.batch, actor=args.by)
                print(f"undid {len(done)} actions of batch {args.batch}")
                return 0
            return _act(session, args)
    except ReviewError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
