"""``python -m handoff cases list | cases show | orders list | db upgrade``.

Every command first brings the database to the newest schema and seeds the demo orders on a
fresh install, so the first command a new user types already shows data.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from handoff import migrate, supervision_cli
from handoff.cases import find_case
from handoff.clock import CHINA_TZ
from handoff.db import database_url, make_session_factory, prepare_database
from handoff.models import Case, HandoffEntry
from handoff.ops import cli as ops_cli
from handoff.orders import list_orders
from handoff.review import cli as review_cli
from handoff.serialize import case_detail, case_summary, entry_dict, event_dict, order_dict
from handoff.status_text import status_text_zh
from handoff.table import render_table
from handoff.training import cli as models_cli
from handoff.vocabulary import CASE_STATUSES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m handoff",
        description="Case store of the shop assistant: cases, orders, schema. "
        "The database is $DATABASE_URL, else var/shop.db under the working directory.",
    )
    topics = parser.add_subparsers(dest="topic", required=True)

    cases = topics.add_parser("cases", help="complaint cases").add_subparsers(
        dest="command", required=True
    )
    cases_list = cases.add_parser("list", help="all cases, newest first")
    cases_list.add_argument("--json", action="store_true", help="one JSON object per line")
    cases_list.add_argument("--status", choices=CASE_STATUSES, help="only cases in this status")
    cases_show = cases.add_parser("show", help="one case with its events and queue entries")
    cases_show.add_argument("key", metavar="CASE_NUMBER_OR_ID")
    cases_show.add_argument("--json", action="store_true", help="one JSON object")

    orders = topics.add_parser("orders", help="orders the assistant can look up").add_subparsers(
        dest="command", required=True
    )
    orders_list = orders.add_parser("list", help="all orders, newest first")
    orders_list.add_argument("--json", action="store_true", help="one JSON object per line")
    orders_list.add_argument("--shopper", help="only this shopper's orders")

    db = topics.add_parser("db", help="the database schema").add_subparsers(
        dest="command", required=True
    )
    upgrade = db.add_parser("upgrade", help="migrate to the newest schema (and seed the demo)")
    upgrade.add_argument("--no-seed", action="store_true", help="do not add the demo orders")
    revision = db.add_parser(
        "revision", help="(developers) write a migration for the model changes; review it!"
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration does")

    agents = topics.add_parser("agents", help="agents of the console").add_subparsers(
        dest="command", required=True
    )
    agents_add = agents.add_parser("add", help="add an agent (or set a new password)")
    agents_add.add_argument("name", help="login name: a-z, 0-9, '.', '_', '-'")
    agents_add.add_argument("--display-name", default="", help="name shown to shoppers")
    agents_add.add_argument(
        "--password",
        help="the password (asked for a new agent when omitted; avoid it in shell history);"
        " an existing agent keeps theirs when omitted",
    )
    agents_add.add_argument(
        "--role",
        action="append",
        choices=("agent", "trainer", "supervisor", "admin"),
        help="a role to hold (repeat for several); replaces the agent's roles. "
        "New agents default to agent",
    )
    agents_list = agents.add_parser("list", help="all agents with their roles")
    agents_list.add_argument("--json", action="store_true", help="one JSON object per line")

    topics.add_parser(
        "serve", help="run the gateway: widget, storefront demo, agent console (HANDOFF_PORT)"
    )
    supervision_cli.add_parsers(topics)
    review_cli.add_commands(topics)
    models_cli.add_commands(topics)
    ops_cli.add_commands(topics)
    return parser


def _emit_json(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False))


def _cases_list(session: Session, args: argparse.Namespace) -> int:
    statement = select(Case).order_by(Case.created_at.desc(), Case.id.desc())
    if args.status:
        statement = statement.where(Case.status == args.status)
    cases = list(session.scalars(statement))
    if args.json:
        for case in cases:
            _emit_json(case_summary(case))
        return 0
    if not cases:
        print("no cases")
        return 0
    headers = ["case", "status", "category", "urgency", "human", "order", "created", "description"]
    rows = [
        [
            c.case_number,
            c.status,
            c.category,
            c.urgency,
            "yes" if c.handed_to_human_at else "no",
            c.order_id or "-",
            f"{c.created_at:%Y-%m-%d %H:%M}Z",
            " ".join(c.description.split()),
        ]
        for c in cases
    ]
    print(render_table(headers, rows))
    return 0


def _cases_show(session: Session, args: argparse.Namespace) -> int:
    case = find_case(session, args.key)
    if case is None:
        print(f"error: no case with number or id {args.key!r}", file=sys.stderr)
        return 1
    entries = list(
        session.scalars(
            select(HandoffEntry).where(HandoffEntry.case_id == case.id).order_by(HandoffEntry.id)
        )
    )
    status_zh, next_step_zh = status_text_zh(case)
    if args.json:
        _emit_json(
            {
                **case_detail(case),
                "status_zh": status_zh,
                "next_step_zh": next_step_zh,
                "events": [event_dict(e) for e in case.events],
                "queue_entries": [entry_dict(e) for e in entries],
            }
        )
        return 0
    detail = case_detail(case)
    width = max(len(key) for key in detail)
    for key, value in detail.items():
        print(f"{key:<{width}}  {'-' if value is None else value}")
    print(f"{'shopper sees':<{width}}  {status_zh}：{next_step_zh}")
    print("\nevents:")
    for event in case.events:
        detail_text = json.dumps(event.detail, ensure_ascii=False)
        print(f"  {event.at:%Y-%m-%d %H:%M:%S}Z  {event.actor:<16} {event.kind:<16} {detail_text}")
    print("\nqueue:" + ("" if entries else " never queued"))
    for entry in entries:
        print(
            f"  #{entry.id} {entry.status} {entry.priority}"
            f" since {entry.created_at:%Y-%m-%d %H:%M}Z"
            f" claimed by {entry.claimed_by or '-'}: {entry.reason}"
        )
    return 0


def _orders_list(session: Session, args: argparse.Namespace) -> int:
    orders = list_orders(session, args.shopper)
    if args.json:
        for order in orders:
            _emit_json(order_dict(order))
        return 0
    headers = ["order", "shopper", "status", "amount", "ordered (UTC+8)", "product"]
    rows = [
        [
            o.order_id,
            o.shopper_id,
            o.status,
            f"¥{o.amount_yuan}",
            f"{o.ordered_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}",
            o.product,
        ]
        for o in orders
    ]
    print(render_table(headers, rows))
    return 0


def _db_upgrade(engine: Engine) -> int:
    with engine.connect() as connection:
        revision = migrate.current_revision(connection)
    print(f"database at revision {revision} ({engine.url.render_as_string(hide_password=True)})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status is 0 on success, 1 when a case is not found."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")  # JSON lines are UTF-8 whatever the locale
    engine = prepare_database(database_url(), seed_demo=not getattr(args, "no_seed", False))
    try:
        return _dispatch(engine, args)
    except BrokenPipeError:
        # The reader (``| head``) stopped early: not an error. Point stdout at /dev/null so
        # that the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        engine.dispose()


def _db_revision(engine: Engine, message: str) -> int:
    from alembic import command

    with migrate.locked_transaction(engine) as connection:
        scripts = command.revision(
            migrate.alembic_config(connection), message=message, autogenerate=True
        )
    for script in scripts if isinstance(scripts, list) else [scripts]:
        if script is not None:
            print(f"wrote {script.path}")
    return 0


def _agents_add(engine: Engine, args: argparse.Namespace) -> int:
    import getpass

    from handoff.agents import AgentError, add_agent, agent_exists
    from handoff.db import transaction
    from handoff.roles import roles_of

    factory = make_session_factory(engine)
    password = args.password
    if password is None:
        with factory() as session:
            if not agent_exists(session, args.name):
                password = getpass.getpass(f"password for {args.name}: ")
    try:
        with transaction(factory) as session:
            agent = add_agent(session, args.name, password, args.display_name, roles=args.role)
            roles = ", ".join(roles_of(session, agent.id))
            print(f"agent {agent.name} ({agent.display_name}) saved; roles: {roles}")
    except (AgentError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _agents_list(engine: Engine, args: argparse.Namespace) -> int:
    from handoff.agents import all_agents
    from handoff.roles import roles_of

    with make_session_factory(engine)() as session:
        rows = [(a, roles_of(session, a.id)) for a in all_agents(session)]
    if args.json:
        for agent, roles in rows:
            _emit_json({"name": agent.name, "display_name": agent.display_name, "roles": roles})
        return 0
    table = [[a.name, a.display_name, ", ".join(r)] for a, r in rows]
    print(render_table(["agent", "display name", "roles"], table))
    return 0


def _serve() -> int:
    from handoff.gateway.app import serve
    from handoff.gateway.settings import Settings

    serve(Settings.from_env())
    return 0


def _dispatch(engine: Engine, args: argparse.Namespace) -> int:
    if args.topic == "serve":
        engine.dispose()
        return _serve()
    if args.topic == "agents":
        if args.command == "list":
            return _agents_list(engine, args)
        return _agents_add(engine, args)
    if args.topic in supervision_cli.TOPICS:
        return supervision_cli.dispatch(engine, args)
    if args.topic == "review":
        status = review_cli.run(engine, args)
        ops_cli.audit_review_export(engine, args, status)
        return status
    if args.topic in ops_cli.TOPICS:
        return ops_cli.run(engine, args)
    if args.topic == "models":
        return models_cli.run(engine, args)
    if args.topic == "db":
        if args.command == "revision":
            return _db_revision(engine, args.message)
        return _db_upgrade(engine)
    with make_session_factory(engine)() as session:
        if args.topic == "orders":
            return _orders_list(session, args)
        if args.command == "list":
            return _cases_list(session, args)
        return _cases_show(session, args)
