"""bench/cluster_bench.py's plumbing, without a cluster: its options, its ports and loopback
addresses, its CPU accounting on real processes, and what it prints from given figures.

The benchmark itself takes about 20 minutes (``make bench-cluster``) and measures; nothing
here asserts a timing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import cluster_bench  # noqa: E402
import proc_cpu  # noqa: E402
from cluster_runner import Ports  # noqa: E402
from widget_client import loopback_address  # noqa: E402


def test_help_runs_and_names_the_options() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "cluster_bench.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for option in ("--instances", "--ramp-on", "--think", "--p99-limit", "--port-base"):
        assert option in result.stdout


def test_options_are_checked() -> None:
    args = cluster_bench.parse_args(["--instances", "1,2", "--no-ramp", "--think", "5"])
    assert args.instances == [1, 2]
    assert args.ramp_on == []
    assert args.think == 5.0
    for bad in (["--instances", "0"], ["--instances", "x"], ["--think", "0"], ["--slots", "0"]):
        with pytest.raises(SystemExit):
            cluster_bench.parse_args(bad)


def test_ports_of_one_cluster_are_distinct_and_two_clusters_do_not_overlap() -> None:
    one, two = (cluster_bench._ports(21000, n) for n in (1, 2))
    for ports in (one, two):
        every = [ports.front, ports.rasa_front, ports.postgres, ports.redis]
        every += [*ports.gateways, *ports.rasa, *ports.actions]
        assert len(set(every)) == len(every)
    assert len(two.gateways) == len(two.rasa) == len(two.actions) == 2
    assert max(Ports.from_base(21000, 1).actions) < min(two.front, *two.gateways)


def test_each_shopper_has_its_own_loopback_address() -> None:
    addresses = [loopback_address(n) for n in range(200_000)]
    assert len(set(addresses)) == len(addresses)
    for address in addresses[::997]:
        octets = [int(part) for part in address.split(".")]
        assert octets[0] == 127 and all(1 <= octet <= 254 for octet in octets[1:])


def test_cpu_of_a_process_tree_counts_a_child_that_already_exited() -> None:
    """A child that burned CPU and exited is still counted (in its parent's cutime)."""
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    parent_code = (
        "import subprocess, sys, time\n"
        f"subprocess.run([sys.executable, '-c', {burn!r}])\n"
        "print('done', flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None and parent.stdout.readline() == b"done\n"
        assert not [p for p in proc_cpu.all_processes().values() if p.ppid == parent.pid]
        assert proc_cpu.cpu_by_service([parent.pid])["other"] >= 0.3
    finally:
        parent.kill()
        parent.wait()


def test_services_are_told_apart_by_their_command_lines() -> None:
    assert proc_cpu.service_of(".venv/bin/python -m handoff serve") == "gateway"
    assert proc_cpu.service_of(".venv/bin/python -m rasa_sdk --actions actions") == "actions"
    assert proc_cpu.service_of(".venv-rasa/bin/python .venv-rasa/bin/rasa run --enable-api") == (
        "rasa"
    )
    assert proc_cpu.service_of("postgres: shop shop 127.0.0.1(5000) idle") == "postgres"
    assert proc_cpu.service_of("nginx: worker process") == "nginx"
    assert proc_cpu.service_of("/bin/bash scripts/run-cluster") is None


def _phase(rate: float, seconds: float) -> cluster_bench.Phase:
    turns = [cluster_bench.Turn(name, 0.0, seconds) for name, _ in cluster_bench.SCRIPT] * 20
    cpu = proc_cpu.CpuUse({"gateway": 2.0, "rasa": 1.0, "postgres": 0.5}, 0.1, 4.0)
    return cluster_bench.Phase(turns, [], len(turns) / rate, cpu, "1.0 1.0 1.0", "2.0 1.5 1.0", 20)


def test_what_it_prints_from_given_figures(capsys: pytest.CaptureFixture[str]) -> None:
    one, two = _phase(40.0, 0.5), _phase(50.0, 0.4)
    one.idle = {"gateway": 0.2}  # 200 ms of CPU per second with no shopper
    cluster_bench.print_flat(1, one, 20)
    cluster_bench.print_comparison({1: one, 2: two})
    level = cluster_bench.Level(300, 40.0, [0.1] * 1180 + [1.5] * 20, 0, one.cpu, "2.5 2.0 1.5")
    cluster_bench.print_level(level)
    cluster_bench.print_sizing({1: one, 2: two}, {1: level}, 10.0)
    out = capsys.readouterr().out
    assert "throughput 40.0 turns/s; cases opened 20; failed conversations 0" in out
    assert "PostgreSQL transactions per turn 0.0" in out
    # 100 turns: 20 ms of gateway CPU, 10 ms of Rasa, 5 ms of PostgreSQL per turn.
    assert "gateway 20.0, rasa 10.0, postgres 5.0; cluster 35.0" in out
    assert "turns/s               40.0      50.0      1.25" in out
    assert "p50 ms               500.0     400.0      0.80" in out
    # The held level: 1,200 turns in 40 s = 30 turns/s = 300 open chats at one message per 10 s.
    assert "held 300 open chats" in out and "(30.0 turns/s" in out
    assert "ceil(N / 300)" in out and "10,000 chats -> 34" in out
    # Above idle: the gateway's 2.0 s less 0.2 s/s over the 2.5 s run, over 100 turns.
    assert "CPU ms per turn above idle: gateway 15.0, rasa 10.0, postgres 5.0" in out
    ceiling = (cluster_bench._cores() * 1000 - 200) / 25
    assert f"tops out at ~{ceiling:.0f} turns/s" in out
    assert "~200 turns/s per fully used core" in out


def test_held_is_the_busiest_level_before_the_first_that_breaks() -> None:
    cpu = proc_cpu.CpuUse({}, 0.0, 0.0)

    def level(shoppers: int, seconds: float) -> cluster_bench.Level:
        return cluster_bench.Level(shoppers, 10.0, [seconds] * 100, 0, cpu, "")

    levels = [level(100, 0.1), level(150, 0.5), level(200, 2.5), level(250, 0.1)]
    held = cluster_bench.held(levels, 2.0)
    assert held is not None and held.shoppers == 150
    assert cluster_bench.held([level(100, 3.0)], 2.0) is None
    # A level that breaks once and holds when measured again counts as held.
    again = [level(100, 0.1), level(150, 2.5), level(150, 0.5), level(200, 3.0), level(200, 3.0)]
    held = cluster_bench.held(again, 2.0)
    assert held is again[2]
