"""The agents' queue as the console shows it: cards with who, why, how long, and what.

Each card carries the complaint (not the last message), the category and urgency in
Chinese with the urgency's reasons (人身安全·冒烟, 外部投诉·12315), the waiting time's start and
the first-response deadline. The console pins the viewer's own chats above the waiting list
and counts both sections; the order of the waiting list is :func:`waiting_entries`' order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff import agents as agent_store
from handoff.clock import utc_now
from handoff.console_present import agent_names, complaint_text, shopper_label
from handoff.models import HandoffEntry
from handoff.presence import IN_DATABASE, OnlineAgents
from handoff.queue import waiting_entries
from handoff.serialize import iso
from handoff.sla import SLA_POLICIES
from handoff.vocabulary_zh import name_zh, reasons_zh


def queue_card(session: Session, entry: HandoffEntry, names: Mapping[str, str]) -> dict[str, Any]:
    """One queue entry as a card."""
    case = entry.case
    claimed_by = (entry.claimed_by or "").removeprefix("agent:") or None
    # The deadline that matters now: the first reply until there is one, then the resolution.
    if case is None:
        start, due = (
            entry.created_at,
            entry.created_at + SLA_POLICIES[entry.priority].first_response,
        )
        deadline_zh = "首次回复"
    elif case.first_response_at is None:
        start, due, deadline_zh = case.created_at, case.first_response_due, "首次回复"
    else:
        start, due, deadline_zh = case.created_at, case.resolution_due, "解决期限"
    return {
        "entry_id": entry.id,
        "conversation_id": entry.conversation_id,
        "shopper_id": entry.shopper_id,
        "shopper_zh": shopper_label(entry.shopper_id),
        "priority": entry.priority,
        "priority_zh": name_zh("priority", entry.priority),
        "queue_reason_zh": name_zh("queue_reason", entry.reason, "转人工"),
        "reasons_zh": reasons_zh(list(case.triage_reasons)) if case is not None else [],
        "status": entry.status,
        "claimed_by": claimed_by,
        "claimed_by_zh": names.get(claimed_by, claimed_by) if claimed_by else None,
        "created_at": iso(entry.created_at),
        "claimed_at": iso(entry.claimed_at),
        "due": iso(due),
        "deadline_start": iso(start),
        "deadline_zh": deadline_zh,
        "case_number": case.case_number if case is not None else None,
        "category": case.category if case is not None else None,
        "category_zh": name_zh("category", case.category) if case is not None else None,
        "complaint": complaint_text(session, entry.conversation_id, case)[:160],
    }


def console_queue(session: Session, online: OnlineAgents = IN_DATABASE) -> dict[str, Any]:
    """Waiting cards in working order, claimed cards oldest claim first, and who is online
    (``online``: see handoff.presence)."""
    names = agent_names(session)
    waiting = [queue_card(session, e, names) for e in waiting_entries(session)]
    claimed = [
        queue_card(session, e, names)
        for e in session.scalars(
            select(HandoffEntry)
            .where(HandoffEntry.status == "claimed")
            .order_by(HandoffEntry.claimed_at, HandoffEntry.id)
        )
    ]
    present = online.names(session)
    agents = [
        {"name": a.name, "display_name": a.display_name, "online": a.name in present}
        for a in agent_store.all_agents(session)
    ]
    return {"waiting": waiting, "claimed": claimed, "agents": agents, "now": iso(utc_now())}
