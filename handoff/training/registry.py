"""Model versions on disk and in the database, the live pointer, promote and rollback.

A triage version is a folder ``models/triage/<version>/`` (see ``triage_model.artefact``); a
Rasa version is a model file ``models/rasa/<name>.tar.gz``. The database says which version
is live for each kind (:class:`LiveModel`) and keeps every change of it
(:class:`Promotion`), so ``rollback`` can walk back and every gateway and action-server
instance can follow the pointer (:mod:`handoff.training.live_triage`). Before anything is
promoted, the live triage model is whatever ``models/triage/latest`` points at, as before.
Promoting a triage version also repoints ``latest``, so that tools reading the folder
(``python -m triage_model predict``, ``make``) agree with the running services.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.clock import UTC, utc_now
from handoff.conflicts import insert_unless_duplicate
from handoff.training.models import MODEL_KINDS, LiveModel, ModelVersion, Promotion

DEFAULT_TRIAGE_ROOT: Final = Path("models/triage")
DEFAULT_RASA_ROOT: Final = Path("models/rasa")
LATEST: Final = "latest"


class RegistryError(ValueError):
    """A refused registry action; the message is Chinese, for the page and the command line."""


def triage_root(env: Mapping[str, str] | None = None) -> Path:
    """Where the triage versions live: ``$TRIAGE_MODEL_ROOT``, else the folder holding
    ``$TRIAGE_MODEL_DIR`` (``…/models/triage/latest``), else ``models/triage``."""
    env = os.environ if env is None else env
    explicit = env.get("TRIAGE_MODEL_ROOT", "").strip()
    if explicit:
        return Path(explicit)
    model_dir = env.get("TRIAGE_MODEL_DIR", "").strip()
    if model_dir:
        return Path(model_dir).parent
    return DEFAULT_TRIAGE_ROOT


def rasa_root(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("RASA_MODEL_ROOT", "").strip() or DEFAULT_RASA_ROOT)


@dataclass(frozen=True)
class DiskVersion:
    """One model found on disk."""

    kind: str
    version: str
    path: Path
    created_at: datetime | None
    summary: dict[str, Any]


def _triage_summary(meta: dict[str, Any]) -> dict[str, Any]:
    data = meta.get("data") or {}
    category = meta.get("category") or {}
    chosen = category.get("chosen")
    cv = (category.get("cross_validation") or {}).get(chosen, {}) if chosen else {}
    urgency = meta.get("urgency") or {}
    return {
        "examples": data.get("examples"),
        "data_sha256": str(data.get("sha256", ""))[:12],
        "pipeline": chosen,
        "cv_macro_f1": cv.get("macro_f1"),
        "urgency_threshold": urgency.get("threshold"),
        "training_seconds": meta.get("training_seconds"),
    }


def triage_versions(root: Path) -> list[DiskVersion]:
    """The trained triage folders under ``root``, newest first (hidden and ``latest`` skipped)."""
    found: list[DiskVersion] = []
    if not root.is_dir():
        return found
    for folder in root.iterdir():
        if folder.name.startswith(".") or folder.name == LATEST or folder.is_symlink():
            continue
        meta_path = folder / "metadata.json"
        if not meta_path.is_file():
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        created = meta.get("created_at")
        found.append(
            DiskVersion(
                kind="triage",
                version=folder.name,
                path=folder,
                created_at=datetime.fromisoformat(created) if created else None,
                summary=_triage_summary(meta),
            )
        )
    return sorted(found, key=lambda v: v.version, reverse=True)


def rasa_versions(root: Path) -> list[DiskVersion]:
    """The Rasa model files under ``root``, newest first."""
    found: list[DiskVersion] = []
    if root.is_dir():
        for path in root.glob("*.tar.gz"):
            stat = path.stat()
            found.append(
                DiskVersion(
                    kind="rasa",
                    version=path.name[: -len(".tar.gz")],
                    path=path,
                    created_at=datetime.fromtimestamp(stat.st_mtime, UTC),
                    summary={"size_mib": round(stat.st_size / 2**20, 1)},
                )
            )
    return sorted(found, key=lambda v: (v.created_at or utc_now(), v.version), reverse=True)


def disk_versions(kind: str, root: Path) -> list[DiskVersion]:
    if kind not in MODEL_KINDS:
        raise RegistryError(f"未知的模型类型：{kind}")
    return triage_versions(root) if kind == "triage" else rasa_versions(root)


def latest_triage_version(root: Path) -> str | None:
    """What ``root/latest`` points at (the default before anything is promoted)."""
    link = root / LATEST
    try:
        return link.resolve(strict=True).name if link.exists() else None
    except OSError:
        return None


def live_version(session: Session, kind: str, root: Path) -> str | None:
    """The version every process should use: the database's pointer, else the default."""
    live = session.get(LiveModel, kind)
    if live is not None:
        return live.version
    if kind == "triage":
        return latest_triage_version(root)
    files = rasa_versions(root)
    return files[0].version if files else None


def register(
    session: Session,
    found: DiskVersion,
    *,
    status: str = "candidate",
    evaluation: dict[str, Any] | None = None,
    job_id: int | None = None,
) -> ModelVersion:
    """Record a version in the database (once; later calls update evaluation and job)."""
    insert_unless_duplicate(
        session,
        ModelVersion,
        {
            "kind": found.kind,
            "version": found.version,
            "path": str(found.path),
            "status": status,
            "registered_at": utc_now(),
            "summary": found.summary,
            "evaluation": evaluation,
            "job_id": job_id,
        },
    )
    row = session.scalars(
        select(ModelVersion).where(
            ModelVersion.kind == found.kind, ModelVersion.version == found.version
        )
    ).one()
    if evaluation is not None:
        row.evaluation = evaluation
    if job_id is not None:
        row.job_id = job_id
    session.flush()
    return row


def find_version(kind: str, version: str, root: Path) -> DiskVersion:
    for found in disk_versions(kind, root):
        if found.version == version:
            return found
    raise RegistryError(f"找不到{'分诊' if kind == 'triage' else '对话'}模型版本 {version}。")


def _repoint_latest(root: Path, version: str) -> None:
    """Point ``root/latest`` at ``version`` atomically (as ``write_artefact`` does)."""
    link_tmp = root / f".{LATEST}.promote.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(version)
    link_tmp.replace(root / LATEST)


def _set_live(
    session: Session, kind: str, version: str, *, by: str, action: str, root: Path
) -> Promotion:
    previous = live_version(session, kind, root)
    now = utc_now()
    insert_unless_duplicate(
        session,
        LiveModel,
        {"kind": kind, "version": version, "changed_at": now, "changed_by": by},
    )
    live = session.get(LiveModel, kind, populate_existing=True)
    assert live is not None
    live.version, live.changed_at, live.changed_by = version, now, by
    record = Promotion(
        kind=kind, version=version, previous_version=previous, action=action, at=now, by=by
    )
    session.add(record)
    session.flush()
    return record


def promote(
    session: Session, kind: str, version: str, *, by: str, root: Path, action: str = "promote"
) -> Promotion:
    """Make ``version`` live for ``kind``. Triage versions are checked to load first."""
    found = find_version(kind, version, root)
    if kind == "triage":
        from triage_model.artefact import check_versions, read_metadata
        from triage_model.errors import ArtefactError

        try:
            check_versions(read_metadata(found.path))
        except ArtefactError as error:
            raise RegistryError(f"这个版本无法加载：{error}") from error
    row = register(session, found, status="promoted")
    row.status = "promoted"
    record = _set_live(session, kind, version, by=by, action=action, root=root)
    if kind == "triage":
        _repoint_latest(root, version)
    return record


def rollback(session: Session, kind: str, *, by: str, root: Path) -> Promotion:
    """Go back to the version that was live before the current one was promoted."""
    current = live_version(session, kind, root)
    made_live = session.scalars(
        select(Promotion)
        .where(Promotion.kind == kind, Promotion.version == current, Promotion.action == "promote")
        .order_by(Promotion.id.desc())
        .limit(1)
    ).one_or_none()
    if made_live is None or not made_live.previous_version:
        raise RegistryError("没有更早的版本可以回滚。")
    if made_live.previous_version == current:
        raise RegistryError("上一个版本与当前版本相同，无需回滚。")
    return promote(session, kind, made_live.previous_version, by=by, root=root, action="rollback")


def discard(session: Session, kind: str, version: str, *, root: Path) -> ModelVersion:
    """Mark a candidate as not wanted (its folder stays; nothing is deleted)."""
    if live_version(session, kind, root) == version:
        raise RegistryError("正在使用的版本不能丢弃。")
    row = register(session, find_version(kind, version, root))
    row.status = "discarded"
    session.flush()
    return row


def version_rows(session: Session, kind: str, root: Path) -> list[dict[str, Any]]:
    """Every version of ``kind`` on disk, with its registry status and whether it is live."""
    live = live_version(session, kind, root)
    rows = {
        r.version: r for r in session.scalars(select(ModelVersion).where(ModelVersion.kind == kind))
    }
    out = []
    for found in disk_versions(kind, root):
        row = rows.get(found.version)
        out.append(
            {
                "kind": kind,
                "version": found.version,
                "live": found.version == live,
                "status": row.status if row else "unregistered",
                "created_at": found.created_at.isoformat() if found.created_at else None,
                "path": str(found.path),
                "summary": found.summary,
                "has_evaluation": bool(row and row.evaluation),
                "job_id": row.job_id if row else None,
            }
        )
    return out


def promotions(session: Session, kind: str, limit: int = 50) -> list[Promotion]:
    return list(
        session.scalars(
            select(Promotion)
            .where(Promotion.kind == kind)
            .order_by(Promotion.id.desc())
            .limit(limit)
        )
    )
