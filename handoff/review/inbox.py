"""Working the inbox: listing, confirming, relabelling, ignoring, undoing, in bulk too.

Every action writes a :class:`ReviewAction` with who, when, and the item's state before and
after, so that any decision can be traced and undone. Functions take a ``Session`` and leave
the commit to the caller; :class:`ReviewError` carries a Chinese message for the page and the
command line.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.clock import as_utc, utc_now
from handoff.review.models import ITEM_KINDS, ITEM_STATUSES, REASONS, ReviewAction, ReviewItem
from handoff.review.vocabulary import CATEGORIES, TRIGGERS, URGENCIES, domain_intents

MAX_LIST: Final = 500
MAX_BULK: Final = 500


class ReviewError(ValueError):
    """A refused inbox action; the message is Chinese, for whoever asked."""


@dataclass(frozen=True)
class ItemFilter:
    """What the inbox page and ``review list`` narrow the items to."""

    status: str | None = "open"
    kind: str | None = None
    reason: str | None = None
    predicted: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = MAX_LIST

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in ITEM_STATUSES:
            raise ReviewError(f"未知的状态：{self.status}")
        if self.kind is not None and self.kind not in ITEM_KINDS:
            raise ReviewError(f"未知的类型：{self.kind}")
        if self.reason is not None and self.reason not in REASONS:
            raise ReviewError(f"未知的原因：{self.reason}")


def _predicted_label(item: ReviewItem) -> str | None:
    key = "intent" if item.kind == "intent" else "category"
    value = (item.predicted or {}).get(key)
    return value if isinstance(value, str) else None


def list_items(session: Session, wanted: ItemFilter | None = None) -> list[ReviewItem]:
    """Items sorted by count × uncertainty (the most frequent doubts first), then newest."""
    wanted = wanted or ItemFilter()
    statement = select(ReviewItem)
    if wanted.status is not None:
        statement = statement.where(ReviewItem.status == wanted.status)
    if wanted.kind is not None:
        statement = statement.where(ReviewItem.kind == wanted.kind)
    if wanted.since is not None:
        statement = statement.where(ReviewItem.last_seen_at >= as_utc(wanted.since))
    if wanted.until is not None:
        statement = statement.where(ReviewItem.last_seen_at < as_utc(wanted.until))
    statement = statement.order_by(
        (ReviewItem.count * ReviewItem.uncertainty).desc(),
        ReviewItem.last_seen_at.desc(),
        ReviewItem.id.desc(),
    )
    items = list(session.scalars(statement))
    if wanted.reason is not None:
        items = [i for i in items if wanted.reason in (i.reasons or [i.reason])]
    if wanted.predicted is not None:
        items = [i for i in items if _predicted_label(i) == wanted.predicted]
    return items[: max(1, min(wanted.limit, MAX_LIST))]


def get_item(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ReviewError(f"没有编号为 {item_id} 的待审条目。")
    return item


def state_of(item: ReviewItem) -> dict[str, Any]:
    """The part of an item an action changes (what ``before`` and ``after`` record)."""
    return {
        "status": item.status,
        "label": dict(item.label) if item.label else None,
        "labelled_by": item.labelled_by,
        "labelled_at": item.labelled_at.isoformat() if item.labelled_at else None,
    }


def _restore(item: ReviewItem, state: dict[str, Any]) -> None:
    item.status = state["status"]
    item.label = state["label"]
    item.labelled_by = state["labelled_by"]
    at = state.get("labelled_at")
    item.labelled_at = datetime.fromisoformat(at) if at else None


def validate_label(item: ReviewItem, label: dict[str, Any]) -> dict[str, Any]:
    """The label in its stored shape, or :class:`ReviewError` saying what is wrong.

    Intent items need an intent of the domain; triage items a category and an urgency, and
    an urgent one the trigger (the training data says why a message is urgent). An urgent
    label without a trigger takes the one the model or the agent named, if any.
    """
    if item.kind == "intent":
        intent = label.get("intent")
        if intent not in domain_intents():
            raise ReviewError(f"意图“{intent}”不在助手的意图列表里。")
        return {"intent": intent}
    category, urgency = label.get("category"), label.get("urgency")
    if category not in CATEGORIES:
        raise ReviewError(f"未知的类别：{category}")
    if urgency not in URGENCIES:
        raise ReviewError(f"未知的紧急程度：{urgency}")
    trigger = label.get("trigger")
    if urgency == "urgent":
        trigger = (
            trigger
            or (item.suggested or {}).get("trigger")
            or (item.predicted or {}).get("trigger")
        )
        if trigger not in TRIGGERS:
            raise ReviewError("标为紧急时请选择紧急原因（人身安全、外部投诉、欺诈……）。")
    else:
        trigger = None
    return {"category": category, "urgency": urgency, "trigger": trigger}


def _act(
    session: Session,
    item: ReviewItem,
    action: str,
    *,
    actor: str,
    batch: str | None,
    now: datetime | None,
    change: dict[str, Any],
) -> ReviewAction:
    at = as_utc(now) if now is not None else utc_now()
    before = state_of(item)
    _restore(item, {**before, **change, "labelled_by": actor, "labelled_at": at.isoformat()})
    record = ReviewAction(
        item_id=item.id,
        action=action,
        batch=batch,
        actor=actor,
        at=at,
        before=before,
        after=state_of(item),
    )
    session.add(record)
    session.flush()
    return record


def confirm_label(item: ReviewItem) -> dict[str, Any]:
    """What "confirm" accepts: the agent's correction if there is one, else the prediction."""
    if item.suggested:
        return dict(item.suggested)
    return dict(item.predicted or {})


def label_item(
    session: Session,
    item: ReviewItem,
    label: dict[str, Any] | None,
    *,
    actor: str,
    batch: str | None = None,
    now: datetime | None = None,
) -> ReviewAction:
    """Label an item: ``None`` confirms (suggestion or prediction), a dict relabels."""
    action = "confirm" if label is None else "relabel"
    checked = validate_label(item, confirm_label(item) if label is None else label)
    if label is not None and checked == validate_label_quietly(item, confirm_label(item)):
        action = "confirm"  # choosing exactly what was proposed is a confirmation
    return _act(
        session,
        item,
        action,
        actor=actor,
        batch=batch,
        now=now,
        change={"status": "labelled", "label": checked},
    )


def validate_label_quietly(item: ReviewItem, label: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return validate_label(item, label)
    except ReviewError:
        return None


def ignore_item(
    session: Session,
    item: ReviewItem,
    *,
    actor: str,
    batch: str | None = None,
    now: datetime | None = None,
) -> ReviewAction:
    """Not a real message (a test, a paste, gibberish): kept out of every export."""
    return _act(
        session,
        item,
        "ignore",
        actor=actor,
        batch=batch,
        now=now,
        change={"status": "ignored", "label": None},
    )


def undo_last(
    session: Session, item: ReviewItem, *, actor: str, now: datetime | None = None
) -> ReviewAction:
    """Revert the item's latest action that is not undone yet (an undo is itself recorded)."""
    last = session.scalars(
        select(ReviewAction)
        .where(
            ReviewAction.item_id == item.id,
            ReviewAction.action != "undo",
            ReviewAction.undone_at.is_(None),
        )
        .order_by(ReviewAction.id.desc())
        .limit(1)
    ).one_or_none()
    if last is None:
        raise ReviewError("这一条没有可以撤销的操作。")
    at = as_utc(now) if now is not None else utc_now()
    before = state_of(item)
    _restore(item, last.before)
    last.undone_at = at
    record = ReviewAction(
        item_id=item.id,
        action="undo",
        batch=last.batch,
        actor=actor,
        at=at,
        before=before,
        after=state_of(item),
    )
    session.add(record)
    session.flush()
    return record


def undo_batch(
    session: Session, batch: str, *, actor: str, now: datetime | None = None
) -> list[ReviewAction]:
    """Undo every action of one bulk operation."""
    ids = sorted(
        set(
            session.scalars(
                select(ReviewAction.item_id).where(
                    ReviewAction.batch == batch,
                    ReviewAction.action != "undo",
                    ReviewAction.undone_at.is_(None),
                )
            )
        )
    )
    if not ids:
        raise ReviewError("这批操作已经撤销，或者不存在。")
    return [undo_last(session, get_item(session, i), actor=actor, now=now) for i in ids]


def new_batch() -> str:
    return secrets.token_hex(8)


def bulk(
    session: Session,
    item_ids: Sequence[int],
    action: str,
    *,
    actor: str,
    label: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[str, list[ReviewAction]]:
    """One action on many items, all or nothing (the caller's transaction rolls back on error).

    ``action`` is ``confirm``, ``relabel`` (with ``label``), ``ignore`` or ``undo``.
    """
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    if not ids:
        raise ReviewError("请先选择条目。")
    if len(ids) > MAX_BULK:
        raise ReviewError(f"一次最多处理 {MAX_BULK} 条。")
    if action == "relabel" and not label:
        raise ReviewError("批量改标需要指定新标签。")
    batch = new_batch()
    done = []
    for item_id in ids:
        item = get_item(session, item_id)
        if action == "confirm":
            done.append(label_item(session, item, None, actor=actor, batch=batch, now=now))
        elif action == "relabel":
            done.append(label_item(session, item, label, actor=actor, batch=batch, now=now))
        elif action == "ignore":
            done.append(ignore_item(session, item, actor=actor, batch=batch, now=now))
        elif action == "undo":
            done.append(undo_last(session, item, actor=actor, now=now))
        else:
            raise ReviewError(f"未知操作：{action}")
    return batch, done


def history(session: Session, item: ReviewItem) -> list[ReviewAction]:
    """The item's audit trail, oldest first."""
    return list(
        session.scalars(
            select(ReviewAction).where(ReviewAction.item_id == item.id).order_by(ReviewAction.id)
        )
    )
