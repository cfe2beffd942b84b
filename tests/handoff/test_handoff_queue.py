"""The handoff queue: idempotent queueing, priority upgrades, ordering and claiming."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from casestore_helpers import DEMO_SHOPPER, NOW, RICE_COOKER, triage
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from handoff.cases import open_case, queue_for_human
from handoff.db import transaction
from handoff.models import Case, HandoffEntry
from handoff.queue import QueueConflictError, claim_entry, finish_entry, waiting_entries


def _case(
    session: Session, key: str, *, urgency: str = "normal", conversation: str = "conv-1"
) -> Case:
    case, _ = open_case(
        session,
        conversation_id=conversation,
        shopper_id=DEMO_SHOPPER,
        order_id=RICE_COOKER,
        description="电饭煲不加热",
        triage=triage(urgency),
        dedupe_key=key,
        now=NOW,
    )
    return case


def _queue(
    session: Session,
    case: Case | None,
    *,
    conversation: str = "conv-1",
    priority: str = "normal",
    minutes: int = 0,
) -> HandoffEntry:
    return queue_for_human(
        session,
        case,
        conversation_id=conversation,
        shopper_id=DEMO_SHOPPER,
        reason="shopper asked for a human",
        priority=priority,
        now=NOW + timedelta(minutes=minutes),
    )


def _entry_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(HandoffEntry)) or 0


def test_queueing_twice_returns_the_waiting_entry(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case = _case(session, "k1")
        first = _queue(session, case)
    with transaction(factory) as session:
        again = _queue(session, None, minutes=5)
    assert again.id == first.id and again.status == "waiting"
    assert _entry_count(factory) == 1


def test_queueing_marks_the_case_once_and_audits_it(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case = _case(session, "k1")
        _queue(session, case)
        _queue(session, case, minutes=10)
    with factory() as session:
        stored = session.get(Case, case.id)
        assert stored is not None
        assert stored.handed_to_human_at == NOW
        assert [e.kind for e in stored.events] == ["opened", "handed_to_human"]


def test_priority_is_raised_to_urgent_but_never_lowered(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case = _case(session, "k1")
        entry = _queue(session, case, priority="normal")
        assert _queue(session, case, priority="urgent").priority == "urgent"
        assert _queue(session, case, priority="normal").priority == "urgent"
        assert entry.priority == "urgent"
        assert [e.kind for e in case.events] == ["opened", "handed_to_human", "priority_raised"]


def test_a_human_without_a_case_and_the_case_later(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        entry = _queue(session, None)
        assert entry.case_id is None
    with transaction(factory) as session:
        case = _case(session, "k1")
        again = _queue(session, case)
        assert again.id == entry.id and again.case_id == case.id


def test_other_conversations_and_finished_entries_get_new_entries(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        first = _queue(session, None)
        other = _queue(session, None, conversation="conv-2")
        assert other.id != first.id
        finish_entry(session, first, now=NOW)
        session.flush()
        later = _queue(session, None, minutes=30)
        assert later.id not in {first.id, other.id} and later.status == "waiting"


def test_unknown_priority_is_refused(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session, pytest.raises(ValueError):
        _queue(session, None, priority="high")


def test_a_case_of_another_shopper_is_refused(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case = _case(session, "k1")
        with pytest.raises(ValueError):
            queue_for_human(
                session,
                case,
                conversation_id="conv-1",
                shopper_id="shopper-1001",
                reason="x",
                priority="normal",
            )


def test_concurrent_queueing_gives_one_active_entry(factory: sessionmaker[Session]) -> None:
    workers = 6
    barrier = threading.Barrier(workers)
    ids: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        try:
            barrier.wait()
            with transaction(factory) as session:
                entry = _queue(session, None, priority="urgent" if index == 0 else "normal")
            with lock:
                ids.append(entry.id)
        except BaseException as error:  # reported below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(set(ids)) == 1 and len(ids) == workers
    with factory() as session:
        entry = session.get(HandoffEntry, ids[0])
        assert entry is not None and entry.priority == "urgent"
    assert _entry_count(factory) == 1


def test_waiting_entries_put_urgent_first_then_the_earliest_deadline(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        normal_case = _case(session, "k-normal", conversation="c-normal")
        urgent_case = _case(session, "k-urgent", urgency="urgent", conversation="c-urgent")
        no_case = _queue(session, None, conversation="c-none", minutes=0)
        normal = _queue(session, normal_case, conversation="c-normal", minutes=1)
        urgent = _queue(session, urgent_case, conversation="c-urgent", priority="urgent", minutes=2)
    with factory() as session:
        assert [e.id for e in waiting_entries(session)] == [urgent.id, normal.id, no_case.id]


def test_only_one_agent_can_claim_an_entry(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case = _case(session, "k1")
        entry = _queue(session, case)
    with transaction(factory) as session:
        mine = session.get(HandoffEntry, entry.id)
        assert mine is not None
        claim_entry(session, mine, agent="wang", now=NOW + timedelta(minutes=3))
        assert (mine.status, mine.claimed_by) == ("claimed", "agent:wang")
        assert mine.case is not None and mine.case.status == "in_progress"
    with transaction(factory) as session:
        theirs = session.get(HandoffEntry, entry.id)
        assert theirs is not None
        with pytest.raises(QueueConflictError):
            claim_entry(session, theirs, agent="li")
    with transaction(factory) as session:  # a claimed conversation is still its active entry
        assert _queue(session, None).id == entry.id
