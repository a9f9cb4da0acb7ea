"""Benchmark of the quarterly consultation over a city's two years of facts: prints a table.

Issue 6 sets no figures; the targets are the project's own for a 2-core machine, with about 108,000 facts
(6,000 enterprises, 20,000 loans with repayments, 3,000 subsidies, 4,000 difficulties): opening a
quarter (roster and agenda from every fact) ≤ 15 s; the city's bulletin p95 ≤ 1.5 s and a county's
≤ 1 s; the dashboard p95 ≤ 1.5 s; an enterprise's timeline p95 ≤ 200 ms; the agenda p95 ≤ 300 ms.
The facts are written straight into consultation's store, as the event handlers would keep them.
Run: `GUIYAN_NO_EVENTLET=1 .venv/bin/python -m bench.consultation_bench` (PostgreSQL and RabbitMQ up).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid

import sqlalchemy as sa

from bench.support import percentile, print_table, running_system
from shared.clock import SHANGHAI

ENTERPRISES, LOANS, SUBSIDIES, DIFFICULTIES = 6_000, 20_000, 3_000, 4_000
COUNTIES = ("511011", "511024", "511025", "511028", "511083", "511002")
START = dt.datetime(2025, 1, 1, 9, tzinfo=SHANGHAI)
rng = random.Random(6)


def moment(days: int | None = None) -> dt.datetime:
    return START + dt.timedelta(days=rng.randrange(0, 690) if days is None else days, minutes=rng.randrange(600))


def seed(url: str) -> tuple[int, list[str]]:
    rows = []

    def fact(event_type, at, payload, enterprise_id=None):
        rows.append({"event_id": str(uuid.uuid4()), "event_type": event_type, "producer": "bench", "occurred_at": at,
                     "enterprise_id": enterprise_id, "region_code": payload.get("region_code"),
                     "payload": json.dumps(payload, ensure_ascii=False)})

    firms = []
    for n in range(ENTERPRISES):
        region = rng.choice(COUNTIES) + "000000"
        person, firm = str(uuid.uuid4()), str(uuid.uuid4())
        at = moment()
        fact("entrepreneur_registered", at, {"entrepreneur_id": person, "name": "测试", "region_code": region})
        fact("enterprise_registered", at, {"enterprise_id": firm, "owner_entrepreneur_id": person,
                                           "name": f"企业{n}", "region_code": region,
                                           "investment_fen": rng.randrange(1, 500) * 1_000_000,
                                           "headcount": rng.randrange(3, 80)}, firm)
        firms.append((firm, person, region, at))
    for n in range(LOANS):
        firm, person, region, at = rng.choice(firms)
        lent = moment()
        base = {"loan_id": str(uuid.uuid4()), "entrepreneur_id": person, "enterprise_id": firm,
                "region_code": region, "bank_code": "NJRCB", "borrower_kind": "enterprise"}
        fact("loan_disbursed", lent, {**base, "principal_fen": 20_000_000}, firm)
        for month in range(1, 4):
            fact("loan_repayment_recorded", lent + dt.timedelta(days=30 * month), {**base, "amount_fen": 600_000},
                 firm)
        if n % 10 == 0:
            fact("loan_overdue", lent + dt.timedelta(days=100), {**base, "days_overdue": 10}, firm)
    for _ in range(SUBSIDIES):
        firm, person, region, at = rng.choice(firms)
        fact("subsidy_paid", moment(), {"claim_id": str(uuid.uuid4()), "kind": "startup", "entrepreneur_id": person,
                                        "enterprise_id": firm, "region_code": region, "amount_fen": 1_000_000}, firm)
    for n in range(DIFFICULTIES):
        firm, person, region, at = rng.choice(firms)
        reported = moment()
        base = {"difficulty_id": str(uuid.uuid4()), "reference": f"KN-{n}", "enterprise_id": firm,
                "region_code": region, "category": rng.choice(("labour", "financing", "permits", "land"))}
        fact("difficulty_reported", reported, {**base, "level": "township"}, firm)
        fact("difficulty_assigned", reported, {**base, "level": "township",
                                               "resolve_due": (reported + dt.timedelta(days=14)).date().isoformat()},
             firm)
        if n % 3 == 0:
            fact("difficulty_escalated", reported + dt.timedelta(days=15), {**base, "level": "city"}, firm)
        if n % 2 == 0:
            closed = reported + dt.timedelta(days=30)
            fact("difficulty_closed", closed, {**base, "level": "township", "closed_on": closed.date().isoformat()},
                 firm)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(sa.text(
                "INSERT INTO facts (event_id, event_type, producer, occurred_at, enterprise_id, region_code, payload)"
                " VALUES (:event_id, :event_type, :producer, :occurred_at, :enterprise_id, :region_code,"
                " CAST(:payload AS jsonb))"), rows[start:start + 5000])
        connection.execute(sa.text("ANALYZE facts"))
    engine.dispose()
    return len(rows), [f[0] for f in firms]


def timed(call) -> float:
    started = time.perf_counter()
    response = call()
    assert response.status_code in (200, 201), response.text[:300]
    return (time.perf_counter() - started) * 1000


def main() -> None:
    with running_system("consult") as (stack, urls):
        count, firms = seed(urls["consultation"])
        city = stack.client(stack.create_user("official", region_code="511000", level="city"))
        county = stack.client(stack.create_user("official", region_code="511025", level="county"))
        opening = timed(lambda: city.post("/api/v1/quarters", json={"quarter": "2026Q3"})) / 1000
        roster = city.get("/api/v1/quarters/2026Q3/roster").json()
        assert len(roster) > 100, len(roster)
        city_bulletin = [timed(lambda: city.get("/api/v1/quarters/2026Q3/bulletin")) for _ in range(10)]
        county_bulletin = [timed(lambda: county.get("/api/v1/quarters/2026Q3/bulletin")) for _ in range(10)]
        board = [timed(lambda: city.get("/api/v1/dashboard")) for _ in range(10)]
        lines = [timed(lambda: city.get(f"/api/v1/enterprises/{rng.choice(firms)}/timeline")) for _ in range(50)]
        agenda = [timed(lambda: county.get("/api/v1/quarters/2026Q3/agenda")) for _ in range(20)]
        print(f"\n{count:,} facts; the 2026Q3 roster holds {len(roster):,} enterprises")
        print_table([
            ("open a quarter, roster and agenda (s)", opening, "≤ 15", opening <= 15),
            ("city bulletin p95 (ms)", percentile(city_bulletin, 0.95), "≤ 1500",
             percentile(city_bulletin, 0.95) <= 1500),
            ("county bulletin p95 (ms)", percentile(county_bulletin, 0.95), "≤ 1000",
             percentile(county_bulletin, 0.95) <= 1000),
            ("dashboard p95 (ms)", percentile(board, 0.95), "≤ 1500", percentile(board, 0.95) <= 1500),
            ("enterprise timeline p95 (ms)", percentile(lines, 0.95), "≤ 200", percentile(lines, 0.95) <= 200),
            ("county agenda p95 (ms)", percentile(agenda, 0.95), "≤ 300", percentile(agenda, 0.95) <= 300),
        ])


if __name__ == "__main__":
    main()
