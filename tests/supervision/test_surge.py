"""The surge detector on synthetic streams (delay, false alarms) and the scan on a database.

The figures pinned here are printed by ``bench/surge_detector.py``; the bounds leave room for
the randomness of other seeds but fail if the detector gets markedly slower or noisier.
Cost: about two seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handoff.cases import TriageSummary, open_case
from handoff.db import transaction
from handoff.supervision_models import Alert, Incident
from handoff.surge.detector import SurgeTest, poisson_tail
from handoff.surge.scan import scan
from handoff.surge.simulation import detection_delay, false_alarms_per_month

NOW = datetime(2024, 11, 29, 12, 0, tzinfo=timezone.utc)  # 20:00 in Beijing
RICE_COOKER = "2024112212345678"
EARBUDS = "2024111809876543"


def test_poisson_tail() -> None:
    assert poisson_tail(0, 2.0) == 1.0
    assert abs(poisson_tail(1, 2.0) - (1 - 0.1353352832)) < 1e-9
    assert abs(poisson_tail(3, 0.5) - 0.0143876) < 1e-6


def test_a_best_seller_needs_more_complaints_than_a_quiet_product() -> None:
    test = SurgeTest()
    quiet = test.assess(recent=3, baseline_count=2, baseline_hours=336)
    busy = test.assess(recent=3, baseline_count=300, baseline_hours=336)
    assert quiet.surge and not busy.surge
    assert test.assess(recent=9, baseline_count=300, baseline_hours=336).surge


def test_false_alarms_per_simulated_month_of_normal_traffic_stay_below_one() -> None:
    alarms = [false_alarms_per_month(seed) for seed in range(1, 11)]
    # Measured: 0.45 a month on average over 20 seeds (40 products and 4 categories).
    assert sum(alarms) / len(alarms) <= 1.0
    assert max(alarms) <= 3


def test_detection_delay_of_a_surge_of_six_complaints_an_hour() -> None:
    result = detection_delay(6.0, trials=30)
    # Measured: median 25 minutes (half the time of three extra complaints arriving), none
    # missed within the three hours of the surge.
    assert result.missed == 0
    assert result.median <= 40
    faster = detection_delay(12.0, trials=30)
    assert faster.missed == 0 and faster.median < result.median


def _complaint(
    session: Session, key: str, order: str, at: datetime, category: str = "quality"
) -> None:
    open_case(
        session,
        conversation_id=f"conv-{key}",
        shopper_id="demo-shopper",
        order_id=order,
        description="漏水",
        triage=TriageSummary(category, 0.9, "normal", 0.1, []),
        dedupe_key=key,
        now=at,
    )


def test_the_scan_names_the_product_and_the_cases_once(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        for day in range(1, 14):  # background: a complaint a day about the earbuds
            _complaint(session, f"bg-{day}", EARBUDS, NOW - timedelta(days=day), "logistics")
        _complaint(session, "rice-old", RICE_COOKER, NOW - timedelta(days=5))
        for minute in (50, 30, 10):
            _complaint(session, f"rice-{minute}", RICE_COOKER, NOW - timedelta(minutes=minute))
    with transaction(factory) as session:
        alerts = scan(session, NOW)
        assert [(a.kind, a.product, a.category) for a in alerts] == [
            ("surge", "美的 4L 智能电饭煲 MB-FB40", "quality")
        ]
        detail = alerts[0].detail
        assert detail["count"] == 3 and len(detail["case_numbers"]) == 3
        assert "电饭煲" in detail["message_zh"]
    with transaction(factory) as session:  # the same surge a minute later: no second alert
        assert scan(session, NOW + timedelta(minutes=1)) == []
    with factory() as session:
        assert len(session.scalars(select(Alert)).all()) == 1


def test_no_alert_for_ordinary_traffic_or_under_an_open_incident(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        for hour in range(1, 14 * 24, 3):  # eight complaints a day about the earbuds
            _complaint(session, f"bg-{hour}", EARBUDS, NOW - timedelta(hours=hour), "logistics")
        for minute in (40, 20):
            _complaint(session, f"now-{minute}", EARBUDS, NOW - timedelta(minutes=minute))
        session.add(
            Incident(
                title="电饭煲",
                status="open",
                scope="product",
                scope_value="美的 4L 智能电饭煲 MB-FB40",
                message_zh="我们已经注意到",
                team=[],
                declared_by="supervisor",
                declared_at=NOW - timedelta(hours=1),
                improvements=[],
            )
        )
        for minute in (50, 30, 10, 5):
            _complaint(session, f"rice-{minute}", RICE_COOKER, NOW - timedelta(minutes=minute))
    with transaction(factory) as session:
        assert scan(session, NOW) == []
