"""CPU and memory of the system's processes, read from /proc (Linux), for CPU per operation."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as handle:
        text = handle.read()
    return text[text.rindex(")") + 2:].split()  # the fields after the command's name


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU of a process (and of its reaped children: PostgreSQL's ended backends)."""
    try:
        fields = _stat(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / TICKS


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, resident at its highest) in MB."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, amount, _ = line.split()
                    values[key] = int(amount) / 1024
    except FileNotFoundError:
        return 0.0, 0.0
    return values.get("VmRSS:", 0.0), values.get("VmHWM:", 0.0)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[1]) == pid:
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    return found


def _named(name: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as handle:
                    if handle.read().strip() == name:
                        pids.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


def postmaster() -> int | None:
    """PostgreSQL's main process: the `postgres` process whose parent is not one."""
    candidates = _named("postgres")
    for pid in candidates:
        try:
            if int(_stat(pid)[1]) not in candidates:
                return pid
        except (FileNotFoundError, ProcessLookupError):  # a backend that ended meanwhile
            continue
    return None


AUXILIARY = ("checkpointer", "background writer", "walwriter", "autovacuum", "logical replication", "stats")


def _title(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def postgres_cpu(databases: str | None = None) -> float:
    """PostgreSQL's CPU: with `databases` (a name prefix), the backends connected to those databases
    and the server's own auxiliary processes, so that other work on a shared machine is left out
    (the pools keep their connections for the whole run); without it, every backend, ended ones too."""
    main = postmaster()
    if main is None:
        return 0.0
    if databases is None:
        return cpu_seconds(main, children=True) + sum(cpu_seconds(pid) for pid in _children(main))
    return sum(cpu_seconds(pid) for pid in _children(main)
               if databases in (title := _title(pid)) or any(word in title for word in AUXILIARY))


def broker_cpu() -> float:
    return sum(cpu_seconds(pid) for pid in _named("beam.smp"))


@dataclass
class Reading:
    at: float
    services: dict[str, float]
    postgres: float
    broker: float


class CpuMeter:
    """CPU of the named service processes, of PostgreSQL and of RabbitMQ between two readings."""

    def __init__(self, pids: dict[str, int], databases: str | None = None):
        self.pids = pids
        self.databases = databases  # the system's database names' prefix

    def read(self) -> Reading:
        return Reading(time.perf_counter(), {name: cpu_seconds(pid) for name, pid in self.pids.items()},
                       postgres_cpu(self.databases), broker_cpu())

    @staticmethod
    def spent(before: Reading, after: Reading) -> dict[str, float]:
        """Seconds of CPU each part used: every service, "services", "postgres", "broker", "wall"."""
        used = {name: after.services[name] - before.services[name] for name in before.services}
        used["services"] = sum(used.values())
        used["postgres"] = after.postgres - before.postgres
        used["broker"] = after.broker - before.broker
        used["wall"] = after.at - before.at
        return used

    def wait_quiet(self, share: float = 0.05, window: float = 0.5, timeout: float = 60) -> float:
        """Wait until the system's processes (services, PostgreSQL, RabbitMQ) together use less than
        `share` of one core over `window` seconds: what an earlier part left (consumers catching up
        on its events, a relay marking them sent) is then done, and not counted against the next.
        Returns the seconds waited; gives up, and says so, after `timeout`."""
        started = time.perf_counter()
        before = self.read()
        while True:
            time.sleep(window)
            after = self.read()
            used = self.spent(before, after)
            if (used["services"] + used["postgres"] + used["broker"]) / used["wall"] < share:
                print(f"bench: quiet after {after.at - started:.1f} s", file=sys.stderr, flush=True)
                return after.at - started
            if after.at - started > timeout:
                print(f"bench: still busy after {timeout:.0f} s; measuring anyway", file=sys.stderr, flush=True)
                return after.at - started
            before = after
