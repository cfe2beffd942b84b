"""Tables of the supervisor's side: deadlines, alerts, incidents, follow-ups, demo history.

They sit on the case store's ``Base`` so that one Alembic history (revision 0007) owns them.
Each domain folder (``handoff/deadlines``, ``handoff/alerts``, ``handoff/incidents``,
``handoff/followups``) works on its own tables here; the reports only read.

Everything that must happen once (one warning per deadline, one alert per event, one notice
per shopper and incident) is decided by a unique key or a conditional update in the database,
never by one process's memory, so two gateway instances on one database agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handoff.models import Base, Case

#: What a deadline is about: the first human answer, the answer to a shopper who wrote again
#: while an agent has the conversation, and the resolution.
DEADLINE_KINDS: Final = ("first_response", "next_response", "resolution")
#: ``sla_warning`` at 80% of a deadline, ``sla_breach`` when it passes, ``escalation`` when an
#: urgent case breaches (supervisors), ``surge`` when complaints about one product or category
#: spike, ``followup_failed`` when a shopper says a resolved problem is not solved.
ALERT_KINDS: Final = ("sla_warning", "sla_breach", "escalation", "surge", "followup_failed")
INCIDENT_STATUSES: Final = ("open", "closed")
INCIDENT_SCOPES: Final = ("product", "category")
#: ``scheduled`` until the shopper next opens the chat, ``asked`` once the assistant asked,
#: then ``solved`` or ``not_solved`` (which reopens the case); ``called`` when an agent phoned.
FOLLOWUP_STATUSES: Final = ("scheduled", "asked", "solved", "not_solved", "called")


class CaseDeadline(Base):
    """One service-level deadline of a case, with when it was warned about, breached, or met.

    ``warned_at`` and ``breached_at`` are set by the sweeper with a conditional update (only
    if still empty), which is what makes each alert go out exactly once.
    """

    __tablename__ = "case_deadlines"
    __table_args__ = (
        CheckConstraint(column("kind").in_(DEADLINE_KINDS), name="kind"),
        Index("uq_case_deadlines_case_kind_started", "case_id", "kind", "started_at", unique=True),
        Index("ix_case_deadlines_open_warn", "met_at", "warn_at"),
        Index("ix_case_deadlines_open_due", "met_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime]
    warn_at: Mapped[datetime]
    due_at: Mapped[datetime]
    met_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]


class Alert(Base):
    """Something a person must look at: a deadline about to pass or passed, a surge.

    ``dedupe_key`` names the event (``sla_breach:deadline:42``): a second sweeper inserting
    the same alert hits the unique index and inserts nothing. ``audience`` lists who sees it:
    ``agent:<name>`` (the case's owner) and/or ``supervisors``.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(column("kind").in_(ALERT_KINDS), name="kind"),
        Index("ix_alerts_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    product: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(16))
    audience: Mapped[list[str]]
    detail: Mapped[dict[str, Any]]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))


class Incident(Base):
    """An emergency (应急预案) declared by a supervisor, usually from a surge alert.

    ``message_zh`` is the notice the supervisor approved; the assistant tells it to every
    affected shopper who writes in while the incident is open. ``team`` lists the agents the
    affected chats are routed to with priority.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(column("status").in_(INCIDENT_STATUSES), name="status"),
        CheckConstraint(column("scope").in_(INCIDENT_SCOPES), name="scope"),
        Index("ix_incidents_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8))
    scope: Mapped[str] = mapped_column(String(16))
    scope_value: Mapped[str] = mapped_column(String(200))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    message_zh: Mapped[str] = mapped_column(Text)
    team: Mapped[list[str]]
    declared_by: Mapped[str] = mapped_column(String(80))
    declared_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)
    improvements: Mapped[list[str]]


class IncidentCase(Base):
    """A case grouped under an incident (added when declared, or when an affected shopper
    writes in later)."""

    __tablename__ = "incident_cases"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime]


class IncidentEvent(Base):
    """One line of an incident's timeline (declared, case added, shopper told, closed...)."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]]


class IncidentNotice(Base):
    """That a conversation was told an incident's message: each shopper hears it once."""

    __tablename__ = "incident_notices"
    __table_args__ = (
        Index(
            "uq_incident_notices_incident_conversation",
            "incident_id",
            "conversation_id",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(128))
    told_at: Mapped[datetime]


class Followup(Base):
    """回访: a check, some days after a resolution, that the problem is really solved."""

    __tablename__ = "followups"
    __table_args__ = (
        CheckConstraint(column("status").in_(FOLLOWUP_STATUSES), name="status"),
        Index("uq_followups_case_resolved", "case_id", "resolved_at", unique=True),
        Index("ix_followups_shopper_status", "shopper_id", "status"),
        Index("ix_followups_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    shopper_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(128))
    resolved_at: Mapped[datetime]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))
    asked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(80))
    answer_text: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(viewonly=True, lazy="joined")


class DemoHistoryRun(Base):
    """A seeding of the demo history: what was added, so that one command removes it all."""

    __tablename__ = "demo_history_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    seeded_at: Mapped[datetime]
    anchor: Mapped[datetime]
    seed: Mapped[int]
    detail: Mapped[dict[str, Any]]
