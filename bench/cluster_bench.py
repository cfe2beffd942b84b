"""One against two instances of every service on PostgreSQL + Redis, through the widget, and
how many open chats one 2-core machine holds at p99 ≤ 2 s.

For each instance count (``--instances 1,2``) it starts ``scripts/run-cluster`` (the cluster
of ``make run-cluster``: PostgreSQL, Redis, nginx in front, that many gateways, Rasa servers
and action servers; fresh data, ports of ``--port-base`` or free ones), puts an order for
each benchmark shopper into the shop's order table, and then, through nginx and the
gateway's WebSocket as the chat widget speaks it (protocol 2, one loopback address per
shopper so that the per-address rate limit sees one shopper per address):

1. **flat out**: ``--slots`` conversations always in flight, each slot starting its next
   conversation the moment one ends, until ``--conversations`` are done. A conversation is
   bench/rasa_bench.py's five turns — greeting, complaint with the shopper's order number,
   the confirmation button (triage + case opened), progress question, thanks — and each turn
   waits for the assistant's answer. Measured: turns/s, p50/p99 of message sent → first
   answer on the widget, and the CPU each service used per turn (from ``/proc``);
2. **ramp** (instance counts in ``--ramp-on``): open chats whose shoppers each send a message
   every ``--think`` seconds on average (uniformly 0.5–1.5 times it, between an answer and the
   next message; a finished conversation is followed by a new shopper's), ``--ramp-start``
   of them, then ``--ramp-step`` more every level, until a level's p99 exceeds ``--p99-limit``
   seconds in two measurements in a row (a turn that failed or is still unanswered counts as
   slower than the limit; the second measurement is there because other jobs on a shared
   machine can spoil one window). Each level settles for 1.5 × ``--think`` seconds and is
   measured over ``--level-seconds``.

It prints each phase, the ratio of 2 to 1 instances, the open chats the machine held, and the
sizing rule that follows. Everything, the benchmark client included, shares this machine's
cores; the CPU table says how much each part took, and how much other users of the machine
took meanwhile.

    .venv/bin/python bench/cluster_bench.py [--instances 1,2] [--ramp-on 1,2]
        [--slots 20] [--conversations 300] [--think 10] [--ramp-start 100] [--ramp-step 50]
        [--level-seconds 40] [--p99-limit 2] [--max-shoppers 3000] [--port-base 21000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import math
import random
import re
import shutil
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from bench_stats import percentile
from cluster_runner import ROOT, Cluster, Ports, missing_binaries, running_cluster
from gateway_bench import GATEWAY_SECRET, check_secret
from proc_cpu import CpuSnapshot, CpuUse, load_average
from widget_client import TurnFailed, Widget, loopback_address, open_widget

#: bench/rasa_bench.py's conversation through the widget: (turn, message); None = click the
#: confirmation button the assistant offers (its payload, with its title as ``display``).
SCRIPT: tuple[tuple[str, str | None], ...] = (
    ("greet", "你好"),
    ("complaint (form opens)", "我买的电饭煲用了两次就不加热了，订单号 {order}"),
    ("confirm (triage + case)", None),
    ("progress", "我的投诉到哪了"),
    ("thanks", "谢谢"),
)
CONFIRM_WORD = "确认"
CASE_NUMBER = re.compile(r"TS\d{6}-[0-9A-Z]{4}")
PRODUCT = "美的 4L 智能电饭煲 MB-FB40"
#: Orders are added to the shop's table this many at a time, ahead of the shoppers.
ORDER_BATCH = 1000
#: The order of conversation number n (16 digits, 10–20 are accepted).
ORDER_PREFIX = "2025"
#: A key for each turn in flight (``Load.in_flight``).
TURN_TOKENS = itertools.count()
SERVICE_ORDER = ("gateway", "rasa", "actions", "postgres", "redis", "nginx", "other")
#: The application services: what each machine of a deployment runs (PostgreSQL and Redis
#: are shared, on their own machines).
APP_SERVICES = ("gateway", "rasa", "actions")


@dataclass(frozen=True)
class Turn:
    name: str
    started: float  # time.perf_counter()
    seconds: float


@dataclass
class Load:
    """The shoppers' shared state in one cluster."""

    cluster: Cluster
    orders: OrderBook
    turns: list[Turn] = field(default_factory=list)
    #: (when, what) of every failed conversation.
    errors: list[tuple[float, str]] = field(default_factory=list)
    #: Turn started and not answered yet: token -> started.
    in_flight: dict[int, float] = field(default_factory=dict)
    cases: int = 0
    recording: bool = True


class OrderBook:
    """Orders in the shop's order table for shoppers ``bench-0``, ``bench-1``, … (the
    assistant accepts an order number only from its owner), added in batches ahead of use."""

    def __init__(self, database_url: str) -> None:
        from handoff.db import make_engine, make_session_factory

        self._factory = make_session_factory(make_engine(database_url))
        self._next = 0
        self._stored = 0
        self._adding: asyncio.Task[None] | None = None

    def _add(self, first: int, count: int) -> None:
        from sqlalchemy import insert

        from handoff.clock import utc_now
        from handoff.db import transaction
        from handoff.models import Order

        now = utc_now()
        rows = [
            {
                "order_id": order_id(n),
                "shopper_id": shopper_id(n),
                "product": PRODUCT,
                "amount_fen": 29900,
                "status": "已签收",
                "ordered_at": now,
            }
            for n in range(first, first + count)
        ]
        with transaction(self._factory) as session:
            session.execute(insert(Order), rows)

    def transactions(self) -> int:
        """PostgreSQL's count of transactions in this database so far (every client's)."""
        from sqlalchemy import text

        with self._factory() as session:
            sql = "SELECT xact_commit + xact_rollback FROM pg_stat_database"
            where = " WHERE datname = current_database()"
            return int(session.execute(text(sql + where)).scalar_one())

    async def _extend(self) -> None:
        await asyncio.to_thread(self._add, self._stored, ORDER_BATCH)
        self._stored += ORDER_BATCH

    async def take(self) -> int:
        """The next shopper's number; its order is in the table."""
        number = self._next
        self._next += 1
        while True:
            if self._adding is None and number >= self._stored - ORDER_BATCH // 2:
                self._adding = asyncio.create_task(self._extend())
            if number < self._stored:
                return number
            assert self._adding is not None
            adding = self._adding
            await adding
            if self._adding is adding:
                self._adding = None


def shopper_id(number: int) -> str:
    return f"bench-{number:07d}"


def order_id(number: int) -> str:
    return f"{ORDER_PREFIX}{number:012d}"


# ---------------------------------------------------------------------- one conversation


async def conversation(load: Load, think: random.Random | None, think_seconds: float) -> None:
    """One shopper's conversation; failures are noted in ``load.errors``, not raised."""
    number = await load.orders.take()
    widget: Widget | None = None
    try:
        widget = await open_widget(
            load.cluster.base_url, shopper_id(number), loopback_address(number)
        )
        for name, text in SCRIPT:
            if think is not None:
                await asyncio.sleep(think.uniform(0.5, 1.5) * think_seconds)
            display = None
            if text is None:
                button = await widget.button(CONFIRM_WORD)
                text, display = button["payload"], button["title"]
            else:
                text = text.format(order=order_id(number))
            token = next(TURN_TOKENS)
            started = time.perf_counter()
            load.in_flight[token] = started
            try:
                seconds, answer = await widget.turn(text, display)
            finally:
                load.in_flight.pop(token, None)
            if load.recording:
                load.turns.append(Turn(name, started, seconds))
            if display is not None and CASE_NUMBER.search(answer.get("text", "")) is None:
                await asyncio.sleep(0.3)  # the case number may be in the answer's next message
                texts = " ".join(m.get("text", "") for m in widget.bot_messages[-3:])
                if CASE_NUMBER.search(texts) is None:
                    raise TurnFailed(f"no case number after the confirmation: {texts[:80]!r}")
            if display is not None:
                load.cases += 1
    except (TurnFailed, TimeoutError, asyncio.TimeoutError, aiohttp.ClientError, OSError) as error:
        if load.recording:
            load.errors.append((time.perf_counter(), f"{shopper_id(number)}: {error!r}"[:200]))
    finally:
        if widget is not None:
            await widget.close()


# ---------------------------------------------------------------------- flat out


@dataclass
class Phase:
    turns: list[Turn]
    errors: list[str]
    wall: float
    cpu: CpuUse
    load_before: str
    load_after: str
    cases: int
    #: CPU seconds per second of each service with no shopper at all (see :func:`idle_cpu`).
    idle: dict[str, float] = field(default_factory=dict)
    #: PostgreSQL transactions committed or rolled back in the cluster's database meanwhile.
    transactions: int = 0

    @property
    def rate(self) -> float:
        return len(self.turns) / self.wall if self.wall else 0.0

    def per_turn_ms(self, above_idle: bool = False) -> dict[str, float]:
        """CPU ms per turn by service; ``above_idle``: less what the service uses idle."""
        turns = max(len(self.turns), 1)
        return {
            name: max(
                0.0,
                self.cpu.services.get(name, 0.0)
                - (self.idle.get(name, 0.0) * self.wall if above_idle else 0.0),
            )
            * 1000
            / turns
            for name in SERVICE_ORDER
        }

    def ms(self, fraction: float) -> float:
        return percentile([t.seconds * 1000 for t in self.turns], fraction) if self.turns else 0.0


async def flat_out(load: Load, slots: int, conversations: int) -> Phase:
    """``slots`` conversations always in flight until ``conversations`` are done."""
    remaining = [conversations]

    async def slot() -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            await conversation(load, None, 0.0)

    load.turns, load.errors, load.cases = [], [], 0
    roots = load.cluster.cpu_roots()
    load_before, before = load_average(), CpuSnapshot.take(roots)
    transactions = await asyncio.to_thread(load.orders.transactions)
    started = time.perf_counter()
    await asyncio.gather(*(slot() for _ in range(slots)))
    wall = time.perf_counter() - started
    cpu = CpuSnapshot.take(roots).since(before)
    transactions = await asyncio.to_thread(load.orders.transactions) - transactions
    errors = [text for _, text in load.errors]
    phase = Phase(list(load.turns), errors, wall, cpu, load_before, load_average(), load.cases)
    phase.transactions = transactions
    return phase


async def idle_cpu(cluster: Cluster, seconds: float) -> dict[str, float]:
    """CPU seconds per second of each service while no shopper talks: the background work
    (pub/sub pings, job polling, keep-alives) that a machine pays whatever the traffic."""
    roots = cluster.cpu_roots()
    before = CpuSnapshot.take(roots)
    await asyncio.sleep(seconds)
    use = CpuSnapshot.take(roots).since(before)
    return {name: value / seconds for name, value in use.services.items()}


# ---------------------------------------------------------------------- ramp


@dataclass(frozen=True)
class Level:
    shoppers: int
    seconds: float
    latencies: list[float]  # answered turns, and unanswered or failed ones as their wait so far
    failed: int
    cpu: CpuUse
    load_average: str

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000 if self.latencies else math.inf


async def measure_level(
    load: Load, roots: list[int], shoppers: int, seconds: float, limit: float
) -> Level:
    """The turns that start in the next ``seconds``: answered ones, and the ones still
    unanswered or failed ``limit`` seconds after the window (as slower than any)."""
    window_start, before = time.perf_counter(), CpuSnapshot.take(roots)
    await asyncio.sleep(seconds)
    window_end, cpu = time.perf_counter(), CpuSnapshot.take(roots).since(before)
    await asyncio.sleep(limit)  # what is in flight at the end gets its chance
    now = time.perf_counter()
    latencies = [t.seconds for t in load.turns if window_start <= t.started < window_end]
    waiting = [now - s for s in load.in_flight.values() if window_start <= s < window_end]
    failed = sum(window_start <= at < window_end for at, _ in load.errors)
    return Level(
        shoppers,
        window_end - window_start,
        latencies + waiting + [math.inf] * failed,
        failed,
        cpu,
        load_average(),
    )


async def ramp(
    load: Load,
    think: float,
    start: int,
    step: int,
    most: int,
    level_seconds: float,
    limit: float,
    on_level: Any,
) -> list[Level]:
    """Add open chats level by level until a level's p99 exceeds ``limit`` seconds twice in
    a row (the level is measured once more before it counts as broken)."""
    stop = asyncio.Event()
    chats: list[asyncio.Task[None]] = []

    async def open_chat(number: int) -> None:
        pace = random.Random(number)
        while not stop.is_set():
            await conversation(load, pace, think)

    load.turns, load.errors = [], []
    levels: list[Level] = []
    roots = load.cluster.cpu_roots()
    try:
        shoppers, again = start, False
        while shoppers <= most:
            if not again:
                chats.extend(asyncio.create_task(open_chat(n)) for n in range(len(chats), shoppers))
                await asyncio.sleep(1.5 * think)  # every new chat has sent its first message
            level = await measure_level(load, roots, shoppers, level_seconds, limit)
            levels.append(level)
            on_level(level)
            if level.ms(0.99) > limit * 1000:
                if again:
                    break
                # Once more at the same level before calling it: on a machine shared with
                # other jobs, one window can fall on someone else's burst.
                again = True
                continue
            shoppers, again = shoppers + step, False
    finally:
        stop.set()
        for chat in chats:
            chat.cancel()
        await asyncio.gather(*chats, return_exceptions=True)
    return levels


# ---------------------------------------------------------------------- printing


def cpu_line(cpu: CpuUse, turns: int) -> str:
    per_turn = {name: cpu.services.get(name, 0.0) * 1000 / max(turns, 1) for name in SERVICE_ORDER}
    parts = [f"{name} {value:.1f}" for name, value in per_turn.items() if value >= 0.05]
    cluster = cpu.cluster * 1000 / max(turns, 1)
    client = cpu.client * 1000 / max(turns, 1)
    others = cpu.others * 1000 / max(turns, 1)
    return (
        f"CPU ms per turn: {', '.join(parts)}; cluster {cluster:.1f}, "
        f"benchmark client {client:.1f}, other users of the machine {others:.1f}"
    )


def busy_line(cpu: CpuUse, wall: float) -> str:
    cores = _cores()
    return (
        f"machine busy {cpu.machine / wall / cores:.0%} of {cores} cores "
        f"(cluster {cpu.cluster / wall / cores:.0%}, client {cpu.client / wall / cores:.0%}, "
        f"others {cpu.others / wall / cores:.0%})"
    )


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


def print_flat(instances: int, phase: Phase, slots: int) -> None:
    print(
        f"\nflat out, {instances} instance(s): {slots} conversations always in flight, "
        f"{len(phase.turns)} turns in {phase.wall:.1f} s; load average "
        f"{phase.load_before} before, {phase.load_after} after"
    )
    by_name: dict[str, list[float]] = defaultdict(list)
    for turn in phase.turns:
        by_name[turn.name].append(turn.seconds * 1000)
    every = [t.seconds * 1000 for t in phase.turns]
    print(f"{'turn':<26}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, values in [*((n, by_name[n]) for n, _ in SCRIPT), ("all turns", every)]:
        if values:
            print(
                f"{name:<26}{len(values):>6}{percentile(values, 0.5):>10.0f}"
                f"{percentile(values, 0.99):>10.0f}{statistics.fmean(values):>10.0f}"
            )
    print(
        f"throughput {phase.rate:.1f} turns/s; cases opened {phase.cases}; "
        f"failed conversations {len(phase.errors)}; PostgreSQL transactions per turn "
        f"{phase.transactions / max(len(phase.turns), 1):.1f}"
    )
    print(cpu_line(phase.cpu, len(phase.turns)))
    if phase.idle:
        above = phase.per_turn_ms(above_idle=True)
        parts = ", ".join(f"{n} {v:.1f}" for n, v in above.items() if v >= 0.05)
        print(f"CPU ms per turn above idle: {parts}; cluster {sum(above.values()):.1f}")
    print(busy_line(phase.cpu, phase.wall))
    for error in phase.errors[:5]:
        print(f"error: {error}")


def print_level(level: Level) -> None:
    p99 = level.ms(0.99)
    print(
        f"{level.shoppers:>8}{level.rate:>9.1f}{level.ms(0.5):>9.0f}"
        f"{p99 if math.isfinite(p99) else float('inf'):>9.0f}{level.failed:>8}"
        f"{level.cpu.machine / level.seconds / _cores():>8.0%}"
        f"{level.cpu.others / level.seconds / _cores():>8.0%}"
        f"{level.cpu.cluster * 1000 / max(len(level.latencies), 1):>9.1f}   {level.load_average}",
        flush=True,
    )


def held(levels: list[Level], limit: float) -> Level | None:
    """The busiest level with p99 within the limit, all levels below it within it too (a
    level measured twice counts by its second measurement)."""
    good = None
    for index, level in enumerate(levels):
        again = index + 1 < len(levels) and levels[index + 1].shoppers == level.shoppers
        if level.ms(0.99) <= limit * 1000:
            good = level
        elif not again:
            break
    return good


def print_comparison(flats: dict[int, Phase]) -> None:
    if 1 not in flats or 2 not in flats:
        return
    one, two = flats[1], flats[2]
    print("\nflat out, 1 against 2 instances of each service (same 2 cores)")
    print(f"{'':<16}{'1':>10}{'2':>10}{'2 / 1':>10}")
    rows = (
        ("turns/s", one.rate, two.rate),
        ("p50 ms", one.ms(0.5), two.ms(0.5)),
        ("p99 ms", one.ms(0.99), two.ms(0.99)),
    )
    for name, a, b in rows:
        print(f"{name:<16}{a:>10.1f}{b:>10.1f}{b / a if a else math.nan:>10.2f}")


def print_sizing(flats: dict[int, Phase], holds: dict[int, Level], think: float) -> None:
    """The sizing rule from the measured figures (README "Benchmark and sizing")."""
    if holds:
        instances, best = max(holds.items(), key=lambda item: item[1].rate)
        print(
            f"\none {_cores()}-core machine held {best.shoppers} open chats at one message per "
            f"{think:g} s on average ({best.rate:.1f} turns/s, p99 {best.ms(0.99):.0f} ms), "
            f"{instances} instance(s), with PostgreSQL, Redis, nginx and the client on it too"
        )
        chats = best.rate * 10  # open chats at one message per 10 s that make that rate
        print(
            f"sizing: machines for N open chats at one message every 10 s = ceil(N / {chats:.0f}) "
            f"(N / 10 turns/s over {best.rate:.1f} turns/s per machine); "
            f"e.g. 10,000 chats -> {math.ceil(10000 / chats)}"
        )
    phase = flats.get(1)
    if phase is None or not phase.turns:
        return
    above = phase.per_turn_ms(above_idle=bool(phase.idle))
    app = sum(above[name] for name in APP_SERVICES)
    app_idle = sum(phase.idle.get(name, 0.0) for name in APP_SERVICES) * 1000
    shared = above["postgres"] + above["redis"]
    if app > 0 and shared > 0:
        ceiling = (_cores() * 1000 - app_idle) / app
        print(
            f"separate machines, by CPU per turn (1 instance, flat out, above idle): gateway + "
            f"Rasa + action server {app:.1f} ms per turn and {app_idle:.0f} ms per second idle: "
            f"a {_cores()}-core application machine tops out at ~{ceiling:.0f} turns/s at 100% "
            f"CPU; PostgreSQL + Redis {shared:.1f} ms per turn: ~{1000 / shared:.0f} turns/s "
            f"per fully used core of the database machine"
        )


# ---------------------------------------------------------------------- the run


def _ports(base: int | None, instances: int) -> Ports:
    if base is None:
        return Ports.free(instances)
    return Ports.from_base(base + 50 * (instances - 1), instances)


def parse_counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or any(not 1 <= count <= 9 for count in counts):
        raise argparse.ArgumentTypeError("a comma-separated list of 1 to 9, e.g. 1,2")
    return counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--instances", type=parse_counts, default=[1, 2])
    parser.add_argument("--ramp-on", type=parse_counts, default=[1, 2], help="ramp these too")
    parser.add_argument("--no-ramp", action="store_true", help="flat out only")
    parser.add_argument("--slots", type=int, default=20, help="flat out: conversations at once")
    parser.add_argument("--conversations", type=int, default=300, help="flat out: how many")
    parser.add_argument("--think", type=float, default=10.0, help="ramp: s between messages")
    parser.add_argument("--ramp-start", type=int, default=100)
    parser.add_argument("--ramp-step", type=int, default=50)
    parser.add_argument("--max-shoppers", type=int, default=3000)
    parser.add_argument("--level-seconds", type=float, default=40.0)
    parser.add_argument("--p99-limit", type=float, default=2.0, help="seconds")
    parser.add_argument("--idle-seconds", type=float, default=20.0, help="idle CPU window")
    parser.add_argument(
        "--wait-quiet", type=float, metavar="PERCENT", help="first wait until others' jobs calm"
    )
    parser.add_argument("--wait-most", type=float, default=900.0, help="seconds, --wait-quiet")
    parser.add_argument("--port-base", type=int, help="ports from here (default: free ones)")
    parser.add_argument("--folder", type=Path, default=ROOT / "var" / "cluster-bench")
    args = parser.parse_args(argv)
    positive = (args.slots, args.conversations, args.ramp_start, args.ramp_step)
    if min(positive) < 1 or args.think <= 0 or args.level_seconds <= 0 or args.p99_limit <= 0:
        parser.error("counts, --think, --level-seconds and --p99-limit must be positive")
    if args.no_ramp:
        args.ramp_on = []
    return args


async def measure(cluster: Cluster, args: argparse.Namespace) -> tuple[Phase, list[Level]]:
    load = Load(cluster, OrderBook(cluster.database_url))
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        await check_secret(http, cluster.base_url)
    # Warm-up, not measured: every process loads its lazy parts on its first turns.
    load.recording = False
    await flat_out(load, args.slots, args.slots * 2)
    load.recording = True
    await asyncio.sleep(2)  # the warm-up's last answers and acks
    idle = await idle_cpu(cluster, args.idle_seconds)
    parts = ", ".join(f"{n} {idle[n] * 1000:.0f}" for n in SERVICE_ORDER if idle.get(n, 0) >= 5e-4)
    print(
        f"\nidle, {cluster.instances} instance(s), no shoppers for {args.idle_seconds:g} s: "
        f"CPU ms per second: {parts}; cluster {sum(idle.values()) * 1000:.0f}"
    )
    phase = await flat_out(load, args.slots, args.conversations)
    phase.idle = idle
    print_flat(cluster.instances, phase, args.slots)
    levels: list[Level] = []
    if cluster.instances in args.ramp_on:
        print(
            f"\nramp, {cluster.instances} instance(s): open chats, one message per {args.think:g} s"
            f" on average; each level measured for {args.level_seconds:g} s"
        )
        print(
            f"{'shoppers':>8}{'turns/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}"
            f"{'busy':>8}{'others':>8}{'cpu ms':>9}   load average"
        )
        levels = await ramp(
            load,
            args.think,
            args.ramp_start,
            args.ramp_step,
            args.max_shoppers,
            args.level_seconds,
            args.p99_limit,
            print_level,
        )
        kinds = sorted({text.split(": ", 1)[-1][:90] for _, text in load.errors})
        for kind in kinds[:5]:
            print(f"ramp error ({len(load.errors)} in all): {kind}")
    return phase, levels


def wait_until_quiet(percent: float, most_seconds: float) -> None:
    """Wait until the machine's cores were at most ``percent`` busy for 10 s (other jobs on
    a shared machine), at most ``most_seconds``; say how long it took."""
    from proc_cpu import machine_busy_seconds

    started = time.monotonic()
    while time.monotonic() - started < most_seconds:
        before = machine_busy_seconds()
        time.sleep(10)
        busy = (machine_busy_seconds() - before) / 10 / _cores() * 100
        if busy <= percent:
            print(f"machine {busy:.0f}% busy after {time.monotonic() - started:.0f} s of waiting")
            return
    print(f"machine still busier than {percent:g}% after {most_seconds:.0f} s; going on")


def each_cluster(args: argparse.Namespace) -> Iterator[Cluster]:
    for instances in args.instances:
        if args.wait_quiet is not None:
            wait_until_quiet(args.wait_quiet, args.wait_most)
        folder = args.folder / f"{instances}-instances"
        shutil.rmtree(folder, ignore_errors=True)
        print(f"\nstarting run-cluster with {instances} instance(s) of each service …", flush=True)
        with running_cluster(
            instances, _ports(args.port_base, instances), folder, GATEWAY_SECRET.decode()
        ) as cluster:
            yield cluster


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # progress shows in a log file too
    reason = missing_binaries()
    if reason:
        print(f"skipped: {reason}")
        return 0
    print(f"{_cores()} cores; load average {load_average()} at the start")
    flats: dict[int, Phase] = {}
    holds: dict[int, Level] = {}
    failed = False
    for cluster in each_cluster(args):
        phase, levels = asyncio.run(measure(cluster, args))
        flats[cluster.instances] = phase
        failed = failed or bool(phase.errors) or not phase.turns
        good = held(levels, args.p99_limit)
        if good is not None:
            holds[cluster.instances] = good
            print(f"held: {good.shoppers} open chats at p99 ≤ {args.p99_limit:g} s")
        elif levels:
            print(f"not even {args.ramp_start} open chats at p99 ≤ {args.p99_limit:g} s")
    print_comparison(flats)
    print_sizing(flats, holds, args.think)
    print(f"load average at the end {load_average()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
