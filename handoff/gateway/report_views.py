"""The supervisor's JSON API for the console: reports, alerts, incidents, 回访, public report.

Thin views: each parses its query or body against a declared shape here (a bad value is a
400 with a Chinese message), then calls the domain modules in one transaction. Reports and
incidents are for supervisors (and admins); alerts and the follow-up call list are for
agents too, each agent seeing the alerts addressed to them or to all agents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.alerts.store import acknowledge, alert_dict, list_alerts
from handoff.clock import utc_now
from handoff.followups.scheduling import followup_delay
from handoff.followups.store import answer, due_followups, followup_dict
from handoff.gateway.access import json_error, request_agent, requires_role
from handoff.gateway.agent_views import json_body
from handoff.gateway.keys import GATEWAY
from handoff.gateway.service import AgentRef
from handoff.incidents.service import (
    IncidentError,
    add_note,
    close,
    declare,
    incident_dict,
    suggested_message,
    update_message,
)
from handoff.reporting.compute import MAX_DAYS, ReportRange, build_report
from handoff.supervision_models import ALERT_KINDS, Alert, Followup, Incident

API: Final = "/agent/api"
SUPERVISOR_ROLES: Final = ("supervisor", "admin")
MAX_ALERTS: Final = 200
MAX_TEXT: Final = 2000


@dataclass(frozen=True)
class ReportQuery:
    """``?days=N`` (1-366) or ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (China dates)."""

    days: int | None
    first: date | None
    last: date | None

    @classmethod
    def parse(cls, query: Any) -> ReportQuery:
        first, last = query.get("from"), query.get("to")
        if first or last:
            try:
                start, end = date.fromisoformat(first or ""), date.fromisoformat(last or "")
            except ValueError:
                raise json_error("日期格式不正确，请选择开始和结束日期。", 400) from None
            if end < start:
                raise json_error("结束日期不能早于开始日期。", 400)
            if (end - start).days + 1 > MAX_DAYS:
                raise json_error(f"一次最多查看 {MAX_DAYS} 天。", 400)
            return cls(None, start, end)
        try:
            days = int(query.get("days", "30"))
        except ValueError:
            raise json_error("天数不正确。", 400) from None
        if not 1 <= days <= MAX_DAYS:
            raise json_error(f"天数需在 1 到 {MAX_DAYS} 之间。", 400)
        return cls(days, None, None)

    def report_range(self) -> ReportRange:
        now = utc_now()
        if self.first is not None and self.last is not None:
            return ReportRange(self.first, self.last, now)
        return ReportRange.last_days(self.days or 30, now)


def _text(body: dict[str, Any], key: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise json_error("请填写完整的内容。", 400)
    return value.strip()[:limit]


def _names(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise json_error("格式不正确。", 400)
    return [v.strip()[:200] for v in value if v.strip()][:20]


def _int(raw: str, message: str = "编号不正确。") -> int:
    try:
        return int(raw)
    except ValueError:
        raise json_error(message, 400) from None


async def _db(request: web.Request, work: Any) -> Any:
    try:
        return await request.app[GATEWAY].db(work)
    except IncidentError as error:
        raise json_error(str(error), 400) from None


def _is_supervisor(agent: AgentRef) -> bool:
    return bool(agent.roles & set(SUPERVISOR_ROLES))


# ---------------------------------------------------------------------- reports


@requires_role(*SUPERVISOR_ROLES)
async def report(request: web.Request) -> web.Response:
    query = ReportQuery.parse(request.query)
    data = await _db(request, lambda s: build_report(s, query.report_range()))
    return web.json_response(data)


# ---------------------------------------------------------------------- alerts


def _alert_view(alert: Alert) -> dict[str, Any]:
    data = alert_dict(alert)
    if alert.kind == "surge":
        scope = str(alert.detail.get("scope", "product"))
        value = str(alert.detail.get(scope, ""))
        data["suggested_message_zh"] = suggested_message(scope, value)
    return data


@requires_role("agent", *SUPERVISOR_ROLES)
async def alerts(request: web.Request) -> web.Response:
    agent = request_agent(request)
    kind = request.query.get("kind") or None
    if kind is not None and kind not in ALERT_KINDS:
        raise json_error("警报类型不正确。", 400)
    mine = request.query.get("mine") == "1" or not _is_supervisor(agent)

    def work(session: Session) -> list[dict[str, Any]]:
        rows = list_alerts(session, kinds=(kind,) if kind else None, limit=None)
        if mine:
            wanted = {agent.actor, "agents"}
            rows = [a for a in rows if wanted & set(a.audience)]
        return [_alert_view(a) for a in rows[:MAX_ALERTS]]

    return web.json_response({"alerts": await _db(request, work), "now": utc_now().isoformat()})


@requires_role("agent", *SUPERVISOR_ROLES)
async def acknowledge_alert(request: web.Request) -> web.Response:
    agent = request_agent(request)
    alert_id = _int(request.match_info["alert_id"])

    def work(session: Session) -> dict[str, Any]:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise json_error("没有这条警报。", 404)
        if not _is_supervisor(agent) and not ({agent.actor, "agents"} & set(alert.audience)):
            raise json_error("这条警报不是发给您的。", 403)
        acknowledge(session, alert_id, by=agent.actor, at=utc_now())
        return _alert_view(alert)

    return web.json_response(await _db(request, work))


# ---------------------------------------------------------------------- incidents


@requires_role(*SUPERVISOR_ROLES)
async def incidents(request: web.Request) -> web.Response:
    def work(session: Session) -> list[dict[str, Any]]:
        rows = session.scalars(select(Incident).order_by(Incident.declared_at.desc())).all()
        return [incident_dict(session, i) for i in rows]

    return web.json_response({"incidents": await _db(request, work)})


@requires_role(*SUPERVISOR_ROLES)
async def declare_incident(request: web.Request) -> web.Response:
    agent = request_agent(request)
    body = await json_body(request)
    alert_id = body.get("alert_id")
    if alert_id is not None and (isinstance(alert_id, bool) or not isinstance(alert_id, int)):
        raise json_error("警报编号不正确。", 400)
    scope = body.get("scope")
    value = body.get("value")
    if alert_id is None and (not isinstance(scope, str) or not isinstance(value, str)):
        raise json_error("请选择受影响的商品或类别。", 400)
    message = _text(body, "message_zh", limit=500)
    title = _text(body, "title", required=False, limit=100)
    team = _names(body, "team")

    def work(session: Session) -> dict[str, Any]:
        incident = declare(
            session,
            by=agent.actor,
            now=utc_now(),
            message_zh=message,
            team=team,
            alert_id=alert_id,
            scope=scope if alert_id is None else None,
            value=value if alert_id is None else None,
            title=title,
        )
        session.flush()
        return incident_dict(session, incident, full=True)

    return web.json_response(await _db(request, work), status=201)


def _incident(session: Session, raw: str) -> Incident:
    incident = session.get(Incident, _int(raw))
    if incident is None:
        raise json_error("没有这个应急事件。", 404)
    return incident


@requires_role(*SUPERVISOR_ROLES)
async def show_incident(request: web.Request) -> web.Response:
    raw = request.match_info["incident_id"]
    data = await _db(request, lambda s: incident_dict(s, _incident(s, raw), full=True))
    return web.json_response(data)


@requires_role(*SUPERVISOR_ROLES)
async def incident_action(request: web.Request) -> web.Response:
    agent = request_agent(request)
    raw, action = request.match_info["incident_id"], request.match_info["action"]
    body = await json_body(request)
    if action not in ("note", "message", "close"):
        raise json_error("未知操作。", 404)
    text = _text(body, "summary" if action == "close" else "text", limit=MAX_TEXT)
    improvements = _names(body, "improvements") if action == "close" else []

    def work(session: Session) -> dict[str, Any]:
        incident = _incident(session, raw)
        now = utc_now()
        if action == "note":
            add_note(session, incident, text, by=agent.actor, now=now)
        elif action == "message":
            update_message(session, incident, text, by=agent.actor, now=now)
        else:
            close(
                session,
                incident,
                summary=text,
                improvements=improvements,
                by=agent.actor,
                now=now,
            )
        session.flush()
        return incident_dict(session, incident, full=True)

    return web.json_response(await _db(request, work))


# ---------------------------------------------------------------------- 回访


@requires_role("agent", *SUPERVISOR_ROLES)
async def followups(request: web.Request) -> web.Response:
    def work(session: Session) -> list[dict[str, Any]]:
        return [followup_dict(f) for f in due_followups(session, utc_now())]

    # The page says how long after the resolution a shopper is called back: the configured
    # delay, not a number written into the page.
    delay_seconds = followup_delay().total_seconds()
    return web.json_response(
        {"followups": await _db(request, work), "delay_seconds": delay_seconds}
    )


@requires_role("agent", *SUPERVISOR_ROLES)
async def answer_followup(request: web.Request) -> web.Response:
    agent = request_agent(request)
    followup_id = _int(request.match_info["followup_id"])
    body = await json_body(request)
    solved = body.get("solved")
    if not isinstance(solved, bool):
        raise json_error("请选择回访结果。", 400)
    note = _text(body, "note", required=False, limit=500)

    def work(session: Session) -> dict[str, Any]:
        followup = session.get(Followup, followup_id)
        if followup is None or followup.status not in ("scheduled", "asked"):
            raise json_error("这条回访已经处理过了。", 409)
        answer(
            session,
            followup,
            solved=solved,
            by=agent.actor,
            now=utc_now(),
            text=note or None,
            called=True,
        )
        session.flush()
        return followup_dict(followup)

    return web.json_response(await _db(request, work))


async def public_report(request: web.Request) -> web.Response:
    """The monthly report for the public: aggregates only, no login (the seeds ask shops to
    publish it). ``?month=YYYY-MM``, default the current month."""
    from handoff.clock import CHINA_TZ
    from handoff.reporting.public import month_range, render_public_report

    now = utc_now()
    month = request.query.get("month") or now.astimezone(CHINA_TZ).strftime("%Y-%m")
    try:
        report_range = month_range(month, now)
    except ValueError:
        return web.Response(
            text="<p>月份不正确，请使用例如 ?month=2026-11 的格式。</p>",
            content_type="text/html",
            status=400,
        )
    data = await request.app[GATEWAY].db(lambda s: build_report(s, report_range))
    return web.Response(text=render_public_report(data, month), content_type="text/html")


def routes() -> list[web.AbstractRouteDef]:
    """The supervisor's routes (before the console's page catch-all, which skips api/)."""
    return [
        web.get(f"{API}/reports", report),
        web.get(f"{API}/alerts", alerts),
        web.post(f"{API}/alerts/{{alert_id}}/ack", acknowledge_alert),
        web.get(f"{API}/incidents", incidents),
        web.post(f"{API}/incidents", declare_incident),
        web.get(f"{API}/incidents/{{incident_id}}", show_incident),
        web.post(f"{API}/incidents/{{incident_id}}/{{action}}", incident_action),
        web.get(f"{API}/followups", followups),
        web.post(f"{API}/followups/{{followup_id}}/answer", answer_followup),
        web.get("/public/report", public_report),
    ]


def add_routes(app: web.Application) -> None:
    """Register the routes on the gateway app."""
    app.add_routes(routes())
