"""About a month of demo history, so that every report and alert view has something to show.

``python -m handoff demo seed-history`` (run by ``make run`` on a fresh install) adds a few
hundred cases over the last 30 days: each with its own order (listed by ``orders list``), a
short transcript, the agent who handled it, triage corrections, ratings, 回访 answers, the
deadlines and the alerts of the few that were late, and one emergency (a batch of leaking
soy-milk makers) declared and closed with its summary. ``demo remove-history`` takes all of it
out again and remembers that it did, so the next start does not seed it back.

Deterministic: the same ``seed`` and ``now`` give the same rows (case numbers included).
Everything added is marked: shopper ids and conversation ids start with ``demo-hist-``, case
dedupe keys with ``demo-history:``; the run's row lists the agents and incidents it created.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from handoff.agents import ensure_demo_agent, hash_password
from handoff.case_numbers import ALPHABET, PREFIX
from handoff.chat_models import Agent, Message
from handoff.clock import CHINA_TZ, as_utc, utc_now
from handoff.deadlines.policy import DeadlinePolicy
from handoff.deadlines.tracking import deadline_values
from handoff.demo_catalog import (
    AGENT_REPLIES,
    AGENTS,
    PRODUCTS,
    RATING_COMMENTS,
    SURGE_IMPROVEMENTS,
    SURGE_MESSAGE,
    SURGE_PRODUCT,
    SURGE_SUMMARY,
    SURGE_TEXTS,
    DemoProduct,
    ProblemText,
)
from handoff.demo_catalog import PROBLEMS as PROBLEM_TEXTS
from handoff.models import Case, CaseEvent, HandoffEntry, Order
from handoff.sla import sla_deadlines
from handoff.supervision_models import (
    Alert,
    CaseDeadline,
    DemoHistoryRun,
    Followup,
    Incident,
    IncidentCase,
    IncidentEvent,
)

PREFIX_SHOPPER: Final = "demo-hist-"
PREFIX_DEDUPE: Final = "demo-history:"
DEFAULT_SEED: Final = 20241123
CASES_PER_DAY: Final = 20.0
SHOPPERS: Final = 240
FOLLOWUP_DELAY: Final = timedelta(days=3)
CATEGORY_WEIGHTS: Final = {"quality": 35, "logistics": 30, "after_sales": 22, "other": 13}
URGENT_SHARE: Final = 0.12
CORRECTED_SHARE: Final = 0.07
HANDOFF_SHARE_NORMAL: Final = 0.3
RATED_SHARE: Final = 0.55
#: Relative complaint volume by China hour of day: quiet at night, peaks late morning and evening.
# fmt: off
HOUR_WEIGHTS: Final = (
    1, 1, 0.5, 0.3, 0.3, 0.3, 0.6, 1.2, 2, 3, 4, 4.5,
    4, 3.5, 3.5, 3.5, 3.5, 3, 3, 3.5, 4.5, 5, 4.5, 2.5,
)
# fmt: on
RESOLUTIONS_BY_CATEGORY: Final = {
    "quality": ("refund", "exchange", "return", "refund"),
    "logistics": ("compensation", "explanation", "exchange", "refund"),
    "after_sales": ("refund", "explanation", "return", "other"),
    "other": ("explanation", "other", "refund"),
}
ORDER_STATUS_BY_CATEGORY: Final = {
    "quality": ("已签收", "已完成", "退款中"),
    "logistics": ("运输中", "待发货", "已签收"),
    "after_sales": ("退款中", "已完成", "已签收"),
    "other": ("已完成", "已签收"),
}


@dataclass
class _Plan:
    """One case of the history before it becomes rows."""

    created_at: datetime
    product: DemoProduct
    problem: ProblemText
    text: str
    shopper: str
    surge: bool = False
    model_category: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def is_fresh(session: Session) -> bool:
    """A fresh install: no case yet and no demo history ever seeded (or removed)."""
    has_case = session.scalar(select(Case.id).limit(1)) is not None
    has_run = session.scalar(select(DemoHistoryRun.id).limit(1)) is not None
    return not has_case and not has_run


def _lognormal_minutes(rng: random.Random, median: float, sigma: float) -> timedelta:
    return timedelta(minutes=median * math.exp(rng.gauss(0.0, sigma)))


def _moment_in_day(rng: random.Random, day_start: datetime) -> datetime:
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return day_start + timedelta(hours=hour, seconds=rng.randrange(3600))


def _problem_for(
    rng: random.Random, product: DemoProduct, category: str, urgent: bool
) -> ProblemText:
    fitting = [
        p
        for p in PROBLEM_TEXTS
        if p.category == category
        and p.urgent == urgent
        and (not p.kinds or product.kind in p.kinds)
    ]
    if not fitting:  # e.g. no urgent quality problem for a dress: take a normal one
        fitting = [
            p
            for p in PROBLEM_TEXTS
            if p.category == category and not p.urgent and (not p.kinds or product.kind in p.kinds)
        ]
    return rng.choice(fitting)


def _plans(rng: random.Random, start: datetime, now: datetime, days: int) -> list[_Plan]:
    product_weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(PRODUCTS))]
    shoppers = [f"{PREFIX_SHOPPER}{n:04d}" for n in range(1, SHOPPERS + 1)]
    next_new = 0
    plans: list[_Plan] = []
    for day in range(days + 1):
        day_start = start + timedelta(days=day)
        weekend = day_start.astimezone(CHINA_TZ).isoweekday() >= 6
        expected = CASES_PER_DAY * (1.2 if weekend else 1.0)
        count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
        for _ in range(count):
            created = _moment_in_day(rng, day_start)
            if created >= now:
                continue
            if len(plans) < len(PRODUCTS):  # every product has at least one case
                product = PRODUCTS[len(plans)]
            else:
                product = rng.choices(PRODUCTS, weights=product_weights)[0]
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[
                0
            ]
            problem = _problem_for(rng, product, category, rng.random() < URGENT_SHARE)
            if next_new < len(shoppers) and rng.random() < 0.75:
                shopper = shoppers[next_new]
                next_new += 1
            else:
                shopper = shoppers[rng.randrange(max(1, next_new))]
            plans.append(
                _Plan(created, product, problem, problem.text.format(p=product.short), shopper)
            )
    for shopper in shoppers[next_new:]:  # the rest of the shoppers complain once, too
        day_start = start + timedelta(days=rng.randrange(days))
        created = _moment_in_day(rng, day_start)
        if created < now:
            product = rng.choices(PRODUCTS, weights=product_weights)[0]
            problem = _problem_for(rng, product, "logistics", False)
            plans.append(
                _Plan(created, product, problem, problem.text.format(p=product.short), shopper)
            )
    plans.extend(_surge_plans(rng, start, now, days, shoppers))
    plans.sort(key=lambda plan: plan.created_at)
    return plans


def _surge_plans(
    rng: random.Random, start: datetime, now: datetime, days: int, shoppers: list[str]
) -> list[_Plan]:
    """Fourteen leaking soy-milk makers within five hours, twelve days before ``now``."""
    if days < 14:
        return []
    product = next(p for p in PRODUCTS if p.name == SURGE_PRODUCT)
    problem = next(p for p in PROBLEM_TEXTS if p.text.startswith("{p}漏水"))
    begin = (
        (now - timedelta(days=12))
        .astimezone(CHINA_TZ)
        .replace(hour=9, minute=30, second=0, microsecond=0)
    )
    plans = []
    for index in range(14):
        created = begin + timedelta(minutes=index * 20 + rng.randrange(15))
        plans.append(
            _Plan(
                created,
                product,
                problem,
                SURGE_TEXTS[index % len(SURGE_TEXTS)],
                shoppers[rng.randrange(len(shoppers))],
                surge=True,
            )
        )
    return plans


class _Numbers:
    """Deterministic, unique case and order numbers (never one already in the database)."""

    def __init__(self, rng: random.Random, session: Session) -> None:
        self.rng = rng
        self.cases = set(session.scalars(select(Case.case_number)))
        self.orders = set(session.scalars(select(Order.order_id)))

    def case_number(self, at: datetime) -> str:
        day = at.astimezone(CHINA_TZ).strftime("%y%m%d")
        while True:
            number = f"{PREFIX}{day}-{''.join(self.rng.choice(ALPHABET) for _ in range(4))}"
            if number not in self.cases:
                self.cases.add(number)
                return number

    def order_id(self, at: datetime) -> str:
        day = at.astimezone(CHINA_TZ).strftime("%Y%m%d")
        while True:
            number = f"{day}{self.rng.randrange(10**8):08d}"
            if number not in self.orders:
                self.orders.add(number)
                return number


@dataclass
class _Outcome:
    """When things happened to one case (None: not yet, at ``now``)."""

    handed_at: datetime | None
    claimed_at: datetime | None
    agent: tuple[str, str] | None
    first_response_at: datetime | None
    resolved_at: datetime | None


def _outcome(rng: random.Random, plan: _Plan, urgent: bool, now: datetime) -> _Outcome:
    agent = AGENTS[rng.choices(range(len(AGENTS)), weights=(5, 4, 4, 3, 2, 2))[0]]
    created = plan.created_at
    handed: datetime | None = None
    claimed: datetime | None = None
    if urgent or plan.surge or rng.random() < HANDOFF_SHARE_NORMAL:
        handed = created + timedelta(seconds=rng.randrange(20, 120))
        wait = _lognormal_minutes(rng, 12 if urgent else 25, 0.9)
        claimed = handed + wait
        first = claimed + timedelta(seconds=rng.randrange(30, 300))
    else:
        first = created + _lognormal_minutes(rng, 180, 0.9)
    resolved = first + _lognormal_minutes(rng, 180 if urgent else 840, 0.9 if urgent else 0.7)
    return _Outcome(
        handed_at=handed if handed is not None and handed < now else None,
        claimed_at=claimed if claimed is not None and claimed < now else None,
        agent=agent,
        first_response_at=first if first < now else None,
        resolved_at=resolved if resolved < now else None,
    )


def _rating(rng: random.Random, late: bool) -> int:
    weights = (4, 6, 12, 30, 48) if not late else (18, 22, 25, 20, 15)
    return rng.choices((1, 2, 3, 4, 5), weights=weights)[0]


class _Builder:
    """Turns plans into rows in one session."""

    def __init__(self, session: Session, rng: random.Random, now: datetime) -> None:
        self.session = session
        self.rng = rng
        self.now = now
        self.numbers = _Numbers(rng, session)
        self.policy = DeadlinePolicy()
        self.counts: dict[str, int] = {}

    def _count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def _event(self, case: Case, actor: str, kind: str, at: datetime, **detail: Any) -> None:
        self.session.add(CaseEvent(case=case, actor=actor, kind=kind, at=at, detail=detail))
        self._count("events")

    def _message(
        self,
        plan: _Plan,
        conversation: str,
        sender: str,
        text: str,
        at: datetime,
        agent: str | None = None,
    ) -> None:
        self.session.add(
            Message(
                conversation_id=conversation,
                shopper_id=plan.shopper,
                sender=sender,
                agent=agent,
                text=text,
                payload={},
                created_at=at,
                routed_at=at if sender == "shopper" else None,
            )
        )
        self._count("messages")

    def order(self, plan: _Plan) -> Order:
        """The order the shopper complains about (added before the cases that refer to it)."""
        rng = self.rng
        ordered_at = plan.created_at - timedelta(days=rng.uniform(1, 8))
        order = Order(
            order_id=self.numbers.order_id(ordered_at),
            shopper_id=plan.shopper,
            product=plan.product.name,
            amount_fen=plan.product.price_yuan * 100,
            status=rng.choice(ORDER_STATUS_BY_CATEGORY[plan.problem.category]),
            ordered_at=ordered_at,
        )
        self.session.add(order)
        return order

    def case(self, index: int, plan: _Plan, order: Order) -> Case:
        rng, now = self.rng, self.now
        urgent = plan.problem.urgent
        category = plan.problem.category
        conversation = f"{PREFIX_SHOPPER}conv-{index:04d}"
        urgency = "urgent" if urgent else "normal"
        model_category = category
        if not plan.surge and rng.random() < CORRECTED_SHARE:
            model_category = rng.choice([c for c in CATEGORY_WEIGHTS if c != category])
        first_due, resolution_due = sla_deadlines(urgency, plan.created_at)
        outcome = _outcome(rng, plan, urgent, now)
        case = Case(
            case_number=self.numbers.case_number(plan.created_at),
            dedupe_key=f"{PREFIX_DEDUPE}{index:04d}",
            conversation_id=conversation,
            shopper_id=plan.shopper,
            order_id=order.order_id,
            description=plan.text,
            category=category,
            category_confidence=round(
                rng.uniform(0.45, 0.7) if model_category != category else rng.uniform(0.7, 0.98), 3
            ),
            urgency=urgency,
            urgency_score=round(rng.uniform(0.7, 0.97) if urgent else rng.uniform(0.02, 0.3), 3),
            triage_reasons=["repeated_failure"] if urgent and category == "after_sales" else [],
            status="open",
            created_at=plan.created_at,
            first_response_due=first_due,
            resolution_due=resolution_due,
        )
        self.session.add(case)
        self._count("cases")
        created = plan.created_at
        self._message(
            plan, conversation, "shopper", f"{plan.text}，订单号 {order.order_id}", created
        )
        self._message(
            plan,
            conversation,
            "bot",
            f"已为您登记投诉，工单号 {case.case_number}。",
            created + timedelta(seconds=3),
        )
        self._event(
            case,
            "bot",
            "opened",
            created,
            category=model_category,
            urgency=urgency,
            order_id=order.order_id,
        )
        self._handling(case, plan, outcome, model_category, conversation)
        return case

    def _handling(
        self, case: Case, plan: _Plan, outcome: _Outcome, model_category: str, conversation: str
    ) -> None:
        rng = self.rng
        assert outcome.agent is not None
        name, display = outcome.agent
        actor = f"agent:{name}"
        if outcome.handed_at is not None:
            reason = (
                "urgent_complaint"
                if case.urgency == "urgent"
                else rng.choice(("shopper_request", "shopper_request", "urgent_message"))
            )
            if case.urgency == "normal" and reason == "urgent_message":
                reason = "shopper_request"
            case.handed_to_human_at = outcome.handed_at
            entry = HandoffEntry(
                case=case,
                conversation_id=conversation,
                shopper_id=plan.shopper,
                priority=case.urgency,
                reason=reason,
                status="done",
                created_at=outcome.handed_at,
                claimed_by=actor if outcome.claimed_at is not None else None,
                claimed_at=outcome.claimed_at,
                done_at=outcome.resolved_at or outcome.claimed_at or outcome.handed_at,
            )
            self.session.add(entry)
            self._event(
                case,
                "bot",
                "handed_to_human",
                outcome.handed_at,
                priority=case.urgency,
                reason=reason,
            )
            if outcome.claimed_at is not None:
                self._event(case, actor, "claimed", outcome.claimed_at)
                self._message(
                    plan,
                    conversation,
                    "system",
                    f"人工客服 {display} 已接入，为您服务。",
                    outcome.claimed_at,
                )
        if outcome.first_response_at is None:
            case.status = "open"
            return
        case.first_response_at = outcome.first_response_at
        case.status = "in_progress"
        self._event(case, actor, "first_response", outcome.first_response_at)
        self._message(
            plan,
            conversation,
            "agent",
            AGENT_REPLIES[case.category],
            outcome.first_response_at,
            agent=display,
        )
        if model_category != case.category:
            self._event(
                case,
                actor,
                "triage_corrected",
                outcome.first_response_at + timedelta(seconds=40),
                category={"from": model_category, "to": case.category},
            )
            self._count("corrections")
        if outcome.resolved_at is None:
            case.status = rng.choice(("in_progress", "pending_shopper"))
            return
        resolution = rng.choice(RESOLUTIONS_BY_CATEGORY[case.category])
        case.status = "resolved"
        case.resolution = resolution
        case.resolved_at = outcome.resolved_at
        case.resolution_note = "批次问题，已换新" if plan.surge else None
        self._event(case, actor, "resolved", outcome.resolved_at, resolution=resolution)
        if outcome.handed_at is not None:
            self._message(
                plan,
                conversation,
                "system",
                f"人工客服 {display} 已结束服务。",
                outcome.resolved_at,
            )
        late = (
            outcome.first_response_at > case.first_response_due
            or outcome.resolved_at > case.resolution_due
        )
        if rng.random() < RATED_SHARE:
            rated_at = outcome.resolved_at + timedelta(minutes=rng.randrange(1, 30))
            if rated_at < self.now:
                score = _rating(rng, late)
                comment = rng.choice(RATING_COMMENTS[score]) if rng.random() < 0.4 else None
                case.rating, case.rating_comment = score, comment
                self._event(case, "shopper", "rated", rated_at, rating=score, comment=comment)
                self._message(plan, conversation, "shopper", f"{score}分", rated_at)

    def deadlines(self, case: Case) -> list[CaseDeadline]:
        """The case's two deadlines, marked warned, breached or met as the history went."""
        rows = []
        for kind, met in (
            ("first_response", case.first_response_at),
            ("resolution", case.resolved_at),
        ):
            values = deadline_values(self.policy, case.id, kind, case.urgency, case.created_at)
            deadline = CaseDeadline(**values, met_at=met)
            if as_utc(deadline.warn_at) < self.now and (met is None or met > deadline.warn_at):
                deadline.warned_at = deadline.warn_at
            if as_utc(deadline.due_at) < self.now and (met is None or met > deadline.due_at):
                deadline.breached_at = deadline.due_at
            self.session.add(deadline)
            rows.append(deadline)
        return rows

    def alerts(self, case: Case, deadline: CaseDeadline, owner: str | None, product: str) -> None:
        """The alerts the sweeper would have raised for this deadline."""
        detail = {
            "case_number": case.case_number,
            "deadline_kind": deadline.kind,
            "urgency": case.urgency,
            "category": case.category,
            "product": product,
            "owner": owner,
            "due_at": as_utc(deadline.due_at).isoformat(),
            "late_seconds": 0.0,
        }
        what = "首次响应" if deadline.kind == "first_response" else "解决"
        if deadline.warned_at is not None and deadline.warned_at != deadline.breached_at:
            self._alert(
                "sla_warning",
                f"sla_warning:deadline:{deadline.id}",
                case,
                deadline.warn_at,
                {**detail, "message_zh": f"工单 {case.case_number} 的{what}时限即将到期。"},
                [owner or "agents"],
            )
        if deadline.breached_at is None:
            return
        self._alert(
            "sla_breach",
            f"sla_breach:deadline:{deadline.id}",
            case,
            deadline.due_at,
            {**detail, "message_zh": f"工单 {case.case_number} 的{what}时限已超时。"},
            [owner or "agents", "supervisors"],
        )
        if case.urgency == "urgent":
            self._alert(
                "escalation",
                f"escalation:deadline:{deadline.id}",
                case,
                deadline.due_at,
                {
                    **detail,
                    "message_zh": f"紧急工单 {case.case_number} 的{what}时限已超时，已升级给主管。",
                },
                ["supervisors"],
            )

    def _alert(
        self,
        kind: str,
        key: str,
        case: Case,
        at: datetime,
        detail: dict[str, Any],
        audience: list[str],
    ) -> None:
        self.session.add(
            Alert(
                kind=kind,
                dedupe_key=key,
                created_at=at,
                case_id=case.id,
                product=detail.get("product"),
                category=case.category,
                audience=audience,
                detail=detail,
            )
        )
        self._count(f"alerts_{kind}")

    def followup(self, case: Case) -> None:
        if case.resolved_at is None:
            return
        due = as_utc(case.resolved_at) + FOLLOWUP_DELAY
        followup = Followup(
            case_id=case.id,
            shopper_id=case.shopper_id,
            conversation_id=case.conversation_id,
            resolved_at=case.resolved_at,
            due_at=due,
            status="scheduled",
        )
        if due < self.now - timedelta(days=2) or (due < self.now and self.rng.random() < 0.6):
            answered = due + timedelta(hours=self.rng.uniform(1, 30))
            if answered < self.now:
                solved = self.rng.random() < 0.88
                called = self.rng.random() < 0.3
                followup.status = "solved" if solved else "not_solved"
                if called and solved:
                    followup.status = "called"
                followup.asked_at = answered
                followup.answered_at = answered
                followup.answered_by = "shopper" if not called else "agent:zhang.min"
                followup.answer_text = "解决了" if solved else "没有，问题还在"
                if not solved:
                    self._event(
                        case,
                        "shopper",
                        "reopened",
                        answered,
                        **{"from": "resolved", "to": "in_progress", "followup": True},
                    )
                    again = answered + timedelta(hours=self.rng.uniform(4, 20))
                    if again < self.now:
                        case.resolved_at = again
                        self._event(
                            case, "agent:zhang.min", "resolved", again, resolution=case.resolution
                        )
                    else:
                        case.status, case.resolved_at, case.resolution = "in_progress", None, None
        self.session.add(followup)
        self._count("followups")


def _ensure_agents(session: Session, rng: random.Random) -> list[str]:
    created = []
    for name, display in AGENTS:
        if session.scalar(select(Agent.id).where(Agent.name == name)) is None:
            # No one knows this password: the demo agents exist to have handled history.
            password = "".join(rng.choice(ALPHABET) for _ in range(24))
            session.add(
                Agent(
                    name=name,
                    display_name=display,
                    password_hash=hash_password(password, salt=rng.randbytes(16)),
                    created_at=utc_now(),
                )
            )
            created.append(name)
    session.flush()
    return created


def _surge_incident(session: Session, cases: list[Case]) -> list[int]:
    if not cases:
        return []
    fourth = cases[min(3, len(cases) - 1)]
    alert = Alert(
        kind="surge",
        dedupe_key=f"{PREFIX_DEDUPE}surge:product",
        created_at=fourth.created_at + timedelta(minutes=1),
        case_id=None,
        product=SURGE_PRODUCT,
        category="quality",
        audience=["supervisors"],
        detail={
            "scope": "product",
            "product": SURGE_PRODUCT,
            "category": "quality",
            "message_zh": f"{SURGE_PRODUCT} 的投诉在 1 小时内达到 4 件，"
            "远高于平时（约每周 2 件）。",
            "count": 4,
            "expected": 0.01,
            "case_numbers": [c.case_number for c in cases[:4]],
        },
    )
    session.add(alert)
    session.flush()
    declared = alert.created_at + timedelta(minutes=25)
    closed = declared + timedelta(hours=30)
    incident = Incident(
        title="豆浆机漏水（批次问题）",
        status="closed",
        scope="product",
        scope_value=SURGE_PRODUCT,
        alert_id=alert.id,
        message_zh=SURGE_MESSAGE,
        team=["zhang.min", "li.na"],
        declared_by="agent:demo",
        declared_at=declared,
        closed_at=closed,
        summary=SURGE_SUMMARY,
        improvements=list(SURGE_IMPROVEMENTS),
    )
    session.add(incident)
    session.flush()
    for case in cases:
        session.add(
            IncidentCase(
                incident_id=incident.id, case_id=case.id, added_at=max(declared, case.created_at)
            )
        )
    timeline = [
        (declared, "declared", {"message_zh": SURGE_MESSAGE, "cases": len(cases)}),
        (declared + timedelta(minutes=5), "message_approved", {"message_zh": SURGE_MESSAGE}),
        (declared + timedelta(hours=2), "note", {"text": "已联系厂家确认为密封圈批次问题"}),
        (declared + timedelta(hours=6), "note", {"text": "问题批次已下架"}),
        (closed, "closed", {"summary": SURGE_SUMMARY, "improvements": list(SURGE_IMPROVEMENTS)}),
    ]
    for at, kind, detail in timeline:
        session.add(
            IncidentEvent(
                incident_id=incident.id, at=at, actor="agent:demo", kind=kind, detail=detail
            )
        )
    return [incident.id]


def seed_history(
    session: Session, *, days: int = 30, seed: int = DEFAULT_SEED, now: datetime | None = None
) -> dict[str, int]:
    """Add the demo history ending at ``now``; return how many rows of each kind were added."""
    if days < 1 or days > 120:
        raise ValueError("days must be between 1 and 120")
    now = as_utc(now) if now is not None else utc_now()
    rng = random.Random(seed)
    start = (
        (now - timedelta(days=days))
        .astimezone(CHINA_TZ)
        .replace(hour=0, minute=0, second=0, microsecond=0)
    )
    # The demo login comes first: it is created only while there are no agents at all.
    ensure_demo_agent(session)
    agents_created = _ensure_agents(session, rng)
    builder = _Builder(session, rng, now)
    plans = _plans(rng, start, now, days)
    orders = [builder.order(plan) for plan in plans]
    session.flush()
    built: list[tuple[_Plan, Case]] = [
        (plan, builder.case(index, plan, order))
        for index, (plan, order) in enumerate(zip(plans, orders))
    ]
    session.flush()
    for _, case in built:
        builder.followup(case)
    session.flush()
    owners = {
        case_id: claimed_by
        for case_id, claimed_by in session.execute(
            select(HandoffEntry.case_id, HandoffEntry.claimed_by).where(
                HandoffEntry.shopper_id.like(f"{PREFIX_SHOPPER}%")
            )
        )
    }
    deadlines = [(plan, case, builder.deadlines(case)) for plan, case in built]
    session.flush()
    for plan, case, rows in deadlines:
        for deadline in rows:
            builder.alerts(case, deadline, owners.get(case.id), plan.product.name)
    incidents = _surge_incident(session, [case for plan, case in built if plan.surge])
    run = DemoHistoryRun(
        seeded_at=utc_now(),
        anchor=now,
        seed=seed,
        detail={
            "agents_created": agents_created,
            "incidents": incidents,
            "counts": builder.counts,
            "removed_at": None,
        },
    )
    session.add(run)
    session.flush()
    counts = dict(builder.counts)
    counts["orders"] = counts["cases"]
    counts["shoppers"] = len({plan.shopper for plan in plans})
    counts["products"] = len({plan.product.name for plan in plans})
    return counts


def remove_history(session: Session) -> dict[str, int]:
    """Delete every row the demo history added; the runs stay, marked removed."""
    like_shopper = f"{PREFIX_SHOPPER}%"
    case_ids = select(Case.id).where(Case.dedupe_key.like(f"{PREFIX_DEDUPE}%"))
    removed: dict[str, int] = {}

    def run(name: str, statement: Any) -> None:
        result = session.execute(statement.execution_options(synchronize_session=False))
        removed[name] = cast(CursorResult[Any], result).rowcount

    runs = list(session.scalars(select(DemoHistoryRun)))
    incident_ids = [i for r in runs for i in r.detail.get("incidents", [])]
    agent_names = [a for r in runs for a in r.detail.get("agents_created", [])]
    run("incidents", delete(Incident).where(Incident.id.in_(incident_ids)))
    run(
        "alerts",
        delete(Alert).where(
            Alert.case_id.in_(case_ids) | Alert.dedupe_key.like(f"{PREFIX_DEDUPE}%")
        ),
    )
    run("followups", delete(Followup).where(Followup.case_id.in_(case_ids)))
    run("deadlines", delete(CaseDeadline).where(CaseDeadline.case_id.in_(case_ids)))
    run("incident_cases", delete(IncidentCase).where(IncidentCase.case_id.in_(case_ids)))
    run("queue", delete(HandoffEntry).where(HandoffEntry.shopper_id.like(like_shopper)))
    run("events", delete(CaseEvent).where(CaseEvent.case_id.in_(case_ids)))
    run("messages", delete(Message).where(Message.shopper_id.like(like_shopper)))
    run("cases", delete(Case).where(Case.dedupe_key.like(f"{PREFIX_DEDUPE}%")))
    run("orders", delete(Order).where(Order.shopper_id.like(like_shopper)))
    still_used = select(HandoffEntry.id).where(
        HandoffEntry.claimed_by.in_([f"agent:{a}" for a in agent_names])
    )
    if session.scalar(still_used.limit(1)) is None:
        run("agents", delete(Agent).where(Agent.name.in_(agent_names)))
    for history_run in runs:
        history_run.detail = {**history_run.detail, "removed_at": utc_now().isoformat()}
    return {name: count for name, count in removed.items() if count}


def history_counts(session: Session) -> dict[str, int]:
    """How many demo-history cases, orders and shoppers the database holds (for tests)."""
    return {
        "cases": session.scalar(
            select(func.count()).select_from(Case).where(Case.dedupe_key.like(f"{PREFIX_DEDUPE}%"))
        )
        or 0,
        "orders": session.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.shopper_id.like(f"{PREFIX_SHOPPER}%"))
        )
        or 0,
    }
