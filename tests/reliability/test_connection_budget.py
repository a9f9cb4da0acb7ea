"""The whole system stays inside its PostgreSQL connection budget under full load.

PostgreSQL's default `max_connections` is 100; a second instance, a migration or a test run must
fit beside a running system. At the defaults every process keeps at most `GUIYAN_DB_POOL_SIZE` (5)
connections, a service's relay one more, and the gateway's session listener one more; the
notifications service (no relay) keeps 3: (5 + 1) × (5 + 1) + 3 = 39, within the stated budget of 40.
"""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tests.factories import entrepreneur_data
from tests.places import PLACES
from tests.stack import Stack, fresh_databases

pytestmark = pytest.mark.reliability
BUDGET = 40
CLIENTS = 24
SECONDS = 12


@pytest.fixture
def system(infra, tmp_path):
    with fresh_databases(infra.postgres_url, "budget") as (prefix, urls):
        vhost = infra.create_vhost("guiyan_budget")
        stack = Stack(infra, urls, vhost, tmp_path)
        stack.env["GUIYAN_DATABASE_PREFIX"] = prefix
        stack.env.pop("GUIYAN_DB_POOL_SIZE", None)  # the defaults are what is budgeted
        try:
            stack.start_services()
            stack.start("gateway")
            stack.wait_ready()
            yield stack, prefix
        finally:
            stack.stop_all()
            infra.delete_vhost(vhost)


def connections(engine, prefix: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE :p"),
                                 {"p": f"{prefix}\\_%"})


def test_under_full_load_the_system_holds_at_most_its_budget_of_connections(infra, system):
    stack, prefix = system
    official = stack.client(stack.create_user("official", region_code=PLACES.county, level="county"))
    people = [stack.client(stack.create_user("entrepreneur")) for _ in range(CLIENTS)]
    watcher = sa.create_engine(infra.postgres_url.replace("postgresql://", "postgresql+psycopg2://", 1) + "/postgres",
                               poolclass=sa.pool.NullPool)
    most, statuses, stop = [0], [], threading.Event()

    def watch():
        while not stop.is_set():
            most[0] = max(most[0], connections(watcher, prefix))
            time.sleep(0.05)

    def work(client):
        deadline = time.monotonic() + SECONDS
        registered = client.post("/api/v1/entrepreneurs", json=entrepreneur_data(),
                                 headers={"Idempotency-Key": str(uuid.uuid4())})
        statuses.append(registered.status_code)
        while time.monotonic() < deadline:  # everyone reads while the events are consumed
            statuses.append(client.get("/api/v1/entrepreneurs").status_code)
            statuses.append(official.get("/api/v1/entrepreneurs?per_page=50").status_code)

    watching = threading.Thread(target=watch, daemon=True)
    watching.start()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(work, people))
    stop.set()
    watching.join()
    watcher.dispose()

    served = sum(status == 200 or status == 201 for status in statuses)
    print(f"\nconnection budget: at most {most[0]} connections (budget {BUDGET}) over {len(statuses)} "
          f"requests from {CLIENTS} clients in {SECONDS} s; {served} answered, "
          f"{statuses.count(503)} × 503, {statuses.count(500)} × 500")
    assert 0 < most[0] <= BUDGET
    assert statuses.count(500) == 0
    assert served >= 0.95 * len(statuses)
