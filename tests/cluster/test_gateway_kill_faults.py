"""Issue 14's fault test 2: one gateway killed with SIGKILL every minute while shoppers chat.

The layout of ``make run-cluster``: nginx from Debian (``scripts/cluster/nginx.conf.template``)
before two real gateway processes, which reach the two real Rasa servers through nginx as
well; one PostgreSQL, one Redis. Each shopper's widget (``ResumingWidget``: the resume
protocol of ``handoff/static/widget.js``) connects through nginx from a loopback address of
its own (nginx forwards it, the gateways count rate limits per address) and writes a message
every few seconds. Every ``CLUSTER_KILL_EVERY`` seconds one gateway, in turn, is killed with
SIGKILL and started again; its widgets lose their sockets and come back through nginx, on
the gateway that survived.

What counts, precisely. A message is *written* when the shopper sends it: from then on it is
in the widget's outbox, goes out on the socket open at that moment (if any), and again right
after the ``hello`` of every new socket until an ``ack`` or its stored copy (same
``client_id``) takes it out: exactly the real widget's rule, so "sent" is every message
written, acknowledged or not when its socket died. It is *delivered* when it is stored (one
row per ``client_id``) and shown on its shopper's screen. A *duplicate shown* is a message
on a screen twice: the same ``seq`` twice, or one ``client_id`` under two numbers. Passing
means: every message written is delivered, 0 duplicates shown, no message refused, each
screen ends as its stored conversation (every message, either side, once, in order), every
shopper message was answered or handed on (routed), and every socket the kills cut resumed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import statistics
import time
import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff.gateway.identity import Identity
from tests.cluster.gateway_cluster import (
    GatewayProcess,
    Nginx,
)
from tests.cluster.live_clients import ResumingWidget
from tests.cluster.shop_layout import settled, transcript, widget_for

pytestmark = pytest.mark.slow

#: The run: how many kills, how far apart (the issue: every 60 s), how many shoppers, and how
#: often each writes. The defaults (one kill of each gateway) take about three minutes;
#: CLUSTER_KILLS=10 runs longer.
KILLS = int(os.environ.get("CLUSTER_KILLS", "2"))
KILL_EVERY = float(os.environ.get("CLUSTER_KILL_EVERY", "60"))
SHOPPERS = int(os.environ.get("CLUSTER_KILL_SHOPPERS", "20"))
WRITE_EVERY = 3.0  # seconds, ±20% (the per-shopper limit is 20 messages in 20 s)
#: After the last message: how long storing, answering and showing everything may take.
SETTLE_SECONDS = 240.0
#: A cut socket must be showing messages again within this (nginx moves it to the survivor).
RESUME_BOUND = 30.0
log = logging.getLogger(__name__)


def test_killing_a_gateway_every_minute_loses_and_repeats_nothing(
    layout: tuple[Nginx, list[GatewayProcess]],
    shop_database: tuple[str, sessionmaker[Session]],
) -> None:
    nginx, gateways = layout
    _, factory = shop_database
    run = uuid.uuid4().hex[:6]
    shoppers = [f"steady-{run}-{n}" for n in range(SHOPPERS)]
    conversations = [Identity(shopper_id=s, anonymous=False).conversation_id for s in shoppers]
    kills: list[dict[str, Any]] = []

    async def scenario() -> list[ResumingWidget]:
        loop = asyncio.get_running_loop()
        widgets = [
            widget_for(nginx.url, shopper, f"127.0.{1 + n // 200}.{2 + n % 200}").start()
            for n, shopper in enumerate(shoppers)
        ]
        await asyncio.wait_for(asyncio.gather(*(w.shown_once.wait() for w in widgets)), 120)
        started = time.monotonic()
        end = started + KILLS * KILL_EVERY

        async def shopper(widget: ResumingWidget) -> None:
            await asyncio.sleep(random.uniform(0, WRITE_EVERY))
            number = 0
            while time.monotonic() < end:
                await widget.say(f"你好，这是第{number}条消息")
                number += 1
                await asyncio.sleep(WRITE_EVERY * random.uniform(0.8, 1.2))

        async def killer() -> None:
            for number in range(KILLS):
                await asyncio.sleep(
                    max(0.0, started + (number + 0.5) * KILL_EVERY - time.monotonic())
                )
                victim = gateways[number % len(gateways)]
                before = sum(w.deaths for w in widgets)
                killed_at = time.monotonic()
                victim.kill()
                await loop.run_in_executor(None, victim.start)
                kills.append(
                    {
                        "gateway": number % len(gateways),
                        "at": killed_at - started,
                        "restart_seconds": time.monotonic() - killed_at,
                        "sockets_cut": sum(w.deaths for w in widgets) - before,
                    }
                )

        await asyncio.gather(killer(), *(shopper(w) for w in widgets))
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            quiet = [not w.outbox for w in widgets]
            stored = await loop.run_in_executor(
                None, lambda: [transcript(factory, c) for c in conversations]
            )
            if all(settled(w, s, q) for w, s, q in zip(widgets, stored, quiet)):
                break
            await asyncio.sleep(1.0)
        for widget in widgets:
            await widget.stop()
            await widget.session.close()
        return widgets

    widgets = asyncio.run(scenario())

    stored = {c: transcript(factory, c) for c in conversations}
    resumes = [seconds for w in widgets for seconds in w.resumes]
    duplicates = delivered = stored_twice = 0
    for widget, conversation in zip(widgets, conversations):
        by_client = Counter(m.client_id for m in stored[conversation] if m.client_id)
        on_screen = Counter(m.get("client_id") for m in widget.screen if m.get("client_id"))
        seqs = Counter(m["seq"] for m in widget.screen)
        duplicates += sum(n - 1 for n in [*seqs.values(), *on_screen.values()] if n > 1)
        stored_twice += sum(n - 1 for n in by_client.values() if n > 1)
        delivered += sum(1 for c in widget.written if by_client[c] == 1 and on_screen[c] == 1)
    figures = {
        "shoppers": SHOPPERS,
        "kills": len(kills),
        "written": sum(len(w.written) for w in widgets),
        "acknowledged": sum(len(w.acked) for w in widgets),
        "written_again": sum(sum(1 for n in w.transmissions.values() if n > 1) for w in widgets),
        "delivered": delivered,
        "stored_twice": stored_twice,
        "duplicates_shown": duplicates,
        "refused": sum(len(w.refused) for w in widgets),
        "copies_dropped": sum(w.copies for w in widgets),
        "gaps_filled": sum(w.gaps for w in widgets),
        "sockets_cut": sum(w.deaths for w in widgets),
        "resumes": len(resumes),
        "resume_p50_s": round(statistics.median(resumes), 2) if resumes else None,
        "resume_max_s": round(max(resumes), 2) if resumes else None,
        "per_kill": [
            {k: round(v, 1) if isinstance(v, float) else v for k, v in kill.items()}
            for kill in kills
        ],
    }
    log.warning("gateway kill figures: %s", figures)
    print(f"\ngateway kill figures: {figures}")

    assert len(kills) == KILLS
    assert all(kill["sockets_cut"] > 0 for kill in kills), f"a kill cut no widget: {kills}"
    assert all(not w.refused for w in widgets), [w.refused for w in widgets if w.refused]
    assert delivered == figures["written"], figures
    assert duplicates == 0 and stored_twice == 0, figures
    for widget, conversation in zip(widgets, conversations):
        assert settled(widget, stored[conversation]), (
            f"{conversation}: the screen is not the stored conversation (or something is "
            f"unsent or unrouted): outbox {list(widget.outbox)}, shown "
            f"{[(m['seq'], m['id']) for m in widget.screen][-5:]}, stored "
            f"{[(m.seq, m.id, m.routed_at is not None) for m in stored[conversation]][-5:]}"
        )
    assert len(resumes) == sum(w.outages for w in widgets), "a cut widget never came back"
    slowest = max(widgets, key=lambda w: max(w.resumes, default=0))
    assert max(resumes) <= RESUME_BOUND, (slowest.resumes, slowest.trace)
