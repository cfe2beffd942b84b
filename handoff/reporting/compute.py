"""The supervisor's report over a date range, as one plain dict (the ``report --json`` object).

A case belongs to the range in which it was opened. Deadlines are judged against the case's
own due times (the ones the shopper was told): **met** when answered (resolved) by then,
**breached** when answered late or not answered and already past due, **pending** when not
answered and not yet due. Times are minutes from opening; percentiles are nearest-rank, so
they are always a time that some case really took. 转人工率 is the share of cases handed to a
human; 参评率 the share of resolved cases that were rated. Dates are China dates (UTC+8).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.chat_models import Agent
from handoff.clock import CHINA_TZ, UTC, as_utc, utc_now
from handoff.models import Case, CaseEvent, HandoffEntry, Order
from handoff.reporting.phrases import Complaint, top_problems
from handoff.supervision_models import Alert, Followup, Incident, IncidentCase
from handoff.vocabulary import CATEGORIES, URGENCIES

MAX_DAYS: Final = 366
CATEGORY_ZH: Final = {
    "quality": "商品质量",
    "logistics": "物流配送",
    "after_sales": "售后服务",
    "other": "其他",
}
URGENCY_ZH: Final = {"urgent": "紧急", "normal": "普通"}
REASON_ZH: Final = {
    "urgent_complaint": "紧急投诉",
    "urgent_message": "紧急消息",
    "shopper_request": "顾客要求转人工",
}


@dataclass(frozen=True)
class ReportRange:
    """China dates ``first`` to ``last`` inclusive; ``now`` decides what is still pending."""

    first: date
    last: date
    now: datetime

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the range ends before it starts")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise ValueError(f"a report covers at most {MAX_DAYS} days")

    @classmethod
    def last_days(cls, days: int, now: datetime) -> ReportRange:
        """The last ``days`` China dates, today included."""
        today = as_utc(now).astimezone(CHINA_TZ).date()
        return cls(today - timedelta(days=days - 1), today, as_utc(now))

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), CHINA_TZ).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), CHINA_TZ).astimezone(UTC)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` 0.5 is the median); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _minutes(later: datetime, earlier: datetime) -> float:
    return (as_utc(later) - as_utc(earlier)).total_seconds() / 60


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _compliance(cases: Iterable[Case], done: str, due: str, now: datetime) -> dict[str, Any]:
    met = breached = pending = 0
    minutes: list[float] = []
    for case in cases:
        at: datetime | None = getattr(case, done)
        deadline: datetime = getattr(case, due)
        if at is not None:
            minutes.append(_minutes(at, case.created_at))
            if as_utc(at) <= as_utc(deadline):
                met += 1
            else:
                breached += 1
        elif as_utc(deadline) < now:
            breached += 1
        else:
            pending += 1
    judged = met + breached
    return {
        "met": met,
        "breached": breached,
        "pending": pending,
        "compliance_rate": _round(met / judged, 4) if judged else None,
        "p50_minutes": _round(percentile(minutes, 0.5)),
        "p90_minutes": _round(percentile(minutes, 0.9)),
    }


def _case_agents(session: Session, case_ids: list[int]) -> dict[int, str]:
    """The agent who handled each case: who resolved it, else who first answered or claimed."""
    rank = {"resolved": 0, "first_response": 1, "claimed": 2}
    best: dict[int, tuple[int, str]] = {}
    for chunk_start in range(0, len(case_ids), 500):
        chunk = case_ids[chunk_start : chunk_start + 500]
        rows = session.execute(
            select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.actor).where(
                CaseEvent.case_id.in_(chunk),
                CaseEvent.kind.in_(tuple(rank)),
                CaseEvent.actor.like("agent:%"),
            )
        ).all()
        for case_id, kind, actor in rows:
            current = best.get(case_id)
            if current is None or rank[kind] < current[0]:
                best[case_id] = (rank[kind], actor.removeprefix("agent:"))
    return {case_id: name for case_id, (_, name) in best.items()}


def _agent_table(session: Session, cases: list[Case], now: datetime) -> list[dict[str, Any]]:
    handled_by = _case_agents(session, [c.id for c in cases])
    names = dict(session.execute(select(Agent.name, Agent.display_name)).tuples().all())
    grouped: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        if case.id in handled_by:
            grouped[handled_by[case.id]].append(case)
    table = []
    for agent, mine in grouped.items():
        first = _compliance(mine, "first_response_at", "first_response_due", now)
        ratings = [c.rating for c in mine if c.rating is not None]
        table.append(
            {
                "agent": agent,
                "display_name": names.get(agent, agent),
                "handled": len(mine),
                "resolved": sum(c.status == "resolved" for c in mine),
                "first_response_p50_minutes": first["p50_minutes"],
                "first_response_compliance": first["compliance_rate"],
                "csat_average": _round(sum(ratings) / len(ratings), 2) if ratings else None,
                "csat_responses": len(ratings),
            }
        )
    return sorted(table, key=lambda row: (-row["handled"], row["agent"]))


def _csat(cases: list[Case]) -> dict[str, Any]:
    resolved = [c for c in cases if c.status == "resolved"]
    ratings = [c.rating for c in resolved if c.rating is not None]
    return {
        "responses": len(ratings),
        "average": _round(sum(ratings) / len(ratings), 2) if ratings else None,
        "response_rate": _round(len(ratings) / len(resolved), 4) if resolved else None,
        "resolved": len(resolved),
        "distribution": {str(score): ratings.count(score) for score in range(1, 6)},
    }


def _handoff(session: Session, cases: list[Case]) -> dict[str, Any]:
    handed = [c for c in cases if c.handed_to_human_at is not None]
    reasons: Counter[str] = Counter()
    ids = [c.id for c in handed]
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        first_entries: dict[int, str] = {}
        for case_id, reason in session.execute(
            select(HandoffEntry.case_id, HandoffEntry.reason)
            .where(HandoffEntry.case_id.in_(chunk))
            .order_by(HandoffEntry.id)
        ):
            first_entries.setdefault(case_id, reason)
        reasons.update(first_entries.values())
    return {
        "handed": len(handed),
        "rate": _round(len(handed) / len(cases), 4) if cases else None,
        "reasons": dict(reasons.most_common()),
        "reasons_zh": {REASON_ZH.get(k, k): v for k, v in reasons.most_common()},
    }


def _followups(session: Session, case_ids: set[int]) -> dict[str, Any]:
    statuses: Counter[str] = Counter(
        status
        for case_id, status in session.execute(select(Followup.case_id, Followup.status))
        if case_id in case_ids
    )
    answered = statuses["solved"] + statuses["called"] + statuses["not_solved"]
    return {
        **{s: statuses[s] for s in ("scheduled", "asked", "solved", "not_solved", "called")},
        "solved_rate": _round((answered - statuses["not_solved"]) / answered, 4)
        if answered
        else None,
    }


def _incidents(session: Session, report_range: ReportRange) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Incident)
        .where(Incident.declared_at >= report_range.start, Incident.declared_at < report_range.end)
        .order_by(Incident.declared_at)
    ).all()
    result = []
    for incident in rows:
        linked = session.scalars(
            select(IncidentCase.case_id).where(IncidentCase.incident_id == incident.id)
        ).all()
        result.append(
            {
                "id": incident.id,
                "title": incident.title,
                "status": incident.status,
                "scope": incident.scope,
                "scope_value": incident.scope_value,
                "declared_at": incident.declared_at.isoformat(),
                "closed_at": incident.closed_at.isoformat() if incident.closed_at else None,
                "cases": len(linked),
                "summary": incident.summary,
                "improvements": list(incident.improvements),
            }
        )
    return result


def _alert_counts(session: Session, report_range: ReportRange) -> dict[str, int]:
    kinds = session.scalars(
        select(Alert.kind).where(
            Alert.created_at >= report_range.start, Alert.created_at < report_range.end
        )
    ).all()
    return dict(Counter(kinds).most_common())


def build_report(session: Session, report_range: ReportRange) -> dict[str, Any]:
    """Every number of the supervisor's report for cases opened in ``report_range``."""
    now = as_utc(report_range.now)
    rows = session.execute(
        select(Case, Order.product)
        .outerjoin(Order, Order.order_id == Case.order_id)
        .where(Case.created_at >= report_range.start, Case.created_at < report_range.end)
        .order_by(Case.created_at, Case.id)
    ).all()
    cases = [case for case, _ in rows]
    product_of = {case.id: product for case, product in rows}
    by_day: dict[date, Counter[str]] = {day: Counter() for day in report_range.days}
    by_product: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        day = as_utc(case.created_at).astimezone(CHINA_TZ).date()
        by_day.setdefault(day, Counter()).update(["cases", case.urgency, case.category])
        product = product_of[case.id] or "（未关联订单）"
        by_product[product].update(["cases", case.urgency, case.category])
    complaints = [
        Complaint(c.case_number, c.category, c.description, product_of[c.id]) for c in cases
    ]
    return {
        "range": {
            "from": report_range.first.isoformat(),
            "to": report_range.last.isoformat(),
            "days": len(report_range.days),
            "timezone": "UTC+8",
        },
        "generated_at": now.isoformat(),
        "cases": len(cases),
        "by_category": {c: sum(x.category == c for x in cases) for c in CATEGORIES},
        "by_urgency": {u: sum(x.urgency == u for x in cases) for u in URGENCIES},
        "by_day": [
            {
                "date": day.isoformat(),
                "cases": counts["cases"],
                **{u: counts[u] for u in URGENCIES},
                **{c: counts[c] for c in CATEGORIES},
            }
            for day, counts in sorted(by_day.items())
        ],
        "by_product": sorted(
            (
                {
                    "product": product,
                    "cases": counts["cases"],
                    "urgent": counts["urgent"],
                    "top_category": max(CATEGORIES, key=lambda c: (counts[c], c)),
                }
                for product, counts in by_product.items()
            ),
            key=lambda row: (-row["cases"], row["product"]),
        ),
        "first_response": _compliance(cases, "first_response_at", "first_response_due", now),
        "resolution": _compliance(cases, "resolved_at", "resolution_due", now),
        "handoff": _handoff(session, cases),
        "csat": _csat(cases),
        "agents": _agent_table(session, cases, now),
        "top_problems": top_problems(complaints),
        "followups": _followups(session, {c.id for c in cases}),
        "incidents": _incidents(session, report_range),
        "alerts": _alert_counts(session, report_range),
        "labels_zh": {"category": CATEGORY_ZH, "urgency": URGENCY_ZH, "reason": REASON_ZH},
    }


def report_now(session: Session, days: int) -> dict[str, Any]:
    """The report of the last ``days`` days as of now."""
    return build_report(session, ReportRange.last_days(days, utc_now()))
