"""Opening, finding, resolving and rating cases."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from casestore_helpers import DEMO_SHOPPER, NOW, RICE_COOKER, triage
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from handoff.case_numbers import normalize_case_number
from handoff.cases import (
    CaseOwnershipError,
    TriageSummary,
    cases_for_shopper,
    find_case,
    open_case,
    record_rating,
    resolve_case,
    status_text_zh,
)
from handoff.db import transaction
from handoff.models import Case, CaseEvent


def _open(
    session: Session,
    key: str = "conv-1:msg-1",
    *,
    shopper: str = DEMO_SHOPPER,
    conversation: str = "conv-1",
    urgency: str = "normal",
    order_id: str | None = RICE_COOKER,
    now: datetime = NOW,
) -> tuple[Case, bool]:
    return open_case(
        session,
        conversation_id=conversation,
        shopper_id=shopper,
        order_id=order_id,
        description="电饭煲用了两次就不加热了，电话 13812345678",
        triage=triage(urgency),
        dedupe_key=key,
        now=now,
    )


def test_open_case_sets_number_status_and_writes_an_event(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        case, created = _open(session)
    assert created
    assert re.fullmatch(r"TS241123-[2-9A-HJKMNP-Z]{4}", case.case_number)
    assert case.status == "open"
    assert case.handed_to_human_at is None
    with factory() as session:
        events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        assert [(e.kind, e.actor) for e in events] == [("opened", "bot")]
        assert events[0].detail["order_id"] == RICE_COOKER


def test_open_case_twice_with_the_same_dedupe_key_returns_the_first(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        first, created_first = _open(session)
    with transaction(factory) as session:
        second, created_second = _open(session, now=NOW + timedelta(minutes=5))
    assert (created_first, created_second) == (True, False)
    assert second.id == first.id and second.case_number == first.case_number
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_concurrent_open_case_with_one_dedupe_key_gives_one_case(
    factory: sessionmaker[Session],
) -> None:
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            with transaction(factory) as session:
                case, created = _open(session, "conv-race:msg-1")
            with lock:
                results.append((case.id, created))
        except BaseException as error:  # reported below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == threads_count
    assert len({case_id for case_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        assert session.scalar(select(func.count()).select_from(CaseEvent)) == 1


@pytest.mark.parametrize(
    ("urgency", "first_response", "resolution"),
    [
        ("urgent", timedelta(hours=1), timedelta(hours=24)),
        ("normal", timedelta(hours=24), timedelta(hours=72)),
    ],
)
def test_sla_deadlines_follow_urgency(
    factory: sessionmaker[Session],
    urgency: str,
    first_response: timedelta,
    resolution: timedelta,
) -> None:
    with transaction(factory) as session:
        case, _ = _open(session, urgency=urgency)
    with factory() as session:
        stored = session.get(Case, case.id)
        assert stored is not None
        assert stored.created_at == NOW
        assert stored.first_response_due == NOW + first_response
        assert stored.resolution_due == NOW + resolution
        assert stored.first_response_due.tzinfo is not None  # UTC re-attached after SQLite


def test_times_in_other_zones_are_stored_as_utc(factory: sessionmaker[Session]) -> None:
    beijing = timezone(timedelta(hours=8))
    with transaction(factory) as session:
        case, _ = _open(session, now=datetime(2024, 11, 23, 14, 30, tzinfo=beijing))
    with factory() as session:
        stored = session.get(Case, case.id)
        assert stored is not None and stored.created_at == NOW
        assert stored.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session, pytest.raises(ValueError, match="naive"):
        _open(session, now=datetime(2024, 11, 23, 6, 30))


def test_a_dedupe_key_of_another_shopper_is_not_handed_out(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        _open(session, "shared-key")
    with transaction(factory) as session, pytest.raises(CaseOwnershipError):
        _open(session, "shared-key", shopper="shopper-1001", order_id=None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"category": "shipping"},
        {"urgency": "high"},
        {"category_confidence": 1.2},
        {"urgency_score": -0.1},
    ],
)
def test_triage_summary_rejects_unknown_labels(kwargs: dict[str, object]) -> None:
    values: dict[str, object] = {
        "category": "quality",
        "category_confidence": 0.9,
        "urgency": "normal",
        "urgency_score": 0.1,
        "reasons": [],
    }
    with pytest.raises(ValueError):
        TriageSummary(**{**values, **kwargs})  # type: ignore[arg-type]


def test_cases_for_shopper_never_returns_another_shoppers_case(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        mine_old, _ = _open(session, "k1", now=NOW)
        mine_new, _ = _open(session, "k2", now=NOW + timedelta(hours=1), order_id=None)
        theirs, _ = _open(
            session,
            "k3",
            shopper="shopper-1001",
            conversation="conv-x",
            order_id="2024111810011001",
        )
    with factory() as session:
        mine = cases_for_shopper(session, DEMO_SHOPPER)
        assert [c.id for c in mine] == [mine_new.id, mine_old.id]  # newest first
        assert cases_for_shopper(session, DEMO_SHOPPER, case_number=theirs.case_number) == []
        assert [c.id for c in cases_for_shopper(session, "shopper-1001")] == [theirs.id]
        by_number = cases_for_shopper(
            session, DEMO_SHOPPER, case_number=f" {mine_old.case_number.lower()} "
        )
        assert [c.id for c in by_number] == [mine_old.id]
        by_order = cases_for_shopper(session, DEMO_SHOPPER, order_id="2024-1122-1234-5678")
        assert [c.id for c in by_order] == [mine_old.id]
        assert cases_for_shopper(session, DEMO_SHOPPER, order_id="2024111810011001") == []
        assert cases_for_shopper(session, DEMO_SHOPPER, case_number="garbage") == []
        assert cases_for_shopper(session, "nobody") == []


def test_case_numbers_are_read_as_shoppers_type_them() -> None:
    assert normalize_case_number("ts241123-7kq3") == "TS241123-7KQ3"
    assert normalize_case_number("ＴＳ２４１１２３－７ＫＱ３") == "TS241123-7KQ3"
    assert normalize_case_number("TS2411237KQ3") == "TS241123-7KQ3"
    assert normalize_case_number("TS241123-7KQ") is None
    assert normalize_case_number("TS241123-0KQ3") is None  # 0 is not in the alphabet


def test_find_case_by_number_or_id(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case, _ = _open(session)
    with factory() as session:
        assert find_case(session, case.case_number) is not None
        assert find_case(session, str(case.id)) is not None
        assert find_case(session, "TS000000-2222") is None
        assert find_case(session, "nope") is None


def test_resolve_case_records_resolution_and_first_response(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        case, _ = _open(session)
        resolve_case(
            session,
            case,
            actor="agent:wang",
            resolution="refund",
            note="全额退款",
            now=NOW + timedelta(hours=2),
        )
    with factory() as session:
        stored = session.get(Case, case.id)
        assert stored is not None
        assert (stored.status, stored.resolution, stored.resolution_note) == (
            "resolved",
            "refund",
            "全额退款",
        )
        assert stored.resolved_at == stored.first_response_at == NOW + timedelta(hours=2)
        assert [e.kind for e in stored.events] == ["opened", "resolved"]
        assert stored.events[1].actor == "agent:wang"


@pytest.mark.parametrize(("actor", "resolution"), [("agent:wang", "money"), ("wang", "refund")])
def test_resolve_case_rejects_unknown_values(
    factory: sessionmaker[Session], actor: str, resolution: str
) -> None:
    with transaction(factory) as session:
        case, _ = _open(session)
        with pytest.raises(ValueError):
            resolve_case(session, case, actor=actor, resolution=resolution)


@pytest.mark.parametrize("rating", [0, 6, -1, 3.5, True, "5", None])
def test_record_rating_rejects_anything_but_1_to_5(
    factory: sessionmaker[Session], rating: object
) -> None:
    with transaction(factory) as session:
        case, _ = _open(session)
        resolve_case(session, case, actor="agent:wang", resolution="refund")
        with pytest.raises(ValueError):
            record_rating(
                session,
                conversation_id="conv-1",
                shopper_id=DEMO_SHOPPER,
                rating=rating,
                comment=None,  # type: ignore[arg-type]
            )


def test_record_rating_rates_the_latest_resolved_case_of_the_conversation(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        assert (
            record_rating(
                session, conversation_id="conv-1", shopper_id=DEMO_SHOPPER, rating=5, comment=None
            )
            is None
        )  # nothing resolved yet
        older, _ = _open(session, "k1")
        newer, _ = _open(session, "k2", now=NOW + timedelta(minutes=1))
        resolve_case(session, older, actor="agent:li", resolution="explanation", now=NOW)
        resolve_case(
            session, newer, actor="agent:li", resolution="exchange", now=NOW + timedelta(hours=1)
        )
        assert (
            record_rating(
                session, conversation_id="conv-1", shopper_id="shopper-1001", rating=1, comment=None
            )
            is None
        )  # not this shopper's conversation
        rated = record_rating(
            session,
            conversation_id="conv-1",
            shopper_id=DEMO_SHOPPER,
            rating=4,
            comment="  处理得挺快  ",
            now=NOW + timedelta(hours=2),
        )
        assert rated is not None and rated.id == newer.id
        assert (rated.rating, rated.rating_comment) == (4, "处理得挺快")
        assert older.rating is None
        assert rated.events[-1].kind == "rated" and rated.events[-1].actor == "shopper"


def test_the_database_refuses_a_rating_outside_1_to_5(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case, _ = _open(session)
    with pytest.raises(IntegrityError), transaction(factory) as session:
        session.execute(update(Case).where(Case.id == case.id).values(rating=7))


def test_the_database_refuses_an_unknown_status(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case, _ = _open(session)
    with pytest.raises(IntegrityError), transaction(factory) as session:
        session.execute(update(Case).where(Case.id == case.id).values(status="closed"))


def test_status_text_tells_the_shopper_what_happens_next(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        case, _ = _open(session)
        assert status_text_zh(case, NOW) == ("处理中", "客服会在 11月24日 14:30 前首次回复您")
        overdue = status_text_zh(case, NOW + timedelta(days=2))
        assert overdue[0] == "处理中" and "已超过" in overdue[1] and "11月24日 14:30" in overdue[1]
        case.first_response_at = NOW + timedelta(hours=1)
        assert status_text_zh(case, NOW + timedelta(hours=2))[1] == (
            "客服正在处理，会在 11月26日 14:30 前给您处理结果"
        )
        case.status = "pending_shopper"
        assert status_text_zh(case, NOW)[0] == "等待您补充信息"
        resolve_case(session, case, actor="agent:li", resolution="refund")
        assert status_text_zh(case) == ("已解决", "处理结果：退款。欢迎为本次服务打分（1–5 分）")
        urgent, _ = _open(session, "k-urgent", urgency="urgent")
        assert status_text_zh(urgent, NOW)[1] == "客服会在 11月23日 15:30 前首次回复您"
