"""The deadline sweeper on a real SQLite database with a fake clock (``now`` passed in)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from handoff.case_work import correct_triage, mark_first_response
from handoff.cases import TriageSummary, open_case
from handoff.db import make_engine, make_session_factory, transaction
from handoff.deadlines.policy import DeadlinePolicy
from handoff.deadlines.sweeper import due_statement, sweep
from handoff.messages import store_message
from handoff.models import Case, CaseEvent
from handoff.queue import claim_entry, queue_for_human
from handoff.supervision_models import Alert, CaseDeadline

T0 = datetime(2024, 11, 25, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Beijing
ORDER = "2024112212345678"
POLICY = DeadlinePolicy()


def _triage(urgency: str) -> TriageSummary:
    return TriageSummary("quality", 0.9, urgency, 0.9 if urgency == "urgent" else 0.1, [])


def _open(factory: sessionmaker[Session], urgency: str = "normal", key: str = "k1") -> int:
    with transaction(factory) as session:
        case, _ = open_case(
            session,
            conversation_id=f"conv-{key}",
            shopper_id="demo-shopper",
            order_id=ORDER,
            description="电饭煲不加热了",
            triage=_triage(urgency),
            dedupe_key=key,
            now=T0,
        )
        return case.id


def _sweep(factory: sessionmaker[Session], at: datetime) -> list[tuple[str, str]]:
    with transaction(factory) as session:
        result = sweep(session, POLICY, at)
        return [(a.kind, a.detail["deadline_kind"]) for a in result.alerts]


def test_normal_case_warns_at_80_percent_and_alerts_at_breach_once_each(
    factory: sessionmaker[Session],
) -> None:
    _open(factory)
    assert _sweep(factory, T0 + timedelta(hours=19)) == []
    assert _sweep(factory, T0 + timedelta(hours=19, minutes=12)) == [
        ("sla_warning", "first_response")
    ]
    assert _sweep(factory, T0 + timedelta(hours=20)) == []
    assert _sweep(factory, T0 + timedelta(hours=24)) == [("sla_breach", "first_response")]
    assert _sweep(factory, T0 + timedelta(hours=25)) == []
    assert _sweep(factory, T0 + timedelta(hours=57, minutes=36)) == [("sla_warning", "resolution")]
    assert _sweep(factory, T0 + timedelta(hours=72)) == [("sla_breach", "resolution")]
    assert _sweep(factory, T0 + timedelta(days=10)) == []
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 4
        breach = session.scalars(select(Alert).where(Alert.kind == "sla_breach")).first()
        assert breach is not None
        assert "supervisors" in breach.audience
        assert breach.detail["product"] == "美的 4L 智能电饭煲 MB-FB40"
        assert "超时" in breach.detail["message_zh"]


def test_a_met_deadline_never_warns(factory: sessionmaker[Session]) -> None:
    case_id = _open(factory)
    with transaction(factory) as session:
        case = session.get(Case, case_id)
        assert case is not None
        mark_first_response(session, case, actor="agent:demo", now=T0 + timedelta(hours=1))
    assert _sweep(factory, T0 + timedelta(hours=30)) == []


def test_a_sweeper_down_past_the_deadline_sends_the_breach_without_a_stale_warning(
    factory: sessionmaker[Session],
) -> None:
    _open(factory)
    assert _sweep(factory, T0 + timedelta(hours=26)) == [("sla_breach", "first_response")]
    assert _sweep(factory, T0 + timedelta(hours=27)) == []


def test_an_urgent_breach_escalates_to_the_supervisors_and_notes_it_on_the_case(
    factory: sessionmaker[Session],
) -> None:
    case_id = _open(factory, "urgent")
    assert _sweep(factory, T0 + timedelta(minutes=48)) == [("sla_warning", "first_response")]
    assert sorted(_sweep(factory, T0 + timedelta(minutes=61))) == [
        ("escalation", "first_response"),
        ("sla_breach", "first_response"),
    ]
    with factory() as session:
        escalation = session.scalars(select(Alert).where(Alert.kind == "escalation")).one()
        assert escalation.audience == ["supervisors"]
        notes = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "note")
        ).all()
        assert [n.detail["text"] for n in notes] == ["首次响应超时，已升级给主管"]


def test_a_corrected_urgency_moves_the_open_deadlines(factory: sessionmaker[Session]) -> None:
    case_id = _open(factory)
    _sweep(factory, T0)
    with transaction(factory) as session:
        case = session.get(Case, case_id)
        assert case is not None
        correct_triage(session, case, actor="agent:demo", urgency="urgent", now=T0)
    assert sorted(_sweep(factory, T0 + timedelta(hours=2))) == [
        ("escalation", "first_response"),
        ("sla_breach", "first_response"),
    ]


def test_a_shopper_waiting_on_an_agent_gets_a_next_response_deadline(
    factory: sessionmaker[Session],
) -> None:
    case_id = _open(factory)
    with transaction(factory) as session:
        case = session.get(Case, case_id)
        assert case is not None
        entry = queue_for_human(
            session,
            case,
            conversation_id=case.conversation_id,
            shopper_id=case.shopper_id,
            reason="shopper_request",
            priority="normal",
            now=T0,
        )
        claim_entry(session, entry, agent="demo", now=T0 + timedelta(minutes=1))
        for sender, minutes in (("agent", 2), ("shopper", 3), ("shopper", 4)):
            store_message(
                session,
                conversation_id=case.conversation_id,
                shopper_id=case.shopper_id,
                sender=sender,
                text="在吗？" if sender == "shopper" else "您好",
                now=T0 + timedelta(minutes=minutes),
            )
        mark_first_response(session, case, actor="agent:demo", now=T0 + timedelta(minutes=2))
    # 80% of the normal two hours after the shopper's message at minute 3.
    assert _sweep(factory, T0 + timedelta(minutes=3 + 95)) == []
    assert _sweep(factory, T0 + timedelta(minutes=3 + 96)) == [("sla_warning", "next_response")]
    with factory() as session:
        alert = session.scalars(select(Alert)).one()
        assert alert.audience == ["agent:demo"]
    with transaction(factory) as session:
        store_message(
            session,
            conversation_id="conv-k1",
            shopper_id="demo-shopper",
            sender="agent",
            text="已为您处理",
            now=T0 + timedelta(minutes=110),
        )
    assert _sweep(factory, T0 + timedelta(hours=3)) == []


def test_two_sweepers_on_one_database_never_send_one_alert_twice(
    db_url: str, engine: Engine
) -> None:
    """Two threads, each with its own engine (as two gateways), sweep the same moments."""
    base = make_session_factory(make_engine(db_url))
    for index in range(30):
        _open(base, "urgent" if index % 3 == 0 else "normal", key=f"case-{index}")
    # Every warning and breach moment of both urgencies, each swept five times by both.
    marks = {
        moment
        for urgency in ("urgent", "normal")
        for kind in ("first_response", "resolution")
        for moment in POLICY.window(kind, urgency, T0)
    }
    moments = [moment for moment in sorted(marks) for _ in range(5)]
    sent: list[list[str]] = [[], []]
    barrier = threading.Barrier(2)

    def run(slot: int) -> None:
        factory = make_session_factory(make_engine(db_url))
        for moment in moments:
            barrier.wait()
            with transaction(factory) as session:
                result = sweep(session, POLICY, moment)
                sent[slot] += [a.dedupe_key for a in result.alerts]

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = Counter(sent[0] + sent[1])
    assert counts and max(counts.values()) == 1
    assert set(sent[0]).isdisjoint(sent[1])
    with base() as session:
        stored = session.scalar(select(func.count()).select_from(Alert))
        notes = session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "note")
        )
        deadlines = session.scalar(select(func.count()).select_from(CaseDeadline))
    # 30 cases x 2 deadlines x (warning + breach), plus one escalation per urgent breach.
    assert deadlines == 60
    assert stored == len(counts) == 60 * 2 + 10 * 2
    assert notes == 10 * 2


def test_postgresql_claims_due_rows_with_skip_locked() -> None:
    sql = str(due_statement(T0, "postgresql").compile(dialect=postgresql.dialect()))
    assert "FOR UPDATE SKIP LOCKED" in sql
    assert "FOR UPDATE" not in str(due_statement(T0, "sqlite"))
