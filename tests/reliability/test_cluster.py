"""On a three-node RabbitMQ cluster a node killed under load loses nothing and rejoins.

`deploy/rabbitmq-cluster.sh` starts guiyan1…3@localhost (AMQP 5681–5683) in a temporary folder;
the whole system runs on its vhost `guiyan`, whose durable queues are quorum queues, every process
given the three nodes as one kombu failover URI (`amqp://…:5681/guiyan;amqp://…:5682/guiyan;…`).
Registrations go through the API from several threads; node `GUIYAN_CLUSTER_KILL_NODE` (1 by
default: every connection, and so every queue leader, starts there) is killed with SIGKILL, started
again `GUIYAN_CLUSTER_DOWN_SECONDS` (20) later and rejoins. When everything is quiet the table says
what was accepted, published and consumed: nothing lost, nothing applied twice, no 500.

Runs only under `make test-cluster` (GUIYAN_CLUSTER=1): three more broker nodes do not fit beside
the rest of the suite on a small machine.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.infra import Infra
from tests.places import PLACES
from tests.reliability.test_outages import Load
from tests.stack import ROOT, Stack, fresh_databases
from tests.support.waiting import eventually

pytestmark = [pytest.mark.reliability,
              pytest.mark.skipif(os.environ.get("GUIYAN_CLUSTER") != "1",
                                 reason="the RabbitMQ cluster test runs under `make test-cluster`")]
SCRIPT = ROOT / "deploy" / "rabbitmq-cluster.sh"
NODES = (1, 2, 3)
VHOST = "guiyan"
KILLED = int(os.environ.get("GUIYAN_CLUSTER_KILL_NODE", "1"))
DOWN_SECONDS = float(os.environ.get("GUIYAN_CLUSTER_DOWN_SECONDS", "20"))
LOADERS = 4
CONSUMERS = ("finance", "projects", "consultation")  # the services that take every registration
EVENT = "entrepreneur_registered"


def node_uri(node: int) -> str:
    return f"amqp://guest:guest@127.0.0.1:568{node}/{VHOST}"


FAILOVER_URI = ";".join(node_uri(node) for node in NODES)


def cluster(action: str, *args, timeout: float = 300) -> str:
    result = subprocess.run([str(SCRIPT), action, *map(str, args)], capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"rabbitmq-cluster.sh {action}: {result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def rabbit_cluster(tmp_path):
    for node in NODES:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", 5680 + node)) == 0:
                pytest.fail(f"port {5680 + node} is taken: is another cluster running?", pytrace=False)
    folder = tmp_path / "rabbitmq-cluster"
    try:
        print("\n" + cluster("start", folder))
        yield folder
    finally:
        cluster("stop", folder)


@pytest.fixture
def cluster_databases():
    postgres_url = os.environ.get("GUIYAN_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
    with fresh_databases(postgres_url, "cluster") as (prefix, urls):
        yield postgres_url, prefix, urls


@contextmanager
def system_on_the_cluster(postgres_url: str, prefix: str, urls: dict, log_dir: Path):
    """Every service and the gateway on the cluster's vhost, through the failover URI."""
    survivor = KILLED % len(NODES) + 1  # its management API answers throughout
    infra = Infra(postgres_url, node_uri(survivor), f"http://127.0.0.1:1568{survivor}")
    stack = Stack(infra, urls, VHOST, log_dir)
    stack.amqp_uri = FAILOVER_URI
    stack.env.update(GUIYAN_AMQP_URI=FAILOVER_URI, GUIYAN_POSTGRES_URL=postgres_url,
                     GUIYAN_DATABASE_PREFIX=prefix, GUIYAN_RPC_TIMEOUT_SECONDS="3")
    stack.env.pop("GUIYAN_OUTBOX_AMQP_URI", None)
    try:
        stack.start_services()
        stack.start("gateway")
        stack.wait_ready(timeout=120)
        yield stack
    finally:
        stack.stop_all()


class TimedClient:
    """An API client that notes when each answer came and what it was, for the 503 windows."""

    def __init__(self, client):
        self.client, self.answers = client, []

    def post(self, path: str, **kwargs):
        started = time.monotonic()
        try:
            answer = self.client.post(path, **kwargs)
        except Exception:
            self.answers.append((started, time.monotonic(), "no answer"))
            raise
        self.answers.append((started, time.monotonic(), answer.status_code))
        return answer

    def windows(self) -> list[float]:
        """How long each unbroken run of 503s lasted, from its first request to its last answer."""
        spans, first = [], None
        for started, ended, status in self.answers:
            if status == 503:
                first = started if first is None else first
                last = ended
            elif first is not None:
                spans.append(last - first)
                first = None
        return spans + ([last - first] if first is not None else [])


def rows(url: str, query: str, **params) -> list:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        found = connection.execute(sa.text(query), params).all()
    engine.dispose()
    return found


def registrations(urls: dict) -> dict:
    """Every registration the registry carried out, with its event's id and whether it was sent."""
    return {row.entrepreneur_id: row for row in rows(
        urls["registry"], "SELECT e.id AS entrepreneur_id, o.event_id, o.sent_at IS NOT NULL AS sent"
        " FROM entrepreneurs e LEFT JOIN outbox o ON o.event_type = :event"
        " AND o.envelope->'payload'->>'entrepreneur_id' = e.id::text", event=EVENT)}


def applied(urls: dict, service: str, ids: list[str]) -> list[str]:
    """The entrepreneur ids `service`'s copy holds, one entry per row (a repeat would show twice)."""
    if service == "consultation":
        query = ("SELECT payload->>'entrepreneur_id' FROM facts WHERE event_type = :event"
                 " AND payload->>'entrepreneur_id' = ANY(:ids)")
    else:
        query = "SELECT id::text FROM known_entrepreneurs WHERE id::text = ANY(:ids)"
    return [row[0] for row in rows(urls[service], query, event=EVENT, ids=ids)]


def inbox_rows(urls: dict, service: str, event_ids: list[str]) -> int:
    return rows(urls[service], "SELECT count(*) FROM inbox WHERE consumer = :consumer AND event_id = ANY(:ids)",
                consumer=f"{service}.handle_{EVENT}", ids=event_ids)[0][0]


def event_queues(infra: Infra) -> list[dict]:
    response = requests.get(f"{infra.management_url}/api/queues/{VHOST}", auth=("guest", "guest"), timeout=10)
    response.raise_for_status()
    return [queue for queue in response.json() if queue["name"].startswith("evt-")]


def quiet(infra: Infra, urls: dict) -> bool:
    """Every registration published, every event queue empty with nothing unacknowledged, every
    consumer's copy complete, and every quorum queue's three members online again."""
    done = registrations(urls)
    if not all(row.sent for row in done.values()):
        return False
    queues = event_queues(infra)
    if any(queue.get("messages", 1) or len(queue.get("online", [])) < len(NODES) for queue in queues):
        return False
    return all(len(set(applied(urls, service, list(done)))) == len(done) for service in CONSUMERS)


def drive_registrations(stack: Stack, folder: Path) -> tuple[list[Load], dict]:
    """Registrations from LOADERS threads; the node killed and, later, started again meanwhile."""
    official = stack.create_user("official", region_code=PLACES.township, level="township")
    loads = [Load(TimedClient(stack.client(official))) for _ in range(LOADERS)]
    moments = {"start": time.monotonic()}
    for load in loads:
        load.thread.start()
    time.sleep(5)
    cluster("kill", KILLED, folder)
    moments["killed"] = time.monotonic()
    time.sleep(DOWN_SECONDS)
    cluster("restart", KILLED, folder)
    moments["rejoined"] = time.monotonic()
    time.sleep(10)  # and goes on accepting with the node back
    for load in loads:
        load.stop.set()
    for load in loads:
        load.thread.join(timeout=60)
    moments["stopped"] = time.monotonic()
    return loads, moments


def table(loads: list[Load], urls: dict, infra: Infra, moments: dict) -> tuple[str, dict]:
    done = registrations(urls)
    ids = list(done)
    accepted = [entrepreneur for load in loads for entrepreneur in load.accepted]
    event_ids = [row.event_id for row in done.values() if row.event_id]
    statuses = sum((load.statuses for load in loads), start=type(loads[0].statuses)())
    windows = [span for load in loads for span in load.client.windows()]
    figures = {"lost": {}, "duplicated": {}, "accepted_lost": {}}
    lines = [f"{'':36}{'rows':>6}{'lost':>6}{'duplicated':>12}",
             f"{'registrations accepted (201)':36}{len(accepted):>6}",
             f"{'registrations carried out (registry)':36}{len(ids):>6}",
             f"{'events published (outbox rows sent)':36}{sum(row.sent for row in done.values()):>6}"]
    for service in CONSUMERS:
        found = applied(urls, service, ids)
        figures["lost"][service] = len(set(ids) - set(found))
        figures["accepted_lost"][service] = len(set(accepted) - set(found))
        figures["duplicated"][service] = len(found) - len(set(found))
        lines.append(f"{'consumed by ' + service:36}{len(found):>6}{figures['lost'][service]:>6}"
                     f"{figures['duplicated'][service]:>12}   (inbox rows {inbox_rows(urls, service, event_ids)})")
    queues = event_queues(infra)
    figures["queue_types"] = {queue["name"]: queue.get("type") for queue in queues}
    online = [len(queue.get("online", [])) for queue in queues]
    lines += [f"answers {dict(statuses)}; {statuses[503]} × 503, longest 503 window "
              f"{max(windows, default=0.0):.1f} s; {statuses[500]} × 500",
              f"node {KILLED} killed {moments['killed'] - moments['start']:.0f} s into the load, back in the "
              f"cluster after {moments['rejoined'] - moments['killed']:.0f} s; load ran "
              f"{moments['stopped'] - moments['start']:.0f} s",
              f"{len(queues)} event queues of type {sorted(set(figures['queue_types'].values()))}, members "
              f"online {min(online, default=0)}–{max(online, default=0)} of {len(NODES)}"]
    figures.update(statuses=statuses, accepted=accepted)
    return "\n".join(lines), figures


def test_a_node_killed_under_load_and_rejoining_loses_and_duplicates_no_event(rabbit_cluster, cluster_databases,
                                                                              tmp_path):
    postgres_url, prefix, urls = cluster_databases
    began = time.monotonic()
    with system_on_the_cluster(postgres_url, prefix, urls, tmp_path) as stack:
        loads, moments = drive_registrations(stack, rabbit_cluster)
        alive = {name: process.poll() is None for name, process in stack.processes.items()}
        eventually(lambda: quiet(stack.infra, urls), timeout=180, interval=2,
                   message="every registration published and consumed, queues drained and replicated")
        report, figures = table(loads, urls, stack.infra, moments)
    print(f"\nRabbitMQ cluster, one node killed under load ({time.monotonic() - began:.0f} s in all):\n{report}")
    assert all(alive.values()), alive
    assert figures["accepted"], "no registration was accepted"
    assert set(figures["statuses"]) <= {201, 503}, figures["statuses"]
    assert sum(figures["lost"].values()) == 0 and sum(figures["accepted_lost"].values()) == 0, figures
    assert sum(figures["duplicated"].values()) == 0, figures["duplicated"]
    assert set(figures["queue_types"].values()) == {"quorum"}, figures["queue_types"]
