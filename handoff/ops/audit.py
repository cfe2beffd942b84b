"""Writing and reading the audit log; deliberately nothing that changes or removes a row.

Every act on personal data that the law asks a shop to account for lands here: an agent
opening a case or a transcript, an export leaving the database, an erasure, a purge. Rows are
inserted by the same transaction as the act where there is one (erase, purge), so a rolled
back act leaves no claim that it happened. Reading is :func:`entries`.

A shopper id is never written in clear: an erasure's subject is a keyed hash of it
(:func:`shopper_subject`), so the log proves the erasure to anyone who knows the id and the
gateway's secret, without keeping the identifier it erased.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.clock import as_utc, utc_now
from handoff.ops.audit_models import AUDIT_ACTIONS, AuditEntry
from handoff.serialize import iso


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one row (flushed, so its id is known); the caller's transaction commits it."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {AUDIT_ACTIONS}")
    entry = AuditEntry(
        at=as_utc(at) if at is not None else utc_now(),
        actor=actor[:80],
        action=action,
        subject=subject[:200],
        detail=dict(detail or {}),
    )
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session,
    *,
    action: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Rows oldest first, optionally one action only, from ``since``, the newest ``limit``."""
    statement = select(AuditEntry)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    if since is not None:
        statement = statement.where(AuditEntry.at >= as_utc(since))
    if limit is not None:
        newest = statement.order_by(AuditEntry.id.desc()).limit(limit)
        return sorted(session.scalars(newest), key=lambda entry: entry.id)
    return list(session.scalars(statement.order_by(AuditEntry.id)))


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    """One row for ``audit list --json``."""
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "detail": entry.detail,
    }


def shopper_subject(secret: bytes, shopper_id: str) -> str:
    """``shopper:<HMAC-SHA256(secret, id), 32 hex>``: checkable, but not the id itself."""
    digest = hmac.new(secret, f"audit:shopper:{shopper_id}".encode(), hashlib.sha256)
    return f"shopper:{digest.hexdigest()[:32]}"


def cli_actor() -> str:
    """``cli:<login name>`` for commands run by an operator."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "cli:unknown"
