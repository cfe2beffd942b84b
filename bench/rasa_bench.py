"""Per-turn latency of whole conversations over the REST channel, 20 at a time.

Starts the real Rasa server (.venv-rasa, configured as ``make run`` does: SQL tracker store,
SQLite lock store, 2 worker processes) and the real action server on free ports against a
temporary SQLite case store, then keeps CONVERSATIONS complaint conversations going at once
(greeting, complaint with order number, confirmation, progress question, thanks; each one a
different shopper) with an aiohttp client and prints p50/p99 per kind of turn, twice:

- paced: each shopper reads the answer and types the next message, 1–3 s (uniformly random,
  seeded) between an answer and the next message. Real shoppers on a phone are slower than
  that, so this is a busy shop's 20 open chats;
- flat out: each shopper sends the next message the moment the answer arrives — 20 requests
  always in flight, which measures the server's throughput more than anyone's wait.

Each of the CONVERSATIONS slots starts its next conversation as soon as its last one ends,
until ROUNDS x CONVERSATIONS conversations are done: the load stays at 20 conversations
without the artificial bursts of starting them all together. ``--lockstep`` restores the
older schedule (all 20 start together, and the next round waits for the slowest), whose
synchronised bursts of 20 identical turns are the worst case for the tail.

    .venv/bin/python bench/rasa_bench.py [--conversations 20] [--rounds 3]
        [--rasa-workers 2] [--model models/rasa] [--only paced|flat] [--lockstep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from handoff.gateway.channel_signature import SIGNATURE_HEADER, channel_signature

#: The REST channel takes only requests signed as the gateway signs them (README "Secrets").
CHANNEL: dict[str, str] = {"secret": ""}

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: One shopper's conversation: (turn name, message).
SCRIPT: tuple[tuple[str, str], ...] = (
    ("greet", "你好"),
    ("complaint (form opens)", "我买的电饭煲用了两次就不加热了，订单号 2024112212345678"),
    ("confirm (triage + case)", "/affirm"),
    ("progress", "我的投诉到哪了"),
    ("thanks", "谢谢"),
)


#: Seconds between an answer and the shopper's next message in the paced run.
PACED_THINK_SECONDS = (1.0, 3.0)


async def converse(
    session: aiohttp.ClientSession,
    url: str,
    timings: dict[str, list[float]],
    think: random.Random | None = None,
) -> None:
    """One shopper's whole conversation; each turn's latency goes into ``timings``."""
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    metadata = {"shopper_id": f"shopper-{sender}"}
    for name, message in SCRIPT:
        if think is not None:
            await asyncio.sleep(think.uniform(*PACED_THINK_SECONDS))
        body = {"sender": sender, "message": message, "metadata": metadata}
        started = time.perf_counter()
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: channel_signature(CHANNEL["secret"], data),
        }
        async with session.post(
            f"{url}/webhooks/rest/webhook", data=data, headers=headers
        ) as response:
            response.raise_for_status()
            replies = await response.json()
        timings[name].append((time.perf_counter() - started) * 1000)
        if not replies:
            raise RuntimeError(f"no reply to {message!r} in {sender}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def run(
    url: str, conversations: int, rounds: int, paced: bool = False, lockstep: bool = False
) -> dict[str, list[float]]:
    """Warm up, then ``rounds * conversations`` conversations, ``conversations`` at a time."""
    timings: dict[str, list[float]] = defaultdict(list)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # Warm-up, not measured: the action server loads its models on its first call, and
        # the client opens its keep-alive connections to the workers.
        await asyncio.gather(
            *(converse(session, url, defaultdict(list)) for _ in range(conversations))
        )
        if lockstep:
            for round_no in range(rounds):
                await asyncio.gather(
                    *(
                        converse(session, url, timings, _think(paced, round_no, slot))
                        for slot in range(conversations)
                    )
                )
            return timings
        remaining = [rounds * conversations]

        async def slot(number: int) -> None:
            think = _think(paced, 0, number)
            while remaining[0] > 0:
                remaining[0] -= 1
                await converse(session, url, timings, think)

        await asyncio.gather(*(slot(number) for number in range(conversations)))
    return timings


def _think(paced: bool, round_no: int, slot: int) -> random.Random | None:
    """The slot's seeded think-time generator in the paced run; None flat out."""
    return random.Random(round_no * 1000 + slot) if paced else None


def print_table(
    timings: dict[str, list[float]], conversations: int, wall: float, mode: str
) -> None:
    every = [value for values in timings.values() for value in values]
    rows = [(name, timings[name]) for name, _ in SCRIPT] + [("all turns", every)]
    print(
        f"\nRasa REST latency, {conversations} concurrent conversations, {mode} ({wall:.1f}s wall)"
    )
    print(f"{'turn':<26}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, values in rows:
        print(
            f"{name:<26}{len(values):>6}{percentile(values, 50):>10.0f}"
            f"{percentile(values, 99):>10.0f}{statistics.fmean(values):>10.0f}"
        )
    print(f"throughput: {len(every) / wall:.1f} turns/s")


def main() -> int:
    from tests.e2e.conftest import missing_prerequisite, start_servers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rasa-workers", type=int, default=2)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "rasa")
    parser.add_argument("--only", choices=("paced", "flat"))
    parser.add_argument("--lockstep", action="store_true", help="all conversations start together")
    args = parser.parse_args()
    reason = missing_prerequisite()
    if reason:
        print(f"skipped: {reason}")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        servers = start_servers(Path(folder), args.rasa_workers, args.model.resolve())
        info = next(servers)
        CHANNEL["secret"] = info.secrets["RASA_CHANNEL_SECRET"]
        try:
            schedule = "lock-step rounds" if args.lockstep else "each slot starts its next at once"
            print(f"model {args.model}, {args.rasa_workers} Rasa worker(s), {schedule}")
            low, high = PACED_THINK_SECONDS
            modes = {"paced": f"paced ({low:g}–{high:g} s between answer and next message)"}
            modes["flat"] = "flat out (next message as soon as the answer arrives)"
            for mode, title in modes.items():
                if args.only not in (None, mode):
                    continue
                started = time.perf_counter()
                timings = asyncio.run(
                    run(
                        info.rasa_url,
                        args.conversations,
                        args.rounds,
                        paced=mode == "paced",
                        lockstep=args.lockstep,
                    )
                )
                print_table(timings, args.conversations, time.perf_counter() - started, title)
        finally:
            servers.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
