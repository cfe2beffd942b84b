"""Raising, listing and acknowledging alerts.

An alert is raised with a ``dedupe_key`` that names the event; raising it twice (a retry, a
second gateway instance) inserts nothing the second time. ``detail`` always carries a
``message_zh`` for people and the product, category or case it is about for scripts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from handoff.clock import as_utc
from handoff.conflicts import insert_many_unless_duplicate, insert_unless_duplicate
from handoff.serialize import iso
from handoff.supervision_models import ALERT_KINDS, Alert

SUPERVISORS = "supervisors"


def alert_values(
    *,
    kind: str,
    dedupe_key: str,
    at: datetime,
    detail: dict[str, Any],
    audience: list[str],
    case_id: int | None = None,
    product: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """The column values of a new alert (the kind checked)."""
    if kind not in ALERT_KINDS:
        raise ValueError(f"unknown alert kind {kind!r}; expected one of {ALERT_KINDS}")
    return {
        "kind": kind,
        "dedupe_key": dedupe_key,
        "created_at": as_utc(at),
        "case_id": case_id,
        "product": product,
        "category": category,
        "audience": audience,
        "detail": detail,
    }


def raise_alerts(session: Session, rows: list[dict[str, Any]]) -> list[Alert]:
    """Insert many alerts (:func:`alert_values`) in one statement, skipping any whose
    dedupe key exists; the new ones, in id order."""
    ids = insert_many_unless_duplicate(session, Alert, rows)
    if not ids:
        return []
    return list(session.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id)))


def raise_alert(
    session: Session,
    *,
    kind: str,
    dedupe_key: str,
    at: datetime,
    detail: dict[str, Any],
    audience: list[str],
    case_id: int | None = None,
    product: str | None = None,
    category: str | None = None,
) -> Alert | None:
    """Insert the alert unless one with ``dedupe_key`` exists; the new row, or None."""
    values = alert_values(
        kind=kind,
        dedupe_key=dedupe_key,
        at=at,
        detail=detail,
        audience=audience,
        case_id=case_id,
        product=product,
        category=category,
    )
    if not insert_unless_duplicate(session, Alert, values):
        return None
    return session.scalars(select(Alert).where(Alert.dedupe_key == dedupe_key)).one()


def list_alerts(
    session: Session,
    *,
    since: datetime | None = None,
    kinds: tuple[str, ...] | None = None,
    audience: str | None = None,
    unacknowledged: bool = False,
    limit: int | None = None,
) -> list[Alert]:
    """Alerts, newest first, optionally narrowed.

    ``audience`` ``agent:<name>`` gives that agent's alerts; ``supervisors`` the supervisors'.
    The audience is a JSON list, so it is filtered here rather than in SQL.
    """
    statement = select(Alert).order_by(Alert.created_at.desc(), Alert.id.desc())
    if since is not None:
        statement = statement.where(Alert.created_at >= as_utc(since))
    if kinds:
        statement = statement.where(Alert.kind.in_(kinds))
    if unacknowledged:
        statement = statement.where(Alert.acknowledged_at.is_(None))
    alerts = list(session.scalars(statement))
    if audience is not None:
        alerts = [a for a in alerts if audience in a.audience]
    return alerts[:limit] if limit is not None else alerts


def acknowledge(session: Session, alert_id: int, *, by: str, at: datetime) -> Alert | None:
    """Mark an alert as seen and handled by ``by``; None if there is no such alert."""
    alert = session.get(Alert, alert_id)
    if alert is not None and alert.acknowledged_at is None:
        alert.acknowledged_at = as_utc(at)
        alert.acknowledged_by = by
    return alert


def alert_dict(alert: Alert) -> dict[str, Any]:
    """The ``alerts list --json`` line (see design.md: id, kind, created_at, detail)."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "created_at": iso(alert.created_at),
        "detail": alert.detail,
        "case_id": alert.case_id,
        "product": alert.product,
        "category": alert.category,
        "audience": list(alert.audience),
        "acknowledged_at": iso(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by,
    }


def open_surge_alerts(session: Session, since: datetime) -> list[Alert]:
    """Surge alerts since ``since`` (for the detector's cool-down and the console)."""
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.kind == "surge", Alert.created_at >= as_utc(since))
            .where(or_(Alert.product.is_not(None), Alert.category.is_not(None)))
            .order_by(Alert.created_at.desc())
        )
    )
