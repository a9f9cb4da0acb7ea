"""One row of `make bench`'s table: a figure, its target, and what it cost."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    measure: str  # what was measured, with its unit: "registrations/s, 8 clients"
    value: float
    target: str  # as the issue states it: "≥ 150", "≤ 10"
    met: bool | None  # None: a figure shown for reference (a ceiling), no target
    share: str = ""  # the figure as a share of the machine's ceiling measured in the same run
    cpu_ms: float | None = None  # CPU per operation, all processes summed (from /proc)
    load: float | None = None  # the 1-minute load average when the row was measured
    note: str = ""


def at_least(measure: str, value: float, target: float, **extra) -> Row:
    return Row(measure, value, f"≥ {target:g}", value >= target, **extra)


def at_most(measure: str, value: float, target: float, **extra) -> Row:
    return Row(measure, value, f"≤ {target:g}", value <= target, **extra)


def reference(measure: str, value: float, **extra) -> Row:
    return Row(measure, value, "—", None, **extra)


def load_average() -> float:
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])
