"""What the widget tells the shopper about who is answering, read from the database.

A shopper must never read "人工客服服务中" while the chat only waits in the queue with nobody
online. So the gateway derives an honest state from the queue, the agents' presence
(``handoff.presence``: the database, or Redis in a cluster) and the recent claims, every time
it is asked (several gateway instances may serve one shop):

- ``bot``: the assistant answers;
- ``queued``: waiting for an agent who is online; the number of conversations ahead and, when
  the recent claims allow an estimate, the expected wait;
- ``offline``: waiting, but no agent is online: the shopper can leave a message (留言) and
  is told the deadline by which the shop answers (the case's, or the queue's SLA);
- ``agent``: an agent has the conversation, with the agent's display name.

The frame carries the data and a ready Chinese line (``text``), so a widget need not know
the wording.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff import agents as agent_store
from handoff.clock import as_utc, format_zh, utc_now
from handoff.models import HandoffEntry
from handoff.presence import IN_DATABASE, OnlineAgents
from handoff.queue import active_entry, waiting_entries
from handoff.serialize import iso
from handoff.sla import SLA_POLICIES

#: Claims older than this say nothing about today's staffing.
WAIT_HISTORY: Final = timedelta(days=7)
#: How many recent claims the expected wait is taken from.
WAIT_SAMPLE: Final = 50


@dataclass(frozen=True)
class ShopperState:
    """One state of the widget's status line."""

    state: str
    text: str
    ahead: int | None = None
    agent: str | None = None
    expected_wait_minutes: int | None = None
    reply_by: datetime | None = None

    def frame(self) -> dict[str, Any]:
        """The ``state`` frame of the widget protocol."""
        return {
            "type": "state",
            "state": self.state,
            "text": self.text,
            "ahead": self.ahead,
            "agent": self.agent,
            "expected_wait_minutes": self.expected_wait_minutes,
            "reply_by": iso(self.reply_by) if self.reply_by is not None else None,
        }


BOT_STATE: Final = ShopperState(state="bot", text="智能客服小助手")


def typical_claim_wait(session: Session, *, now: datetime) -> timedelta | None:
    """The median time from queueing to an agent's claim over the recent claims, if any."""
    rows = session.execute(
        select(HandoffEntry.created_at, HandoffEntry.claimed_at)
        .where(
            HandoffEntry.claimed_at.is_not(None),
            HandoffEntry.claimed_at >= now - WAIT_HISTORY,
        )
        .order_by(HandoffEntry.claimed_at.desc())
        .limit(WAIT_SAMPLE)
    ).all()
    waits = [
        (as_utc(claimed) - as_utc(created)).total_seconds()
        for created, claimed in rows
        if claimed is not None
    ]
    if not waits:
        return None
    return timedelta(seconds=max(0.0, median(waits)))


def expected_wait_minutes(typical: timedelta | None, ahead: int, online: int) -> int | None:
    """Whole minutes (at least one) until an agent is likely to take the conversation.

    Each online agent works through the conversations ahead in turn, each taking about the
    typical time from queueing to claim; no history, no estimate (we do not invent one).
    """
    if typical is None or online <= 0:
        return None
    seconds = typical.total_seconds() * (ahead + 1) / online
    return max(1, math.ceil(seconds / 60))


def reply_deadline(entry: HandoffEntry) -> datetime:
    """By when the shop promised a first answer: the case's deadline, else the queue's SLA."""
    if entry.case is not None:
        return as_utc(entry.case.first_response_due)
    return as_utc(entry.created_at) + SLA_POLICIES[entry.priority].first_response


def shopper_state(
    session: Session,
    conversation_id: str,
    *,
    now: datetime | None = None,
    online: OnlineAgents = IN_DATABASE,
) -> ShopperState:
    """The conversation's state for the widget, from the queue and the agents' presence
    (``online``: read beforehand from Redis, or the database column, see handoff.presence)."""
    at = as_utc(now) if now is not None else utc_now()
    entry = active_entry(session, conversation_id)
    if entry is None:
        return BOT_STATE
    if entry.status == "claimed":
        name = (entry.claimed_by or "").removeprefix("agent:")
        agent = agent_store.find_agent(session, name) if name else None
        display = agent.display_name if agent is not None else "人工客服"
        return ShopperState(state="agent", text=f"客服 {display} 已接入", agent=display)
    due = reply_deadline(entry)
    agents_online = len(online.names(session, now=at))
    if agents_online == 0:
        return ShopperState(
            state="offline",
            text=f"客服暂时不在线，您可以留言，我们会在 {format_zh(due)} 前回复",
            reply_by=due,
        )
    order = [e.id for e in waiting_entries(session)]
    ahead = order.index(entry.id) if entry.id in order else 0
    minutes = expected_wait_minutes(typical_claim_wait(session, now=at), ahead, agents_online)
    text = f"排队中，前面还有 {ahead} 位" if ahead else "排队中，您是下一位"
    if minutes is not None:
        text += f"，预计等待约 {minutes} 分钟"
    return ShopperState(
        state="queued", text=text, ahead=ahead, expected_wait_minutes=minutes, reply_by=due
    )


def waiting_notice(state: ShopperState) -> str | None:
    """The transcript line after the conversation is queued: who will answer, and when."""
    if state.state == "queued":
        wait = (
            f"预计等待约 {state.expected_wait_minutes} 分钟"
            if state.expected_wait_minutes is not None
            else "客服接入后会第一时间回复您"
        )
        ahead = f"前面还有 {state.ahead} 位" if state.ahead else "您是下一位"
        return f"已为您排队等待人工客服，{ahead}，{wait}。客服接入后会看到之前的全部对话。"
    if state.state == "offline" and state.reply_by is not None:
        return (
            "现在没有人工客服在线。您的问题已经记录，不会丢失，您可以继续留言，"
            f"客服会在 {format_zh(state.reply_by)} 前回复您。"
        )
    return None


def urgent_wait_update(state: ShopperState) -> str:
    """What changed for a chat that was already queued when it became urgent: the new wait.

    The shopper already read the queue notice once; the urgent line says only what is new
    (the earlier answer, or the better place in the line) instead of repeating it.
    """
    if state.state == "queued":
        ahead = f"前面还有 {state.ahead} 位" if state.ahead else "您是下一位"
        wait = (
            f"，预计等待约 {state.expected_wait_minutes} 分钟"
            if state.expected_wait_minutes is not None
            else ""
        )
        return f"您现在{ahead}{wait}。"
    if state.state == "offline" and state.reply_by is not None:
        return f"客服会在 {format_zh(state.reply_by)} 前回复您。"
    return ""
