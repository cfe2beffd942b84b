"""The retention purge and one shopper's erasure, on a real SQLite case store and Rasa's real
SQLite tracker store (written and read back by Rasa's own classes in ``.venv-rasa``), with a
real Redis for the keys. The same on PostgreSQL: ``test_ops_postgresql.py``.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from handoff import cli
from handoff.chat_models import Attachment, Message
from handoff.clock import utc_now
from handoff.db import make_session_factory, prepare_database, transaction
from handoff.limit_models import RateCounter
from handoff.models import Case, CaseEvent, HandoffEntry, Order
from handoff.ops import audit, erasure, retention
from handoff.review.models import ReviewItem
from tests.ops.conftest import rasa_tracker
from tests.ops.seed import ADDRESS, PHONE, Seeded, seed_shopper

NOW = utc_now()
OLD, RECENT = NOW - timedelta(days=400), NOW - timedelta(days=3)
SECRET = b"erasure-test-secret"


@pytest.fixture(scope="module")
def tracker_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rasa's tracker file with four conversations, written once by Rasa's store."""
    from handoff.gateway.identity import Identity

    path = tmp_path_factory.mktemp("tracker") / "tracker.db"
    conversations = [
        ("shopper-1001", OLD, [f"电话 {PHONE}", "旧的对话"]),
        ("shopper-1002", RECENT, ["最近的对话"]),
        ("shopper-1003", RECENT, ["另一位顾客"]),
    ]
    payload = [
        {
            "sender": Identity(shopper_id=shopper, anonymous=False).conversation_id,
            "texts": texts,
            "timestamp": at.timestamp(),
        }
        for shopper, at, texts in conversations
    ]
    assert rasa_tracker("write", str(path), payload) == {"saved": 3}
    return path


@pytest.fixture
def tracker_file(tracker_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "tracker.db"
    shutil.copy(tracker_template, copy)
    return copy


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = prepare_database(f"sqlite:///{tmp_path / 'shop.db'}")
    yield make_session_factory(engine)
    engine.dispose()


def seed(factory: sessionmaker[Session]) -> dict[str, Seeded]:
    with transaction(factory) as session:
        return {
            "old": seed_shopper(session, "shopper-1001", at=OLD),
            "recent": seed_shopper(session, "shopper-1002", at=RECENT),
            "other": seed_shopper(session, "shopper-1003", at=RECENT),
        }


def count(session: Session, model: Any, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_purge_removes_old_chat_text_and_keeps_cases_and_orders(
    store: sessionmaker[Session], tracker_file: Path
) -> None:
    seeded = seed(store)
    url = f"sqlite:///{tracker_file}"
    dry = retention.purge(store, url, days=180, actor="cli:test", dry_run=True, now=NOW)
    assert (dry.messages, dry.attachments, dry.tracker_events) == (3, 1, 7)
    result = retention.purge(store, url, days=180, actor="cli:test", now=NOW)
    assert (result.messages, result.attachments, result.tracker_events) == (3, 1, 7)
    with store() as session:
        old = Message.conversation_id == seeded["old"].conversation_id
        assert count(session, Message, old) == 0
        assert count(session, Message) == 6  # the two recent conversations are whole
        assert count(session, Attachment) == 2
        case = session.scalars(
            select(Case).where(Case.case_number == seeded["old"].case_number)
        ).one()
        assert (case.status, case.resolution, case.rating) == ("resolved", "refund", 2)
        assert PHONE in case.description  # the case keeps its facts
        assert count(session, Order) > 0
        (row,) = audit.entries(session)
        assert (row.action, row.actor, row.detail["messages"]) == ("purge", "cli:test", 3)
    texts = rasa_tracker("read", str(tracker_file), [s.conversation_id for s in seeded.values()])
    assert texts[seeded["old"].conversation_id] == []
    assert texts[seeded["recent"].conversation_id] == ["最近的对话"]
    again = retention.purge(store, url, days=180, actor="cli:test", now=NOW)
    assert again.total == 0  # idempotent; nothing deleted, nothing audited
    with store() as session:
        assert len(audit.entries(session)) == 1


def test_retention_days_setting() -> None:
    assert retention.retention_days({}) == 180
    assert retention.retention_days({"HANDOFF_RETENTION_DAYS": "30"}) == 30
    with pytest.raises(ValueError):
        retention.retention_days({"HANDOFF_RETENTION_DAYS": "0"})


def _keys(url: str) -> set[bytes]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return set(client.keys("*"))
    finally:
        client.close()


def test_erasure_removes_the_shopper_everywhere_and_nobody_else(
    store: sessionmaker[Session], tracker_file: Path, redis_url: str
) -> None:
    import redis

    seeded = seed(store)
    target, other = seeded["recent"], seeded["other"]
    client = redis.Redis.from_url(redis_url)
    client.set(f"typing:{target.conversation_id}", "1", ex=60)
    client.set(f"presence:shopper:{target.shopper_id}", "1", ex=60)
    client.set(f"typing:{other.conversation_id}", "1", ex=60)
    client.close()

    result = erasure.erase_shopper(
        store,
        target.shopper_id,
        secret=SECRET,
        tracker_url=f"sqlite:///{tracker_file}",
        redis_url=redis_url,
        actor="cli:test",
    )
    assert (result.messages, result.attachments, result.tracker_events) == (3, 1, 5)
    assert (result.review_items, result.rate_counters, result.redis_keys) == (1, 1, 2)
    assert (result.cases_anonymised, result.case_events_redacted) == (1, 3)
    assert result.orders_kept == 2

    texts = rasa_tracker("read", str(tracker_file), [target.conversation_id, other.conversation_id])
    assert texts == {target.conversation_id: [], other.conversation_id: ["另一位顾客"]}
    assert _keys(redis_url) == {f"typing:{other.conversation_id}".encode()}
    alias = erasure.pseudonym(SECRET, target.shopper_id)
    with store() as session:
        assert count(session, Message, Message.shopper_id == target.shopper_id) == 0
        assert count(session, Message, Message.shopper_id == other.shopper_id) == 3
        assert count(session, ReviewItem, ReviewItem.conversation_id == target.conversation_id) == 0
        assert count(session, RateCounter, RateCounter.key.contains(target.shopper_id)) == 0
        assert count(session, HandoffEntry, HandoffEntry.shopper_id == target.shopper_id) == 0
        case = session.scalars(select(Case).where(Case.case_number == target.case_number)).one()
        assert (case.shopper_id, case.conversation_id) == (alias, alias)
        assert (case.status, case.resolution, case.rating, case.order_id) == (
            "resolved",
            "refund",
            2,
            target.order_id,
        )
        assert case.description == erasure.ERASED_ZH and case.rating_comment is None
        erased = json.dumps([e.detail for e in case.events], ensure_ascii=False)
        kept = session.scalars(select(CaseEvent).where(CaseEvent.case_id != case.id))
        others = json.dumps([e.detail for e in kept], ensure_ascii=False)
        untouched = session.scalars(select(Case).where(Case.case_number == other.case_number)).one()
        assert PHONE in untouched.description
        assert session.get(Order, target.order_id) is not None  # commerce law: orders stay
        (row,) = audit.entries(session)
    assert PHONE not in erased and ADDRESS not in erased and erasure.ERASED_ZH in erased
    assert others.count(ADDRESS) == 2  # the two other shoppers' notes are untouched
    assert row.action == "erase" and row.subject == audit.shopper_subject(SECRET, target.shopper_id)
    assert target.shopper_id not in json.dumps(audit.entry_dict(row))
    assert target.conversation_id not in json.dumps(audit.entry_dict(row))


def test_erase_and_purge_commands_print_json(
    tmp_path: Path, tracker_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = prepare_database(database)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        target = seed_shopper(session, "shopper-1002", at=RECENT)
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("RASA_TRACKER_URL", f"sqlite:///{tracker_file}")
    monkeypatch.setenv("HANDOFF_SECRET", SECRET.decode())
    monkeypatch.delenv("REDIS_URL", raising=False)

    def run(*argv: str) -> list[dict[str, Any]]:
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli.main(list(argv)) == 0
        return [json.loads(line) for line in out.getvalue().splitlines()]

    (erased,) = run("erase", target.shopper_id)
    assert erased["shopper_id"] == target.shopper_id
    assert (erased["messages"], erased["tracker_events"]) == (3, 5)
    (purged,) = run("retention", "purge", "--days", "1", "--dry-run")
    assert purged["dry_run"] is True and purged["days"] == 1
    assert purged["tracker_events"] == 12  # the old conversation (7) and the other's (5)
    rows = run("audit", "list", "--json")
    assert [r["action"] for r in rows] == ["erase"]  # a dry run deletes nothing: no row
    assert rows[0]["subject"] == erased["subject"] and rows[0]["actor"].startswith("cli:")
