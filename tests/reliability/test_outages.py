"""Every service rides out a broker or database restart by itself; callers meanwhile get 503, never 500.

Under registrations through the API, RabbitMQ itself (`rabbitmqctl stop_app`) or PostgreSQL itself
(`pg_ctlcluster … stop`) is stopped for `GUIYAN_OUTAGE_SECONDS` (12 s in `make test`;
`make test-reliability` holds it for 60 s) and started again. Afterwards every process still runs,
no request got 500, and every registration the API accepted reached each consumer's copy and the
consultation's facts exactly once.
"""

import os
import subprocess
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import entrepreneur_data
from tests.places import PLACES
from tests.reliability.test_no_event_lost import whole_system
from tests.support.waiting import eventually

pytestmark = [pytest.mark.reliability,
              pytest.mark.skipif(not Path("/usr/sbin/rabbitmqctl").exists() and not os.environ.get("CI"),
                                 reason="needs the local RabbitMQ's rabbitmqctl")]
OUTAGE = float(os.environ.get("GUIYAN_OUTAGE_SECONDS", "12"))
CONSUMERS = {"finance": "SELECT count(*) FROM known_entrepreneurs WHERE id = ANY(:ids)",
             "projects": "SELECT count(*) FROM known_entrepreneurs WHERE id = ANY(:ids)",
             "consultation": "SELECT count(*) FROM facts WHERE event_type = 'entrepreneur_registered'"
                             " AND payload->>'entrepreneur_id' = ANY(:ids)"}


def postgres(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    result = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr


def rabbitmqctl(*args) -> None:
    result = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr


def counted(url: str, query: str, ids: list[str]) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        found = connection.scalar(sa.text(query), {"ids": ids})
    engine.dispose()
    return found


class Load:
    """Registrations by a township official, one after another, on a thread of its own."""

    def __init__(self, client):
        self.client, self.statuses, self.accepted = client, Counter(), []
        self.unavailable: list[float] = []  # when each 503 came
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                answer = self.client.post("/api/v1/entrepreneurs", json=entrepreneur_data(),
                                          headers={"Idempotency-Key": str(uuid.uuid4())})
            except Exception as exc:  # the gateway itself did not answer
                self.statuses[type(exc).__name__] += 1
                time.sleep(0.2)
                continue
            self.statuses[answer.status_code] += 1
            if answer.status_code == 201:
                self.accepted.append(answer.json()["id"])
            elif answer.status_code == 503:
                assert int(answer.headers["Retry-After"]) > 0
                self.unavailable.append(time.monotonic())
                time.sleep(0.2)

    def longest_503(self) -> float:
        times = self.unavailable
        return times[-1] - times[0] if times else 0.0


def broker_restart() -> None:
    rabbitmqctl("stop_app")
    try:
        time.sleep(OUTAGE)
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")


def database_restart() -> None:
    postgres("stop")
    try:
        time.sleep(OUTAGE)
    finally:
        postgres("start")


@pytest.mark.parametrize("outage", [broker_restart, database_restart], ids=["broker", "database"])
def test_every_service_rides_out_a_restart_and_every_accepted_registration_arrives_once(
        infra, databases, tmp_path, outage):
    if outage is database_restart and not Path("/etc/postgresql").is_dir():
        pytest.skip("needs the local PostgreSQL's pg_ctlcluster")
    with whole_system(infra, databases, tmp_path, "guiyan_outage", GUIYAN_RPC_TIMEOUT_SECONDS="3") as stack:
        official = stack.client(stack.create_user("official", region_code=PLACES.township, level="township"))
        load = Load(official)
        load.thread.start()
        time.sleep(3)
        outage()
        eventually(lambda: official.get("/api/v1/entrepreneurs?per_page=1").status_code == 200, timeout=90,
                   message="the API answers again after the restart")
        time.sleep(5)  # and goes on accepting
        load.stop.set()
        load.thread.join(timeout=60)

        alive = {name: process.poll() is None for name, process in stack.processes.items()}
        ids = list(load.accepted)
        for service, query in CONSUMERS.items():
            url = stack.databases[service]
            eventually(lambda url=url, query=query: counted(url, query, ids) == len(ids), timeout=120,
                       message=f"{service} has every accepted registration")
        print(f"\n{outage.__name__.split('_')[0]} stopped for {OUTAGE:.0f} s: answers {dict(load.statuses)}; "
              f"{len(ids)} registrations accepted, each applied once by {', '.join(CONSUMERS)}; "
              f"longest 503 window {load.longest_503():.1f} s; processes alive {alive}")
        assert all(alive.values()), alive
        assert set(load.statuses) <= {201, 503}, load.statuses
        assert load.statuses[201] > 0
