"""The 训练 page's API: the inbox, export, retraining, comparison, promote and rollback.

Every route needs the ``trainer`` (or ``admin``) role, checked here on the server whatever
the page shows. Bodies are parsed in one place (:func:`_label`, :func:`_ids`) into the
shapes the domain functions take; a bad request gets a 400 with a Chinese message.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from functools import partial
from typing import Any, Final

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.gateway.access import json_error, request_agent, requires_role
from handoff.gateway.agent_views import json_body
from handoff.gateway.keys import GATEWAY, SETTINGS
from handoff.review.context import conversation_around
from handoff.review.export import export
from handoff.review.inbox import (
    ItemFilter,
    ReviewError,
    bulk,
    get_item,
    history,
    ignore_item,
    label_item,
    list_items,
    undo_batch,
    undo_last,
)
from handoff.review.models import ITEM_KINDS, ITEM_STATUSES, REASONS
from handoff.review.names_zh import training_vocabulary
from handoff.review.present import action_dict, item_dict
from handoff.review.vocabulary import domain_intents
from handoff.training.jobs import JobError, active_job, job_dict, queue_job, start_process
from handoff.training.models import ModelVersion, TrainingJob
from handoff.training.rasa_models import RasaLoadError, load_model, rasa_token
from handoff.training.registry import (
    RegistryError,
    discard,
    find_version,
    live_version,
    promote,
    promotions,
    rasa_root,
    rollback,
    triage_root,
    version_rows,
)
from triage_model.labels import CATEGORIES, TRIGGERS, URGENCIES

ROLES: Final = ("trainer", "admin")
API: Final = "/agent/api/training"
_BAD: Final = "请求格式不正确。"


def _query_filter(request: web.Request) -> ItemFilter:
    query = request.query

    def choice(name: str, allowed: tuple[str, ...]) -> str | None:
        value = query.get(name, "").strip()
        if not value:
            return None
        if value not in allowed:
            raise json_error(_BAD, 400)
        return value

    def date(name: str) -> datetime | None:
        value = query.get(name, "").strip()
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise json_error("日期格式不正确。", 400) from None
        if parsed.tzinfo is None:
            from handoff.clock import CHINA_TZ

            parsed = parsed.replace(tzinfo=CHINA_TZ)  # the page's dates are Beijing time
        return parsed

    status = query.get("status", "open")
    return ItemFilter(
        status=None if status == "all" else choice("status", ITEM_STATUSES),
        kind=choice("kind", ITEM_KINDS),
        reason=choice("reason", REASONS),
        predicted=choice("predicted", (*CATEGORIES, *domain_intents())),
        since=date("since"),
        until=date("until"),
    )


def _label(body: dict[str, Any]) -> dict[str, Any]:
    """``{"intent"}`` or ``{"category", "urgency", "trigger"?}``, each a known code."""
    label = body.get("label")
    if not isinstance(label, dict):
        raise json_error("请选择新的标签。", 400)
    if "intent" in label:
        intent = label["intent"]
        if not isinstance(intent, str) or intent not in domain_intents():
            raise json_error("请选择助手已有的意图。", 400)
        return {"intent": intent}
    category, urgency, trigger = label.get("category"), label.get("urgency"), label.get("trigger")
    if category not in CATEGORIES or urgency not in URGENCIES:
        raise json_error("请选择类别和紧急程度。", 400)
    if trigger not in (None, "", *TRIGGERS):
        raise json_error("紧急原因不正确。", 400)
    return {"category": category, "urgency": urgency, "trigger": trigger or None}


def _ids(body: dict[str, Any]) -> list[int]:
    raw = body.get("ids")
    if not isinstance(raw, list) or not raw or len(raw) > 500:
        raise json_error("请选择 1 到 500 条。", 400)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
        raise json_error(_BAD, 400)
    return raw


def _item_id(request: web.Request) -> int:
    try:
        return int(request.match_info["item_id"])
    except ValueError:
        raise json_error("没有这一条。", 404) from None


async def _db(request: web.Request, work: Any) -> Any:
    try:
        return await request.app[GATEWAY].db(work)
    except ReviewError as error:
        raise json_error(str(error), 400) from None
    except (RegistryError, JobError) as error:
        raise json_error(str(error), 409) from None


@requires_role(*ROLES)
async def list_view(request: web.Request) -> web.Response:
    wanted = _query_filter(request)

    def work(session: Session) -> dict[str, Any]:
        items = [item_dict(i) for i in list_items(session, wanted)]
        counts = {
            status: len(list_items(session, ItemFilter(status=status))) for status in ITEM_STATUSES
        }
        return {"items": items, "counts": counts}

    result = await _db(request, work)
    result["intents"] = list(domain_intents())
    result["vocabulary"] = training_vocabulary()
    return web.json_response(result)


@requires_role(*ROLES)
async def item_view(request: web.Request) -> web.Response:
    item_id = _item_id(request)

    def work(session: Session) -> dict[str, Any]:
        item = get_item(session, item_id)
        return {
            "item": item_dict(item),
            "history": [action_dict(a) for a in history(session, item)],
            "conversation": conversation_around(session, item),
        }

    try:
        return web.json_response(await request.app[GATEWAY].db(work))
    except ReviewError as error:
        raise json_error(str(error), 404) from None


@requires_role(*ROLES)
async def act_view(request: web.Request) -> web.Response:
    """confirm / relabel / ignore / undo on one item."""
    actor = request_agent(request).actor
    item_id = _item_id(request)
    action = request.match_info["action"]
    body = await json_body(request) if request.can_read_body else {}
    label = _label(body) if action == "relabel" else None
    if action not in ("confirm", "relabel", "ignore", "undo"):
        raise json_error("未知操作。", 404)

    def work(session: Session) -> dict[str, Any]:
        item = get_item(session, item_id)
        if action == "ignore":
            ignore_item(session, item, actor=actor)
        elif action == "undo":
            undo_last(session, item, actor=actor)
        else:
            label_item(session, item, label, actor=actor)
        return item_dict(item)

    return web.json_response(await _db(request, work))


@requires_role(*ROLES)
async def bulk_view(request: web.Request) -> web.Response:
    actor = request_agent(request).actor
    body = await json_body(request)
    action = body.get("action")
    if action not in ("confirm", "relabel", "ignore", "undo"):
        raise json_error("未知操作。", 400)
    ids = _ids(body)
    label = _label(body) if action == "relabel" else None

    def work(session: Session) -> dict[str, Any]:
        batch, done = bulk(session, ids, str(action), actor=actor, label=label)
        return {"batch": batch, "done": len(done)}

    return web.json_response(await _db(request, work))


@requires_role(*ROLES)
async def undo_batch_view(request: web.Request) -> web.Response:
    actor = request_agent(request).actor
    batch = (await json_body(request)).get("batch")
    if not isinstance(batch, str) or not batch.isalnum() or len(batch) > 32:
        raise json_error(_BAD, 400)
    done = await _db(request, lambda s: len(undo_batch(s, batch, actor=actor)))
    return web.json_response({"batch": batch, "done": done})


@requires_role(*ROLES)
async def export_view(request: web.Request) -> web.Response:
    result = await _db(request, lambda s: export(s))
    return web.json_response(result.as_dict())


def _models_state(session: Session) -> dict[str, Any]:
    root = triage_root()
    jobs = [
        job_dict(j)
        for j in session.scalars(select(TrainingJob).order_by(TrainingJob.id.desc()).limit(10))
    ]
    return {
        "triage": version_rows(session, "triage", root),
        "rasa": version_rows(session, "rasa", rasa_root()),
        "live": {
            "triage": live_version(session, "triage", root),
            "rasa": live_version(session, "rasa", rasa_root()),
        },
        "jobs": jobs,
        "active_job": job_dict(j) if (j := active_job(session)) else None,
        "promotions": [
            {
                "kind": p.kind,
                "version": p.version,
                "previous_version": p.previous_version,
                "action": p.action,
                "at": p.at.isoformat(),
                "by": p.by,
            }
            for kind in ("triage", "rasa")
            for p in promotions(session, kind, 10)
        ],
    }


@requires_role(*ROLES)
async def models_view(request: web.Request) -> web.Response:
    state = await _db(request, _models_state)
    screener: Any = request.app[GATEWAY].screener
    state["serving"] = getattr(screener, "model_version", None)  # what this process answers with
    return web.json_response(state)


@requires_role(*ROLES)
async def retrain_view(request: web.Request) -> web.Response:
    actor = request_agent(request).actor

    def work(session: Session) -> int:
        return queue_job(session, by=actor).id

    job_id = await _db(request, work)
    database_url = request.app[SETTINGS].database_url
    await asyncio.to_thread(partial(start_process, job_id, database_url=database_url))
    return web.json_response({"job_id": job_id}, status=202)


@requires_role(*ROLES)
async def job_view(request: web.Request) -> web.Response:
    try:
        job_id = int(request.match_info["job_id"])
    except ValueError:
        raise json_error("没有这个训练任务。", 404) from None
    job = await _db(request, lambda s: s.get(TrainingJob, job_id))
    if job is None:
        raise json_error("没有这个训练任务。", 404)
    return web.json_response(job_dict(job))


def _version(request: web.Request) -> str:
    version = request.match_info["version"]
    if not version or len(version) > 120 or "/" in version or version.startswith("."):
        raise json_error("没有这个版本。", 404)
    return version


@requires_role(*ROLES)
async def comparison_view(request: web.Request) -> web.Response:
    version = _version(request)

    def work(session: Session) -> dict[str, Any] | None:
        row = session.scalars(
            select(ModelVersion).where(
                ModelVersion.kind == "triage", ModelVersion.version == version
            )
        ).one_or_none()
        return row.evaluation if row is not None else None

    evaluation = await _db(request, work)
    if evaluation is None:
        raise json_error("这个版本还没有比较结果。", 404)
    return web.json_response(evaluation)


async def _load_rasa(request: web.Request, version: str) -> None:
    path = find_version("rasa", version, rasa_root()).path
    settings = request.app[SETTINGS]
    token = settings.rasa_token or rasa_token(os.environ)
    try:
        await asyncio.to_thread(load_model, settings.rasa_url, path, token=token)
    except RasaLoadError as error:
        raise json_error(f"版本已设为上线，但 {error}", 502) from None


@requires_role(*ROLES)
async def promote_view(request: web.Request) -> web.Response:
    actor = request_agent(request).actor
    kind = request.match_info["kind"]
    version = _version(request)
    if kind not in ("triage", "rasa"):
        raise json_error("没有这种模型。", 404)
    root = triage_root() if kind == "triage" else rasa_root()
    await _db(request, lambda s: promote(s, kind, version, by=actor, root=root))
    if kind == "rasa":
        await _load_rasa(request, version)
    return web.json_response({"kind": kind, "live": version})


@requires_role(*ROLES)
async def rollback_view(request: web.Request) -> web.Response:
    actor = request_agent(request).actor
    kind = request.match_info["kind"]
    if kind not in ("triage", "rasa"):
        raise json_error("没有这种模型。", 404)
    root = triage_root() if kind == "triage" else rasa_root()
    record = await _db(request, lambda s: rollback(s, kind, by=actor, root=root))
    if kind == "rasa":
        await _load_rasa(request, record.version)
    return web.json_response({"kind": kind, "live": record.version})


@requires_role(*ROLES)
async def discard_view(request: web.Request) -> web.Response:
    version = _version(request)
    await _db(request, lambda s: discard(s, "triage", version, root=triage_root()))
    return web.json_response({"discarded": version})


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get(f"{API}/items", list_view),
        web.get(f"{API}/items/{{item_id}}", item_view),
        web.post(f"{API}/items/{{item_id}}/{{action}}", act_view),
        web.post(f"{API}/bulk", bulk_view),
        web.post(f"{API}/undo-batch", undo_batch_view),
        web.post(f"{API}/export", export_view),
        web.get(f"{API}/models", models_view),
        web.post(f"{API}/retrain", retrain_view),
        web.get(f"{API}/jobs/{{job_id}}", job_view),
        web.get(f"{API}/models/triage/{{version}}/comparison", comparison_view),
        web.post(f"{API}/models/{{kind}}/{{version}}/promote", promote_view),
        web.post(f"{API}/models/triage/{{version}}/discard", discard_view),
        web.post(f"{API}/models/{{kind}}/rollback", rollback_view),
    ]
