"""What every benchmark needs: the real services on fresh databases and a vhost, and percentiles."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("GUIYAN_SECRET_KEY", "bench-secret-" + uuid.uuid4().hex)
os.environ.setdefault("GUIYAN_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
os.environ.setdefault("GUIYAN_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")

from tests import infra as infra_module  # noqa: E402
from tests.stack import Stack, fresh_databases  # noqa: E402

SERVICES = ("registry", "finance", "escalation", "projects", "consultation", "notifications", "gateway")  # the gateway last: ready when all answer


@contextmanager
def running_system(name: str, **env: str) -> Iterator[tuple[Stack, dict]]:
    """Every service as its own process on fresh databases; all of it removed afterwards."""
    found, _ = infra_module.discover()
    if found is None:
        raise SystemExit(infra_module.HOW_TO_START)
    with fresh_databases(found.postgres_url, name) as (prefix, urls):
        os.environ["GUIYAN_DATABASE_PREFIX"] = prefix
        vhost = found.create_vhost(f"guiyan_{name}")
        stack = Stack(found, urls, vhost, Path(tempfile.mkdtemp()))
        # as production runs: no log below warnings, and no clock file (the tests' way of moving
        # every service's day, which costs a stat of the file on every look at the clock)
        stack.env.update({"GUIYAN_LOG_LEVEL": "WARNING", "GUIYAN_CLOCK_FILE": "", **env})
        try:
            for service in SERVICES:
                stack.start(service)
            stack.wait_ready()
            yield stack, urls
        finally:
            stack.stop_all()
            found.delete_vhost(vhost)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def print_table(rows) -> None:
    print(f"\n{'measure':<42}{'value':>10}  {'target':<8} met")
    for name, value, target, met in rows:
        print(f"{name:<42}{value:>10.1f}  {target:<8} {'yes' if met else 'NO'}")
