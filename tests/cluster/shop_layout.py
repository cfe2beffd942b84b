"""The shop's side of the gateway fault tests: its stored conversations, a widget through
nginx, and when a widget's screen has caught up with what is stored."""

from __future__ import annotations

import time

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handoff.chat_models import Message
from handoff.gateway.identity import sign_shopper
from tests.cluster.gateway_cluster import GATEWAY_SECRET
from tests.cluster.live_clients import ResumingWidget


def transcript(factory: sessionmaker[Session], conversation_id: str) -> list[Message]:
    """The conversation as stored, in its own order (``seq``)."""
    with factory() as session:
        query = select(Message).where(Message.conversation_id == conversation_id)
        return list(session.scalars(query.order_by(Message.seq)))


def widget_for(base_url: str, shopper: str, address: str) -> ResumingWidget:
    """``shopper``'s widget on ``base_url`` (nginx, or one gateway: a second tab that the
    load balancer happened to send elsewhere), connecting from the loopback ``address``."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))
    expires = int(time.time()) + 3 * 3600
    credentials = {
        "shopper": shopper,
        "sig": sign_shopper(GATEWAY_SECRET.encode(), shopper, expires),
    }
    ws_url = base_url.replace("http", "ws", 1) + "/ws?v=2"
    return ResumingWidget(session, ws_url, base_url, credentials)


def settled(widget: ResumingWidget, stored: list[Message], quiet: bool | None = None) -> bool:
    """Everything written is stored and routed, and the screen is the stored conversation.

    ``quiet`` is whether the outbox was empty *before* ``stored`` was read (default: now).
    While the read runs in a thread the widget goes on reading its socket, and an ack that
    arrives meanwhile empties the outbox of a message the read missed: checked afterwards, a
    stale read would look complete.
    """
    shown = [(m["seq"], m["id"]) for m in widget.screen]
    return (
        (not widget.outbox if quiet is None else quiet)
        and all(m.routed_at is not None for m in stored if m.sender == "shopper")
        and shown == [(m.seq, m.id) for m in stored]
    )
