"""CPU seconds used by each service of a running cluster, read from ``/proc`` (Linux only).

Why from ``/proc`` and not from the services' own metrics: the benchmark needs every process
on the same clock, including PostgreSQL's backends, Redis and nginx, and including work the
services do not count themselves (garbage collection, TLS, the event loop). A process's CPU
is ``utime + stime`` plus ``cutime + cstime`` (its children that already exited and were
reaped), so summing both over the live processes of a tree at two moments and taking the
difference counts every process that lived in between, also those that exited.

Each process is attributed to a service by its command line (``handoff serve`` = gateway,
``rasa run`` = Rasa, ``rasa_sdk`` = action server, ``postgres``, ``redis-server``, ``nginx``);
a process whose command line names none (a shell, ``curl``) belongs to its nearest named
ancestor, else to ``other``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
#: Command-line fragment -> service, the first match wins (order matters: ``rasa_sdk``
#: before ``rasa``).
SERVICES: tuple[tuple[str, str], ...] = (
    ("handoff serve", "gateway"),
    ("rasa_sdk", "actions"),
    ("rasa run", "rasa"),
    ("redis-server", "redis"),
    ("nginx", "nginx"),
    ("postgres", "postgres"),
)


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    command: str
    #: utime + stime + cutime + cstime, in clock ticks.
    ticks: int


def read_process(pid: int) -> Process | None:
    """One process's parent, command line and CPU ticks; None if it is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        command = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rindex(")") + 2 :].split()
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return Process(pid, ppid, command.strip(), utime + stime + cutime + cstime)


def all_processes() -> dict[int, Process]:
    table: dict[int, Process] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            process = read_process(int(entry.name))
            if process is not None:
                table[process.pid] = process
    return table


def service_of(command: str) -> str | None:
    for fragment, service in SERVICES:
        if fragment in command:
            return service
    return None


def cpu_by_service(roots: list[int]) -> dict[str, float]:
    """CPU seconds so far of the process trees under ``roots``, summed by service."""
    table = all_processes()
    children: dict[int, list[int]] = defaultdict(list)
    for process in table.values():
        children[process.ppid].append(process.pid)
    seconds: dict[str, float] = defaultdict(float)
    tick = float(os.sysconf("SC_CLK_TCK"))
    seen: set[int] = set()
    stack = [(root, "other") for root in roots if root in table]
    while stack:
        pid, inherited = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        process = table[pid]
        service = service_of(process.command) or inherited
        seconds[service] += process.ticks / tick
        stack.extend((child, service) for child in children.get(pid, []))
    return dict(seconds)


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (everyone's: other users' jobs too)."""
    first = (PROC / "stat").read_text().splitlines()[0].split()[1:]
    values = [int(value) for value in first[:8]]  # user nice system idle iowait irq softirq steal
    idle = values[3] + values[4]
    return (sum(values) - idle) / float(os.sysconf("SC_CLK_TCK"))


def own_cpu_seconds() -> float:
    """This process's CPU seconds (the benchmark's client, all threads)."""
    times = os.times()
    return times.user + times.system


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``/proc/loadavg`` has them."""
    return " ".join((PROC / "loadavg").read_text().split()[:3])


@dataclass(frozen=True)
class CpuSnapshot:
    """Everything counted at one moment; subtract two to get a phase's CPU."""

    services: dict[str, float]
    client: float
    machine: float

    @classmethod
    def take(cls, roots: list[int]) -> CpuSnapshot:
        return cls(cpu_by_service(roots), own_cpu_seconds(), machine_busy_seconds())

    def since(self, earlier: CpuSnapshot) -> CpuUse:
        names = set(self.services) | set(earlier.services)
        services = {
            name: max(0.0, self.services.get(name, 0.0) - earlier.services.get(name, 0.0))
            for name in names
        }
        return CpuUse(services, self.client - earlier.client, self.machine - earlier.machine)


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds of one phase: per service, the benchmark client, and the whole machine."""

    services: dict[str, float]
    client: float
    machine: float

    @property
    def cluster(self) -> float:
        return sum(self.services.values())

    @property
    def others(self) -> float:
        """What neither the cluster nor the client used: other users of the machine."""
        return max(0.0, self.machine - self.cluster - self.client)
