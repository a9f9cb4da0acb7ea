"""Benchmark of the registry slice through the real gateway: prints a table against the targets.

Issue 2 sets no figures; the targets below are the project's own for a 2-core machine:
registration p95 ≤ 250 ms, ≥ 40 registrations/s with 8 concurrent clients, ≥ 8 logins/s, an official's list
p95 ≤ 150 ms over 20,000 records, and an event at its consumer p95 ≤ 1 s after the API answered.
Run: `GUIYAN_NO_EVENTLET=1 .venv/bin/python -m bench.registry_bench` (PostgreSQL and RabbitMQ up).
"""

from __future__ import annotations

import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from bench.support import percentile, print_table, running_system
from tests.factories import entrepreneur_data, resident_id
from tests.stack import Stack
from tests.support import recorder

SEED_RECORDS = 20_000
REGIONS = ["511011101201", "511011100201", "511024100201", "511025100201", "511002100000"]


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def register(stack: Stack, client=None) -> tuple[float, str]:
    client = client or stack.client(stack.create_user("entrepreneur"))
    start = time.perf_counter()
    response = client.post("/api/v1/entrepreneurs", json=entrepreneur_data())
    assert response.status_code == 201, response.text
    return (time.perf_counter() - start) * 1000, response.json()["id"]


def seed(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    rows = [{"id": str(uuid.uuid4()), "id_number": resident_id(), "name": f"种子{n}", "gender": "male",
             "birth_date": "1980-01-01", "phone": "13800000000", "household_region_code": REGIONS[n % 5],
             "region_code": REGIONS[n % 5].ljust(12, "0"), "education": "college", "status": "registered",
             "created_by": "bench", "categories": "[]", "skills": "[]", "certificates": "[]",
             "previous_work_place": "", "previous_occupation": ""} for n in range(SEED_RECORDS)]
    insert = sa.text(
        "INSERT INTO entrepreneurs (id, id_number, name, gender, birth_date, phone, household_region_code,"
        " region_code, education, status, created_by, categories, skills, certificates,"
        " previous_work_place, previous_occupation, created_at, version) VALUES (:id, :id_number, :name,"
        " :gender, :birth_date, :phone, :household_region_code, :region_code, :education, :status,"
        " :created_by, :categories, :skills, :certificates, :previous_work_place, :previous_occupation,"
        " now(), 1) ON CONFLICT DO NOTHING")
    with engine.begin() as connection:
        connection.execute(insert, rows)
        connection.execute(sa.text("ANALYZE entrepreneurs"))
    engine.dispose()


def main() -> None:
    with running_system("bench") as (stack, urls):
        rows = measure(stack, urls)
    print_table(rows)


def measure(stack: Stack, urls: dict) -> list[tuple[str, float, str, bool]]:
    recorder.create_table(urls["registry"])
    import subprocess
    import sys

    consumer = subprocess.Popen([sys.executable, "-m", "tests.support.recorder"], env=stack.env,
                                cwd=Path(__file__).resolve().parent.parent)
    time.sleep(3)
    try:
        register(stack)  # warm-up
        sequential = [register(stack) for _ in range(100)]
        latencies = [ms for ms, _ in sequential]
        delivery = [event_delay(urls["registry"], stack) for _ in range(30)]
        with ThreadPoolExecutor(8) as pool:
            clients = list(pool.map(lambda _: stack.client(stack.create_user("entrepreneur")), range(200)))
            start = time.perf_counter()
            list(pool.map(lambda client: register(stack, client), clients))
        throughput = 200 / (time.perf_counter() - start)
        with ThreadPoolExecutor(8) as pool:
            usernames = list(pool.map(lambda _: stack.create_user("entrepreneur"), range(40)))
            start = time.perf_counter()
            list(pool.map(lambda username: stack.client().login(username), usernames))
        logins = 40 / (time.perf_counter() - start)
    finally:
        consumer.terminate()
        consumer.wait()
    seed(urls["registry"])
    city = stack.client(stack.create_user("official", region_code="511000", level="city"))
    township = stack.client(stack.create_user("official", region_code="511011101", level="township"))
    lists = [timed(lambda: city.get("/api/v1/entrepreneurs", params={"per_page": 20})) for _ in range(50)]
    lists_t = [timed(lambda: township.get("/api/v1/entrepreneurs", params={"per_page": 20})) for _ in range(50)]
    search = [timed(lambda: city.get("/api/v1/entrepreneurs", params={"q": "种子123"})) for _ in range(30)]
    return [
        ("registration p50 (ms)", statistics.median(latencies), "—", True),
        ("registration p95 (ms)", percentile(latencies, 0.95), "≤ 250", percentile(latencies, 0.95) <= 250),
        ("registrations/s, 8 clients", throughput, "≥ 40", throughput >= 40),
        ("logins/s, 8 clients (argon2)", logins, "≥ 8", logins >= 8),
        ("event at consumer p95 (ms)", percentile(delivery, 0.95), "≤ 1000", percentile(delivery, 0.95) <= 1000),
        (f"city list p95, {SEED_RECORDS:,} records (ms)", percentile(lists, 0.95), "≤ 150",
         percentile(lists, 0.95) <= 150),
        ("township list p95 (ms)", percentile(lists_t, 0.95), "≤ 150", percentile(lists_t, 0.95) <= 150),
        ("name search p95 (ms)", percentile(search, 0.95), "≤ 300", percentile(search, 0.95) <= 300),
    ]


def event_delay(url: str, stack: Stack) -> float:
    _, entrepreneur_id = register(stack)
    start = time.perf_counter()
    while recorder.count(url, entrepreneur_id) == 0:
        if time.perf_counter() - start > 10:
            return 10_000.0
        time.sleep(0.01)
    return (time.perf_counter() - start) * 1000



if __name__ == "__main__":
    main()
