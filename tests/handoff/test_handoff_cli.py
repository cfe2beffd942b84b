"""``python -m handoff``: the JSON-lines contract other code relies on, and readable tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from casestore_helpers import DEMO_SHOPPER, NOW, RICE_COOKER, triage
from sqlalchemy.orm import Session, sessionmaker

from handoff import migrate
from handoff.cases import open_case, queue_for_human, resolve_case
from handoff.db import transaction
from handoff.demo_orders import DEMO_ORDERS

CASE_KEYS = {
    "case_id", "id", "conversation_id", "shopper_id", "order_id", "category", "urgency",
    "urgency_score", "category_confidence", "status", "description", "handed_to_human",
    "handed_to_human_at", "created_at", "first_response_due", "resolution_due", "resolution",
    "rating",
}  # fmt: skip


def _run(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONIOENCODING": "ascii"}
    return subprocess.run(
        [sys.executable, "-m", "handoff", *args],
        cwd=cwd, env=env, capture_output=True, encoding="utf-8", timeout=120, check=False,
    )  # fmt: skip


def _json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture
def two_cases(factory: sessionmaker[Session]) -> tuple[str, str]:
    """One urgent case handed to a human, one normal case resolved; returns their numbers."""
    with transaction(factory) as session:
        urgent, _ = open_case(
            session, conversation_id="conv-a", shopper_id=DEMO_SHOPPER, order_id=RICE_COOKER,
            description="电饭煲冒烟了，孩子的手被烫伤了", triage=triage("urgent"),
            dedupe_key="conv-a:1", now=NOW,
        )  # fmt: skip
        queue_for_human(
            session, urgent, conversation_id="conv-a", shopper_id=DEMO_SHOPPER,
            reason="urgent complaint", priority="urgent", now=NOW,
        )  # fmt: skip
        normal, _ = open_case(
            session, conversation_id="conv-b", shopper_id="shopper-1001", order_id=None,
            description="优惠券用不了", triage=triage("normal", "other"),
            dedupe_key="conv-b:1", now=NOW,
        )  # fmt: skip
        resolve_case(session, normal, actor="agent:li", resolution="explanation", now=NOW)
    return urgent.case_number, normal.case_number


def test_orders_list_json_prints_the_demo_orders(db_url: str, tmp_path: Path) -> None:
    result = _run(db_url, tmp_path, "orders", "list", "--json")
    assert result.returncode == 0, result.stderr
    orders = _json_lines(result.stdout)
    assert len(orders) == len(DEMO_ORDERS) >= 30
    rice = next(o for o in orders if o["order_id"] == RICE_COOKER)
    assert rice["shopper_id"] == DEMO_SHOPPER and "电饭煲" in rice["product"]
    assert rice["amount_yuan"] == "299.00" and rice["ordered_at"].endswith("+00:00")
    assert "电饭煲" in result.stdout  # ensure_ascii=False: readable Chinese


def test_cases_list_json_follows_the_contract(
    db_url: str, tmp_path: Path, two_cases: tuple[str, str]
) -> None:
    urgent_number, normal_number = two_cases
    result = _run(db_url, tmp_path, "cases", "list", "--json")
    assert result.returncode == 0, result.stderr
    cases = {c["case_id"]: c for c in _json_lines(result.stdout)}
    assert set(cases) == {urgent_number, normal_number}
    for case in cases.values():
        assert set(case) >= CASE_KEYS
    urgent = cases[urgent_number]
    assert urgent["conversation_id"] == "conv-a" and urgent["order_id"] == RICE_COOKER
    assert (urgent["category"], urgent["urgency"], urgent["status"]) == (
        "quality",
        "urgent",
        "open",
    )
    assert urgent["description"] == "电饭煲冒烟了，孩子的手被烫伤了"
    assert urgent["handed_to_human"] is True
    assert urgent["handed_to_human_at"] == "2024-11-23T06:30:00+00:00"
    assert urgent["first_response_due"] == "2024-11-23T07:30:00+00:00"
    normal = cases[normal_number]
    assert normal["handed_to_human"] is False and normal["handed_to_human_at"] is None
    assert normal["order_id"] is None and normal["resolution"] == "explanation"


def test_cases_list_filters_by_status(
    db_url: str, tmp_path: Path, two_cases: tuple[str, str]
) -> None:
    result = _run(db_url, tmp_path, "cases", "list", "--json", "--status", "resolved")
    assert [c["case_id"] for c in _json_lines(result.stdout)] == [two_cases[1]]


def test_cases_list_on_a_fresh_database_prints_nothing(db_url: str, tmp_path: Path) -> None:
    result = _run(db_url, tmp_path, "cases", "list", "--json")
    assert (result.returncode, result.stdout) == (0, "")


def test_cases_show_json_includes_events_and_queue(
    db_url: str, tmp_path: Path, two_cases: tuple[str, str]
) -> None:
    result = _run(db_url, tmp_path, "cases", "show", two_cases[0].lower(), "--json")
    assert result.returncode == 0, result.stderr
    (shown,) = _json_lines(result.stdout)
    assert shown["case_id"] == two_cases[0]
    assert [e["kind"] for e in shown["events"]] == ["opened", "handed_to_human"]
    assert [(q["status"], q["priority"]) for q in shown["queue_entries"]] == [("waiting", "urgent")]
    assert shown["status_zh"] == "处理中"


def test_cases_show_text_and_unknown_case(
    db_url: str, tmp_path: Path, two_cases: tuple[str, str]
) -> None:
    shown = _run(db_url, tmp_path, "cases", "show", two_cases[1])
    assert shown.returncode == 0 and two_cases[1] in shown.stdout and "resolved" in shown.stdout
    missing = _run(db_url, tmp_path, "cases", "show", "TS000000-2222")
    assert missing.returncode == 1 and missing.stdout == ""
    assert "no case" in missing.stderr and "TS000000-2222" in missing.stderr


def test_readable_tables(db_url: str, tmp_path: Path, two_cases: tuple[str, str]) -> None:
    cases = _run(db_url, tmp_path, "cases", "list")
    assert cases.returncode == 0 and all(number in cases.stdout for number in two_cases)
    orders = _run(db_url, tmp_path, "orders", "list", "--shopper", "shopper-1001")
    assert orders.returncode == 0
    assert orders.stdout.count("shopper-1001") == 2 and DEMO_SHOPPER not in orders.stdout


def test_db_upgrade_reports_the_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'shop.db'}"
    result = _run(url, tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert f"revision {migrate.head_revision()}" in result.stdout
