"""`make bench`: the figures issue 14 sets, measured on this machine, in one table.

Each line: the figure, its target, the figure as a share of the machine's own ceiling measured in
the same run (PostgreSQL single-row commits/s, RabbitMQ confirmed publishes/s), the CPU every process
spent per operation (services and PostgreSQL summed, from /proc), and the load average, since the
machine is shared and noisy. `GUIYAN_BENCH_SIZE=tiny` runs the same code at a tiny size (`make test`
does, so that it cannot rot); its figures mean nothing.

Run: `make bench` (PostgreSQL and RabbitMQ up; about 20 minutes at full size).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import traceback
from dataclasses import dataclass

from bench import ceiling, writes
from bench.processes import CpuMeter, cpu_seconds, memory_mb
from bench.support import percentile, running_system
from bench.table import Row, at_least, at_most, load_average, reference


@dataclass(frozen=True)
class Size:
    ceiling_seconds: float
    registrations: int  # per run, at 8 and at 64 clients
    flows: int
    idle_seconds: float
    entrepreneurs: int
    enterprises: int
    consultation_enterprises: int
    facts: int
    read_requests: int  # per list or search measured
    roll_rows: int  # an office's roll imported at once


SIZES = {
    "tiny": Size(0.3, 40, 8, 1, 2_000, 600, 300, 3_000, 16, 200),
    "full": Size(3, 1_500, 400, 20, 1_000_000, 300_000, 100_000, 1_000_000, 400, 100_000),
}
SERVICE_NAMES = ("registry", "finance", "escalation", "projects", "consultation", "notifications", "gateway")


def main() -> None:
    size = SIZES[os.environ.get("GUIYAN_BENCH_SIZE", "full")]
    rows = measure(size)
    print_table(rows)
    if any(row.note.startswith("failed") for row in rows):
        sys.exit(2)
    if os.environ.get("GUIYAN_BENCH_STRICT") and any(row.met is False for row in rows):
        sys.exit(1)


def measure(size: Size) -> list[Row]:
    postgres_url = os.environ["GUIYAN_POSTGRES_URL"]
    commits_1 = ceiling.postgres_commits(postgres_url, 1, size.ceiling_seconds)
    commits_8 = ceiling.postgres_commits(postgres_url, 8, size.ceiling_seconds)
    publishes, consumes = ceiling.broker_rates(os.environ["GUIYAN_AMQP_URI"], size.ceiling_seconds)
    rows = [
        reference("ceiling: PostgreSQL commits/s, 1 connection", commits_1, load=load_average()),
        reference("ceiling: PostgreSQL commits/s, 8 connections", commits_8, load=load_average()),
        reference("ceiling: RabbitMQ confirmed publishes/s", publishes, load=load_average()),
        reference("ceiling: RabbitMQ consumes/s", consumes, load=load_average()),
    ]
    with running_system("bench") as (stack, urls):
        pids = {name: stack.processes[name].pid for name in SERVICE_NAMES}
        meter = CpuMeter(pids, os.environ["GUIYAN_DATABASE_PREFIX"])
        # warm-up: imports, pools, first queries (each statement compiled and prepared once)
        writes.registrations(stack, meter, 4, 20)
        writes.loan_flows(stack, meter, 4, 20)
        rows += section("at rest", lambda: at_rest(pids, size.idle_seconds))
        rows += section("registrations", lambda: registrations(stack, urls, meter, size, commits_8))
        rows += section("loan flows", lambda: loans(stack, meter, size, commits_8))
        rows += section("under load", lambda: under_load(pids))
        rows += section("roll import", lambda: roll_import(stack, size))
        rows += section("reading at scale", lambda: reading(stack, urls, size))
        rows += section("quarter at scale", lambda: consultation(stack, urls, size))
    return rows


def section(name: str, measure) -> list[Row]:
    """A part's rows; one that fails is a row saying so, and the rest is still measured."""
    started = time.monotonic()
    try:
        return measure()
    except Exception as exc:
        traceback.print_exc()
        return [Row(name, float("nan"), "—", False, note=f"failed: {exc!r}"[:400])]
    finally:
        print(f"bench: {name} measured in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


def at_rest(pids: dict[str, int], seconds: float) -> list[Row]:
    """Resident memory and CPU of each service process doing nothing."""
    time.sleep(min(2.0, seconds))
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    time.sleep(seconds)
    idle = {name: 100 * (cpu_seconds(pid) - before[name]) / seconds for name, pid in pids.items()}
    memory = {name: memory_mb(pid)[0] for name, pid in pids.items()}
    heaviest = max(memory, key=memory.__getitem__)
    busiest = max(idle, key=idle.__getitem__)
    return [
        at_most(f"memory at rest, largest ({heaviest}) MB", memory[heaviest], 80,
                note=" ".join(f"{name} {mb:.0f}" for name, mb in memory.items())),
        reference("memory at rest, all seven processes MB", sum(memory.values())),
        at_most(f"idle CPU, busiest ({busiest}) %", idle[busiest], 0.2,
                note=" ".join(f"{name} {share:.2f}" for name, share in idle.items())),
    ]


def under_load(pids: dict[str, int]) -> list[Row]:
    peak = {name: memory_mb(pid)[1] for name, pid in pids.items()}
    heaviest = max(peak, key=peak.__getitem__)
    return [at_most(f"memory under load, peak ({heaviest}) MB", peak[heaviest], 120,
                    note=" ".join(f"{name} {mb:.0f}" for name, mb in peak.items()))]


def registrations(stack, urls, meter: CpuMeter, size: Size, commits_8: float) -> list[Row]:
    rows = []
    for clients in (8, 64):
        meter.wait_quiet()
        load = load_average()
        result = writes.registrations(stack, meter, clients, size.registrations)
        run = result.run
        if run.errors:
            raise AssertionError(f"{len(run.errors)} registrations failed, first: {run.errors[0]}")
        cpu = result.cpu_ms_per_operation("services", "postgres")
        share = f"{100 * run.rate / commits_8:.1f} % of commits"
        rows += [
            at_least(f"registrations/s, {clients} clients", run.rate, 150, share=share, cpu_ms=cpu, load=load),
            reference(f"registration p50 ms, {clients} clients", statistics.median(run.latencies), load=load),
            reference(f"registration p99 ms, {clients} clients", percentile(run.latencies, 0.99), load=load),
        ]
        if clients == 8:
            rows.append(at_most("CPU per registration ms, services + PostgreSQL", cpu, 10, cpu_ms=cpu, load=load,
                                note=_cpu_note(result)))
            delays, consumers = writes.consumer_delays(urls, run)
            rows.append(at_most(f"answer → all {consumers} consumers applied, p99 ms", percentile(delays, 0.99),
                                250, load=load))
    return rows


def _cpu_note(result: writes.Measured) -> str:
    count = max(1, len(result.run.latencies))
    parts = [*SERVICE_NAMES, "postgres", "broker"]
    return " ".join(f"{part} {1000 * result.cpu[part] / count:.1f}" for part in parts)


def loans(stack, meter: CpuMeter, size: Size, commits_8: float) -> list[Row]:
    meter.wait_quiet()  # the registrations' events applied by every consumer
    load = load_average()
    result, steps = writes.loan_flows(stack, meter, 8, size.flows)
    if result.run.errors:
        raise AssertionError(f"{len(result.run.errors)} loan flows failed, first: {result.run.errors[0]}")
    cpu = result.cpu_ms_per_operation("services", "postgres")
    rows = [at_least("loan flows/s (apply→approve→disburse→repay), 8 clients", result.run.rate, 50,
                     share=f"{400 * result.run.rate / commits_8:.1f} % of commits", cpu_ms=cpu, load=load,
                     note=_cpu_note(result))]
    rows += [at_most(f"loan {step} p99 ms", percentile(steps[step], 0.99), 100, load=load) for step in writes.STEPS]
    return rows


def roll_import(stack, size: Size) -> list[Row]:
    from bench import import_bench

    return import_bench.measure(stack, size.roll_rows)


def reading(stack, urls, size: Size) -> list[Row]:
    from bench import reading as module

    module.seed(urls["registry"], size.entrepreneurs, size.enterprises)
    return module.measure(stack, urls["registry"], requests=size.read_requests)


def consultation(stack, urls, size: Size) -> list[Row]:
    from bench import consultation_bench as module

    module.seed(urls["consultation"], size.consultation_enterprises, size.facts)
    return module.measure(stack, urls["consultation"], size.consultation_enterprises)


def print_table(rows: list[Row]) -> None:
    print(f"\n| {'measure':<58} | {'value':>9} | {'target':<7} | met | {'share of ceiling':<22} |"
          f" {'CPU ms/op':>9} | load |")
    print(f"|{'-' * 60}|{'-' * 11}|{'-' * 9}|-----|{'-' * 24}|{'-' * 11}|------|")
    for row in rows:
        met = "—" if row.met is None else ("yes" if row.met else "NO")
        cpu = "" if row.cpu_ms is None else f"{row.cpu_ms:.1f}"
        load = "" if row.load is None else f"{row.load:.1f}"
        print(f"| {row.measure:<58} | {row.value:>9.1f} | {row.target:<7} | {met:<3} | {row.share:<22} |"
              f" {cpu:>9} | {load:>4} |")
    notes = [row for row in rows if row.note]
    if notes:
        print()
        for row in notes:
            print(f"- {row.measure}: {row.note}")


if __name__ == "__main__":
    main()
