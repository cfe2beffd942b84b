"""The surge scan: test every product and category of the last hour; raise ``surge`` alerts.

Runs as a background job every few seconds in each gateway instance. One alert per target
per episode: a target alarmed within ``COOLDOWN`` (or under an open incident) is skipped,
and the alert's dedupe key carries the China hour, so two instances scanning the same
minute raise it once. A category alarms only when no product of it explains the surge
already (the leaking soy-milk makers are one alert, not two).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.alerts.store import SUPERVISORS, raise_alert
from handoff.clock import CHINA_TZ, as_utc
from handoff.models import Case, Order
from handoff.reporting.compute import CATEGORY_ZH
from handoff.supervision_models import Alert, Incident
from handoff.surge.detector import Assessment, SurgeTest, hour_profile

COOLDOWN: Final = timedelta(hours=6)
#: How many of the cases behind a surge the alert lists.
CASES_LISTED: Final = 50


def _recent_alert_targets(session: Session, now: datetime) -> set[tuple[str, str]]:
    targets: set[tuple[str, str]] = set()
    for detail in session.scalars(
        select(Alert.detail).where(Alert.kind == "surge", Alert.created_at >= now - COOLDOWN)
    ):
        targets.add((str(detail.get("scope")), str(detail.get(str(detail.get("scope"))))))
    for scope, value in session.execute(
        select(Incident.scope, Incident.scope_value).where(Incident.status == "open")
    ):
        targets.add((scope, value))
    return targets


def _message(scope: str, name: str, verdict: Assessment, test: SurgeTest) -> str:
    minutes = int(test.window.total_seconds() // 60)
    label = name if scope == "product" else f"「{CATEGORY_ZH.get(name, name)}」类"
    return (
        f"{label}投诉激增：最近 {minutes} 分钟 {verdict.count} 件，"
        f"平时同一时段约 {verdict.expected:.2f} 件。请确认影响范围，必要时启动应急预案。"
    )


def scan(session: Session, now: datetime, test: SurgeTest | None = None) -> list[Alert]:
    """Test the last window of every product and category; the alerts raised."""
    test = test or SurgeTest()
    now = as_utc(now)
    window_start = now - test.window
    baseline_start = window_start - test.baseline
    rows = session.execute(
        select(Case.id, Case.case_number, Case.category, Case.created_at, Order.product)
        .outerjoin(Order, Order.order_id == Case.order_id)
        .where(Case.created_at >= baseline_start, Case.created_at <= now)
    ).all()
    profile = hour_profile(
        [
            as_utc(r.created_at).astimezone(CHINA_TZ).hour
            for r in rows
            if r.created_at < window_start
        ]
    )
    factor = profile[(now - test.window / 2).astimezone(CHINA_TZ).hour]
    baseline_hours = test.baseline.total_seconds() / 3600
    recent: dict[tuple[str, str], list[Any]] = defaultdict(list)
    baseline: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        keys = [("category", row.category)]
        if row.product:
            keys.append(("product", row.product))
        for key in keys:
            if row.created_at >= window_start:
                recent[key].append(row)
            else:
                baseline[key] += 1
    skip = _recent_alert_targets(session, now)
    hour = now.astimezone(CHINA_TZ).strftime("%Y%m%d%H")
    raised: list[Alert] = []
    surged_categories: set[str] = {
        str(d.get("category"))
        for d in session.scalars(
            select(Alert.detail).where(Alert.kind == "surge", Alert.created_at >= now - COOLDOWN)
        )
    }
    for scope in ("product", "category"):  # products first: they explain their category
        for (kind, name), cases in sorted(recent.items()):
            if kind != scope or len(cases) < test.min_count:
                continue
            if (scope, name) in skip:
                surged_categories.update(c.category for c in cases)  # explained already
                continue
            if scope == "category" and name in surged_categories:
                continue
            verdict = test.assess(len(cases), baseline[(scope, name)], baseline_hours, factor)
            if not verdict.surge:
                continue
            categories = sorted({c.category for c in cases})
            category = (
                name
                if scope == "category"
                else max(categories, key=lambda c: sum(x.category == c for x in cases))
            )
            listed = sorted(cases, key=lambda c: c.created_at)[-CASES_LISTED:]
            alert = raise_alert(
                session,
                kind="surge",
                dedupe_key=f"surge:{scope}:{name}:{hour}",
                at=now,
                product=name if scope == "product" else None,
                category=category,
                audience=[SUPERVISORS],
                detail={
                    "scope": scope,
                    scope: name,
                    "category": category,
                    "count": verdict.count,
                    "expected": round(verdict.expected, 4),
                    "p_value": verdict.p_value,
                    "window_minutes": int(test.window.total_seconds() // 60),
                    "case_ids": [c.id for c in listed],
                    "case_numbers": [c.case_number for c in listed],
                    "message_zh": _message(scope, name, verdict, test),
                },
            )
            if alert is not None:
                raised.append(alert)
                surged_categories.add(category)
    return raised


def surge_job(test: SurgeTest | None = None) -> Callable[[Session, datetime], int]:
    """The scan as a background job."""

    def job(session: Session, now: datetime) -> int:
        return len(scan(session, now, test))

    return job
