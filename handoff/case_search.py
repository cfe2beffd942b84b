"""Finding cases for the 工单 page: one search box and a few filters.

The box matches a case number (in any spelling a shopper reads out), an order number, a
shopper id or words of the complaint; filters narrow by status, category, urgency, the agent
who took the case and the Beijing date it was opened. Newest first, a page at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from handoff.case_numbers import normalize_case_number
from handoff.clock import CHINA_TZ
from handoff.models import Case, CaseEvent

PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100


@dataclass(frozen=True)
class CaseQuery:
    """What the agent typed and picked; empty fields do not filter."""

    text: str = ""
    status: str | None = None
    category: str | None = None
    urgency: str | None = None
    agent: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    page: int = 1
    page_size: int = PAGE_SIZE


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _beijing_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ)


def _filtered(query: CaseQuery) -> Select[tuple[Case]]:
    statement = select(Case)
    text = query.text.strip()
    if text:
        number = normalize_case_number(text)
        pattern = f"%{_escape_like(text)}%"
        matches: list[ColumnElement[bool]] = [
            Case.case_number.ilike(pattern, escape="\\"),
            Case.order_id.ilike(pattern, escape="\\"),
            Case.shopper_id.ilike(pattern, escape="\\"),
            Case.description.ilike(pattern, escape="\\"),
        ]
        if number is not None:
            matches.append(Case.case_number == number)
        statement = statement.where(or_(*matches))
    if query.status:
        statement = statement.where(Case.status == query.status)
    if query.category:
        statement = statement.where(Case.category == query.category)
    if query.urgency:
        statement = statement.where(Case.urgency == query.urgency)
    if query.agent:
        statement = statement.where(
            exists().where(
                CaseEvent.case_id == Case.id,
                CaseEvent.kind == "claimed",
                CaseEvent.actor == f"agent:{query.agent}",
            )
        )
    if query.opened_from:
        statement = statement.where(Case.created_at >= _beijing_midnight(query.opened_from))
    if query.opened_to:
        end = _beijing_midnight(query.opened_to + timedelta(days=1))
        statement = statement.where(Case.created_at < end)
    return statement


def search_cases(session: Session, query: CaseQuery) -> tuple[int, list[Case]]:
    """``(total matches, this page's cases)``, newest first."""
    statement = _filtered(query)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    page = max(1, query.page)
    rows = session.scalars(
        statement.order_by(Case.created_at.desc(), Case.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    )
    return total, list(rows)
