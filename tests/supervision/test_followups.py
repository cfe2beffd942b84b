"""回访 rows on a real SQLite database: scheduled once per resolution, asked once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handoff.cases import resolve_case
from handoff.db import transaction
from handoff.followups.store import due_for_shopper, mark_asked, schedule_followups
from handoff.models import Case
from handoff.supervision_models import Followup
from tests.supervision.test_sweeper import T0, _open


def _resolved_case(factory: sessionmaker[Session]) -> None:
    case_id = _open(factory)
    with transaction(factory) as session:
        case = session.get(Case, case_id)
        assert case is not None
        resolve_case(
            session, case, actor="agent:demo", resolution="exchange", now=T0 + timedelta(hours=1)
        )


def test_one_followup_per_resolution_however_often_the_job_runs(
    factory: sessionmaker[Session],
) -> None:
    _resolved_case(factory)
    added = []
    for hours in (2, 3):
        with transaction(factory) as session:
            added.append(schedule_followups(session, T0 + timedelta(hours=hours)))
    assert added == [1, 0]


def test_two_openings_at_once_ask_the_followup_once(factory: sessionmaker[Session]) -> None:
    """Two tabs (or two gateway instances) read the due follow-up before either asks."""
    _resolved_case(factory)
    with transaction(factory) as session:
        schedule_followups(session, T0 + timedelta(hours=2), delay=timedelta(days=3))
    due = T0 + timedelta(days=4)
    first, second = factory(), factory()
    try:
        seen_first = due_for_shopper(first, "demo-shopper", due)
        seen_second = due_for_shopper(second, "demo-shopper", due)
        assert seen_first is not None and seen_second is not None
        assert seen_second.status == "scheduled"  # the second one's view is stale from here
        assert mark_asked(first, seen_first, due) is True
        first.commit()
        assert mark_asked(second, seen_second, due) is False
        second.commit()
    finally:
        first.close()
        second.close()
    with factory() as session:
        followup = session.scalars(select(Followup)).one()
        assert followup.status == "asked"
