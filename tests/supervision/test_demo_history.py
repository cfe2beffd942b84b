"""The demo history: realistic, deterministic, consistent with the orders, removable."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from handoff.cli import main
from handoff.db import make_engine, make_session_factory, transaction
from handoff.demo_history import PREFIX_SHOPPER, is_fresh, remove_history, seed_history
from handoff.models import Case, Order
from handoff.supervision_models import Alert, CaseDeadline, Incident

NOW = datetime(2024, 11, 30, 4, 0, tzinfo=timezone.utc)


def _snapshot(session: Session) -> list[tuple[str, str, str, str, str | None]]:
    return [
        (c.case_number, c.order_id or "", c.category, c.description, c.resolution)
        for c in session.scalars(select(Case).order_by(Case.case_number))
    ]


def test_a_month_of_history_with_enough_cases_products_and_shoppers(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        assert is_fresh(session)
        counts = seed_history(session, now=NOW)
    assert counts["cases"] >= 300
    assert counts["products"] >= 40
    assert counts["shoppers"] >= 200
    with factory() as session:
        cases = list(session.scalars(select(Case)))
        assert min(c.created_at for c in cases) >= NOW - timedelta(days=31)
        assert max(c.created_at for c in cases) < NOW
        assert {c.category for c in cases} == {"quality", "logistics", "after_sales", "other"}
        assert 0.05 < sum(c.urgency == "urgent" for c in cases) / len(cases) < 0.25
        assert any(c.handed_to_human_at for c in cases)
        assert any(c.rating for c in cases)
        breached = session.scalar(
            select(func.count())
            .select_from(CaseDeadline)
            .where(CaseDeadline.breached_at.is_not(None))
        )
        deadlines = session.scalar(select(func.count()).select_from(CaseDeadline))
        assert deadlines and breached and 0 < breached / deadlines < 0.1  # "a few" were late
        # Every case's order is a real row of the orders table, owned by the same shopper.
        for case in cases:
            order = session.get(Order, case.order_id)
            assert order is not None and order.shopper_id == case.shopper_id
        assert session.scalars(select(Incident)).one().status == "closed"
        assert is_fresh(session) is False


def test_the_same_seed_and_moment_give_the_same_history(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        seed_history(session, now=NOW, days=14)
    with factory() as session:
        first = _snapshot(session)
    with transaction(factory) as session:
        remove_history(session)
    with factory() as session:
        assert _snapshot(session) == []
    with transaction(factory) as session:
        seed_history(session, now=NOW, days=14)
    with factory() as session:
        assert _snapshot(session) == first


def test_remove_history_leaves_the_shops_own_data_and_is_remembered(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["demo", "seed-history", "--if-fresh", "--days", "10"]) == 0
    assert main(["orders", "list", "--json"]) == 0
    assert main(["demo", "remove-history"]) == 0
    assert main(["demo", "seed-history", "--if-fresh"]) == 0  # removed stays removed
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Case)) == 0
            assert session.scalar(select(func.count()).select_from(Alert)) == 0
            orders = list(session.scalars(select(Order)))
            assert orders and not any(o.shopper_id.startswith(PREFIX_SHOPPER) for o in orders)
    finally:
        engine.dispose()
