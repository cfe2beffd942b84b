"""Tables of the model registry: versions, the live pointer, promotions, retraining jobs.

The live pointer is in the database, not in a file or a process, because several gateway and
action-server instances must agree on which triage model answers (each polls it and reloads).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import CheckConstraint, Index, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base

MODEL_KINDS: Final = ("triage", "rasa")
VERSION_STATUSES: Final = ("candidate", "promoted", "discarded")
JOB_STATUSES: Final = ("queued", "running", "succeeded", "failed")
PROMOTION_ACTIONS: Final = ("promote", "rollback")


class ModelVersion(Base):
    """One trained model known to the registry, with its metadata and its comparison."""

    __tablename__ = "model_versions"
    __table_args__ = (
        CheckConstraint(column("kind").in_(MODEL_KINDS), name="kind"),
        CheckConstraint(column("status").in_(VERSION_STATUSES), name="status"),
        Index("uq_model_versions_kind_version", "kind", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    registered_at: Mapped[datetime]
    summary: Mapped[dict[str, Any]]
    evaluation: Mapped[dict[str, Any] | None]
    job_id: Mapped[int | None]


class LiveModel(Base):
    """Which version of a kind of model every running process should use."""

    __tablename__ = "model_live"
    __table_args__ = (CheckConstraint(column("kind").in_(MODEL_KINDS), name="kind"),)

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    version: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(80))


class Promotion(Base):
    """The history of the live pointer: what ``rollback`` walks back along."""

    __tablename__ = "model_promotions"
    __table_args__ = (
        CheckConstraint(column("kind").in_(MODEL_KINDS), name="kind"),
        CheckConstraint(column("action").in_(PROMOTION_ACTIONS), name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(120))
    previous_version: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(80))


class TrainingJob(Base):
    """A retraining run in a background process; ``progress`` goes from 0 to 1."""

    __tablename__ = "training_jobs"
    __table_args__ = (
        CheckConstraint(column("status").in_(JOB_STATUSES), name="status"),
        CheckConstraint(column("progress").between(0, 1), name="progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    progress: Mapped[float]
    step: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    candidate_version: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(Text)
