"""`make bench` runs at a tiny size in every `make test`, so that it cannot rot: every part of the
table is measured and printed. The figures at this size mean nothing and are not checked (the tests
never time things); `make bench` gives them at full size."""

import os
import subprocess
import sys

from tests.stack import ROOT

ROWS = (
    "ceiling: PostgreSQL commits/s, 1 connection", "ceiling: PostgreSQL commits/s, 8 connections",
    "ceiling: RabbitMQ confirmed publishes/s", "ceiling: RabbitMQ consumes/s",
    "memory at rest, largest", "idle CPU, busiest", "registrations/s, 8 clients", "registrations/s, 64 clients",
    "CPU per registration ms, services + PostgreSQL", "consumers applied, p99 ms",
    "loan flows/s", "loan apply p99 ms", "loan repay p99 ms", "memory under load, peak",
    "city list p95", "quarter opened",
)


def test_the_benchmark_measures_every_figure_at_a_tiny_size(infra):
    env = {**os.environ, "GUIYAN_BENCH_SIZE": "tiny", "GUIYAN_NO_EVENTLET": "1",
           "GUIYAN_POSTGRES_URL": infra.postgres_url, "GUIYAN_AMQP_URI": infra.amqp_uri}
    run = subprocess.run([sys.executable, "-m", "bench.run"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    table = [line for line in run.stdout.splitlines() if line.startswith("| ")]
    for measure in ROWS:
        assert any(measure in line for line in table), f"no row for {measure!r} in:\n" + "\n".join(table)
    assert not any("failed" in line for line in run.stdout.splitlines() if line.startswith("- "))
