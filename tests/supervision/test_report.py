"""Report numbers against a small fixture computed by hand (see the comments)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff.case_work import mark_first_response
from handoff.cases import TriageSummary, open_case, record_rating, resolve_case
from handoff.cli import main
from handoff.clock import utc_now
from handoff.db import transaction
from handoff.queue import claim_entry, queue_for_human
from handoff.reporting.compute import ReportRange, build_report, percentile
from handoff.reporting.phrases import Complaint, top_problems

NOW = datetime(2024, 11, 30, 4, 0, tzinfo=timezone.utc)  # 12:00 in Beijing
ORDER = "2024112212345678"  # 美的 4L 智能电饭煲 MB-FB40 of demo-shopper
Z = timezone.utc


def _case(
    session: Session,
    key: str,
    category: str,
    urgency: str,
    created: datetime,
    *,
    first_after: timedelta | None = None,
    resolved_after: timedelta | None = None,
    rating: int | None = None,
    handoff: str | None = None,
    agent: str = "wang.qiang",
) -> None:
    case, _ = open_case(
        session,
        conversation_id=f"conv-{key}",
        shopper_id="demo-shopper",
        order_id=ORDER,
        description=f"电饭煲不加热了 {key}",
        triage=TriageSummary(category, 0.9, urgency, 0.5, []),
        dedupe_key=key,
        now=created,
    )
    if handoff is not None:
        entry = queue_for_human(
            session,
            case,
            conversation_id=case.conversation_id,
            shopper_id=case.shopper_id,
            reason=handoff,
            priority=urgency,
            now=created + timedelta(minutes=1),
        )
        claim_entry(session, entry, agent=agent, now=created + timedelta(minutes=2))
    if first_after is not None:
        mark_first_response(session, case, actor=f"agent:{agent}", now=created + first_after)
    if resolved_after is not None:
        resolve_case(
            session,
            case,
            actor=f"agent:{agent}",
            resolution="refund",
            now=created + resolved_after,
        )
        session.flush()
    if rating is not None:
        record_rating(
            session,
            conversation_id=case.conversation_id,
            shopper_id=case.shopper_id,
            rating=rating,
            comment=None,
            now=created + (resolved_after or timedelta()) + timedelta(minutes=5),
        )


@pytest.fixture
def fixture_db(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(factory) as session:
        # A: normal, answered in 30 min (met), resolved after 10 h (met), rated 5, 转人工.
        _case(session, "A", "quality", "normal", datetime(2024, 11, 28, 2, 0, tzinfo=Z),
              first_after=timedelta(minutes=30), resolved_after=timedelta(hours=10),
              rating=5, handoff="shopper_request", agent="li.na")  # fmt: skip
        # B: urgent, answered after 90 min (> 1 h: breached), resolved after 30 h (> 24 h).
        _case(session, "B", "logistics", "urgent", datetime(2024, 11, 28, 3, 0, tzinfo=Z),
              first_after=timedelta(minutes=90), resolved_after=timedelta(hours=30),
              rating=2, handoff="urgent_complaint", agent="zhang.min")  # fmt: skip
        # C: normal, opened 18 h before NOW, unanswered: both deadlines still pending.
        _case(session, "C", "quality", "normal", datetime(2024, 11, 29, 10, 0, tzinfo=Z))
        # D: normal, opened five days ago, never answered: both deadlines breached.
        _case(session, "D", "after_sales", "normal", datetime(2024, 11, 25, 0, 0, tzinfo=Z))
        # E: normal, answered after 2 h and resolved after 3 h (both met), not rated.
        _case(session, "E", "other", "normal", datetime(2024, 11, 29, 0, 0, tzinfo=Z),
              first_after=timedelta(hours=2), resolved_after=timedelta(hours=3))  # fmt: skip
        # F: outside the seven days.
        _case(session, "F", "other", "normal", datetime(2024, 11, 10, tzinfo=Z),
              first_after=timedelta(hours=1), resolved_after=timedelta(hours=2))  # fmt: skip
    return factory


def test_the_report_matches_the_hand_computed_numbers(fixture_db: sessionmaker[Session]) -> None:
    with fixture_db() as session:
        report = build_report(session, ReportRange.last_days(7, NOW))
    assert report["range"] == {
        "from": "2024-11-24",
        "to": "2024-11-30",
        "days": 7,
        "timezone": "UTC+8",
    }
    assert report["cases"] == 5
    assert report["by_category"] == {"quality": 2, "logistics": 1, "after_sales": 1, "other": 1}
    assert report["by_urgency"] == {"urgent": 1, "normal": 4}
    # China dates: A and B on the 28th (10:00, 11:00), C (18:00) and E (08:00) on the 29th.
    per_day = {d["date"]: d["cases"] for d in report["by_day"]}
    assert per_day == {
        "2024-11-24": 0, "2024-11-25": 1, "2024-11-26": 0, "2024-11-27": 0,
        "2024-11-28": 2, "2024-11-29": 2, "2024-11-30": 0,
    }  # fmt: skip
    # First responses after 30, 90, 120 min: median (nearest rank 2 of 3) 90, p90 120.
    assert report["first_response"] == {
        "met": 2, "breached": 2, "pending": 1, "compliance_rate": 0.5,
        "p50_minutes": 90.0, "p90_minutes": 120.0,
    }  # fmt: skip
    # Resolutions after 600, 1800, 180 min.
    assert report["resolution"] == {
        "met": 2, "breached": 2, "pending": 1, "compliance_rate": 0.5,
        "p50_minutes": 600.0, "p90_minutes": 1800.0,
    }  # fmt: skip
    assert report["handoff"]["handed"] == 2
    assert report["handoff"]["rate"] == 0.4
    assert report["handoff"]["reasons"] == {"shopper_request": 1, "urgent_complaint": 1}
    # Three resolved (A, B, E), two rated (5 and 2).
    assert report["csat"] == {
        "responses": 2, "average": 3.5, "response_rate": 0.6667, "resolved": 3,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
    }  # fmt: skip
    agents = {a["agent"]: a for a in report["agents"]}
    assert set(agents) == {"li.na", "zhang.min", "wang.qiang"}
    assert agents["li.na"]["handled"] == 1 and agents["li.na"]["csat_average"] == 5
    assert agents["zhang.min"]["first_response_p50_minutes"] == 90.0
    assert agents["zhang.min"]["first_response_compliance"] == 0.0
    assert report["by_product"] == [
        {
            "product": "美的 4L 智能电饭煲 MB-FB40",
            "cases": 5,
            "urgent": 1,
            "top_category": "quality",
        }
    ]


def test_report_json_from_the_command_line(
    fixture_db: sessionmaker[Session],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with transaction(fixture_db) as session:
        _case(session, "today", "quality", "urgent", utc_now() - timedelta(hours=2))
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["report", "--json", "--days", "400"]) == 2
    capsys.readouterr()
    assert main(["report", "--json", "--days", "3650"]) == 2
    capsys.readouterr()
    assert main(["report", "--json", "--days", "366"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("cases", "by_category", "by_urgency", "first_response", "resolution", "csat"):
        assert key in report
    assert report["cases"] == 1  # the fixture's 2024 cases are long before today's year
    assert report["first_response"]["breached"] == 1  # urgent, unanswered for two hours
    assert set(report["csat"]) >= {"responses", "average", "response_rate"}
    assert set(report["first_response"]) >= {"met", "breached", "pending"}


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0], 0.9) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0


def test_top_problems_drop_product_words_and_merge_spellings_of_one_problem() -> None:
    complaints = [
        Complaint(f"TS{n}", "logistics", text, product)
        for n, (text, product) in enumerate(
            [
                ("耳机的物流三天没更新了", "华为 蓝牙耳机"),
                ("电饭煲物流没更新", "美的 电饭煲"),
                ("物流一直没更新，急用", "小米 手机"),
                ("快递员态度很差", "美的 电饭煲"),
                ("快递员态度差，东西扔门口", "小米 手机"),
            ]
        )
    ]
    problems = top_problems(complaints)["logistics"]
    phrases = [p["phrase"] for p in problems]
    assert phrases[0].startswith("物流")
    assert any("快递员" in p for p in phrases)
    assert not any("耳机" in p or "电饭煲" in p for p in phrases)
    assert problems[0]["count"] == 3
    assert len(problems[0]["examples"]) == 2
