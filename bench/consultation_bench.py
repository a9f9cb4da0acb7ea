"""Benchmark of the quarterly consultation at a city's full size: prints a table.

Issue 14's targets on a 2-core machine, with 100,000 enterprises and 1,000,000 facts: opening a quarter
(roster and agenda from every fact) ≤ 10 s, its roster ≤ 10 s, its bulletin ≤ 10 s, the dashboard
p95 ≤ 300 ms; the agenda and an enterprise's timeline are shown for reference. The facts are written
straight into consultation's store by a few INSERT … SELECT statements, in the shapes the event
handlers keep them (the whole payload of each event, its enterprise and region beside it, and the
dashboard's running figures, rebuilt from them): two years
of registrations, loans with their repayments, overdues and recoveries, subsidies, difficulties with
their limits, escalations and sign-offs, and quarterly headcount reports.
Run: `GUIYAN_NO_EVENTLET=1 .venv/bin/python -m bench.consultation_bench` (`GUIYAN_BENCH_SIZE=tiny`
for a quick run); `make bench` measures it with everything else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import time
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.processes import CpuMeter
from bench.support import percentile, running_system
from bench.table import Row, at_most, load_average, reference
from services.consultation.handlers import summaries

SIZES = {"full": (100_000, 1_000_000), "tiny": (500, 5_000)}  # enterprises, facts
DAY = dt.date(2026, 11, 20)  # the programme's day while measuring: the facts run up to it
QUARTER = "2026Q3"  # the quarter opened: the last one ended before DAY
CITY, COUNTY = "511000000000", "511025000000"
LOAN_FACTS = 4.15  # disbursed, three repayments, overdue for one in ten, back to repaying for one in twenty
DIFFICULTY_FACTS = 2 + 1 / 3 + 1 / 2  # reported, assigned, escalated for one in three, closed for one in two


@dataclass(frozen=True)
class Mix:
    """How many of each record make up `facts` facts about `enterprises` enterprises."""

    enterprises: int
    headcounts: int
    loans: int
    difficulties: int
    subsidies: int

    @classmethod
    def of(cls, enterprises: int, facts: int) -> Mix:
        rest = max(0, facts - 2 * enterprises)  # each enterprise: its owner's registration and its own
        headcounts = min(enterprises, round(0.08 * rest))
        loans = round(0.76 * rest / LOAN_FACTS)
        difficulties = round(0.12 * rest / DIFFICULTY_FACTS)
        loan_facts = 4 * loans + loans // 10 + loans // 20
        difficulty_facts = 2 * difficulties + difficulties // 3 + difficulties // 2
        return cls(enterprises, headcounts, loans, difficulties,
                   max(0, rest - headcounts - loan_facts - difficulty_facts))


def enterprise_id(n: int) -> str:
    """The seeded enterprise number n's id, as the SQL below derives it (md5 of its name, as a UUID)."""
    return str(uuid.UUID(hashlib.md5(f"enterprise{n}".encode()).hexdigest()))


# Every row's randomness comes from random() after setseed: the same size gives the same facts.
SEED_SQL = """
SELECT setseed(0.6);

CREATE TEMP TABLE bench_firms ON COMMIT DROP AS
SELECT n, md5('enterprise' || n)::uuid::text AS enterprise_id, md5('entrepreneur' || n)::uuid::text AS person_id,
       (ARRAY['511011', '511024', '511025', '511028', '511083', '511002'])[1 + floor(random() * 6)::int]
           || '000000' AS region_code,
       :start + make_interval(days => floor(random() * 690)::int, mins => floor(random() * 600)::int) AS at,
       (1 + floor(random() * 499)::bigint) * 1000000 AS investment_fen, 3 + floor(random() * 77)::int AS headcount
FROM generate_series(1, :enterprises) AS n;
ALTER TABLE bench_firms ADD PRIMARY KEY (n);

INSERT INTO facts (event_id, event_type, producer, occurred_at, enterprise_id, region_code, payload)
SELECT gen_random_uuid()::text, 'entrepreneur_registered', 'registry', at, NULL, region_code, jsonb_build_object(
    'entrepreneur_id', person_id, 'name', '测试' || n, 'region_code', region_code,
    'household_region_code', region_code, 'categories', '["migrant_worker"]'::jsonb, 'education', 'high_school',
    'skills', '[]'::jsonb, 'return_date', (at AT TIME ZONE 'Asia/Shanghai')::date - 30, 'registered_at', at,
    'account_id', NULL)
FROM bench_firms;

INSERT INTO facts (event_id, event_type, producer, occurred_at, enterprise_id, region_code, payload)
SELECT gen_random_uuid()::text, 'enterprise_registered', 'registry', at, enterprise_id, region_code, jsonb_build_object(
    'enterprise_id', enterprise_id, 'owner_entrepreneur_id', person_id, 'name', '企业' || n, 'kind', 'company',
    'credit_code', '91511000' || lpad(n::text, 10, '0'), 'credit_code_overridden', false, 'industry', 'agriculture',
    'region_code', region_code, 'founded_on', (at AT TIME ZONE 'Asia/Shanghai')::date,
    'investment_fen', investment_fen, 'headcount', headcount, 'poverty_hires', 0, 'registered_at', at)
FROM bench_firms;

INSERT INTO facts (event_id, event_type, producer, occurred_at, enterprise_id, region_code, payload)
SELECT gen_random_uuid()::text, 'enterprise_headcount_reported', 'registry',
       timestamptz '2026-07-03 10:00+08' + make_interval(days => n % 20), enterprise_id, region_code,
       jsonb_build_object('enterprise_id', enterprise_id, 'region_code', region_code, 'quarter', '2026Q2',
                          'headcount', CASE WHEN n % 6 = 0 THEN headcount - 2 ELSE headcount + 1 END,
                          'poverty_hires', 0, 'new_hires', 1, 'revision', 1, 'previous_headcount', headcount)
FROM bench_firms WHERE n <= :headcounts;

CREATE TEMP TABLE bench_loans ON COMMIT DROP AS
SELECT l.n, md5('loan' || l.n)::uuid::text AS loan_id, l.lent, f.region_code,
       jsonb_build_object('loan_id', md5('loan' || l.n)::uuid::text,
                          'borrower_kind', CASE WHEN l.n % 10 < 3 THEN 'individual' ELSE 'enterprise' END,
                          'entrepreneur_id', f.person_id,
                          'enterprise_id', CASE WHEN l.n % 10 < 3 THEN NULL ELSE f.enterprise_id END,
                          'region_code', f.region_code, 'bank_code', 'NJRCB') AS base
FROM (SELECT n, 1 + floor(random() * :enterprises)::int AS firm,
             :start + make_interval(days => floor(random() * 690)::int, mins => floor(random() * 600)::int) AS lent
      FROM generate_series(1, :loans) AS n) AS l
JOIN bench_firms AS f ON f.n = l.firm;

INSERT INTO facts (event_id, event_type, producer, occurred_at, enterprise_id, region_code, payload)
SELECT gen_random_uuid()::text, kind, 'finance', at, base ->> 'enterprise_id', region_code, base || extra
FROM (
    SELECT 'loan_disbursed' AS kind, lent AS at, base, region_code, jsonb_build_object(
        'principal_fen', 20000000, 'disbursed_on', (lent AT TIME ZONE 'Asia/Shanghai')::date,
        'maturity_on', (lent AT TIME ZONE 'Asia/Shanghai')::date + 1095, 'repayment_method', 'monthly_interest')
        AS extra
    FROM bench_loans
    UNION ALL
    SELECT 'loan_repayment_recorded', lent + make_interval(days => 30 * m), base, region_code, jsonb_build_object(
        'repayment_id', md5(loan_id || m)::uuid::text,
        'paid_on', (lent AT TIME ZONE 'Asia/Shanghai')::date + 30 * m, 'amount_fen', 600000,
        'interest_fen', 100000, 'principal_fen', 500000, 'outstanding_principal_fen', 20000000 - 500000 * m)
    FROM bench_loans, generate_series(1, 3) AS m
    UNION ALL
    SELECT 'loan_overdue', lent + interval '100 days', base, region_code, jsonb_build_object(
        'days_overdue', 10, 'as_of', (lent AT TIME ZONE 'Asia/Shanghai')::date + 100,
        'outstanding_principal_fen', 18500000)
    FROM bench_loans WHERE n % 10 = 0
    UNION ALL
    SELECT 'loan_back_to_repaying', lent + interval '130 days', base, region_code, jsonb_build_object(
        'as_of', (lent AT TIME ZONE 'Asia/Shanghai')::date + 130)
    FROM bench_loans WHERE n % 20 = 0
) AS loan_facts;

INSERT INTO facts (event_id, event_type, producer, occurred_at, enterprise_id, region_code, payload)
SELECT gen_random_uuid()::text, 'subsidy_paid', 'finance', s.at,
       CASE WHEN s.kind IN ('startup', 'employment') THEN f.enterprise_id END, f.region_code, jsonb_build_object(
    'claim_id', md5('claim' || s.n)::uuid::text, 'kind', s.kind, 'entrepreneur_id', f.person_id,
    'enterprise_id', CASE WHEN s.kind IN ('startup', 'employment') THEN f.enterprise_id END,
    'region_code', f.region_code, 'amount_fen', 1000000, 'batch_id', md5('batch' || s.n % 97)::uuid::text,
    'paid_at', s.at)
FROM (SELECT n, 1 + floor(random() * :enterprises)::int AS firm,
             (ARRAY['startup', 'employment', 'skill', 'travel'])[1 + floor(random() * 4)::int] AS kind,
             :start + make_interval(days => floor(random() * 690)::int, mins => floor(random() * 600)::int) AS at
      FROM generate_series(1, :subsidies) AS n) AS s
JOIN bench_firms AS f ON f.n = s.firm;

CREATE TEMP TABLE bench_difficulties ON COMMIT DROP AS
SELECT d.n, d.reported, f.enterprise_id, f.region_code,
       jsonb_build_object('difficulty_id', md5('difficulty' || d.n)::uuid::text, 'reference', 'KN-' || d.n,
                          'enterprise_id', f.enterprise_id, 'region_code', f.region_code,
                          'category', (ARRAY['labour', 'financing', 'permits', 'land'])[1 + floor(random() * 4)::int])
           AS base
FROM (SELECT n, 1 + floor(random() * :enterprises)::int AS firm,
             :start + make_interval(days => floor(random() * 690)::int, mins => floor(random() * 600)::int)
                 AS reported
      FROM generate_series(1, :difficulties) AS n) AS d
JOIN bench_firms AS f ON f.n = d.firm;

INSERT INTO facts (event_id, event_type, producer, occurred_at, enterprise_id, region_code, payload)
SELECT gen_random_uuid()::text, kind, 'escalation', at, enterprise_id, region_code, base || extra
FROM (
    SELECT 'difficulty_reported' AS kind, reported AS at, enterprise_id, region_code, base, jsonb_build_object(
        'level', 'township', 'urgency', 'normal', 'reported_on', (reported AT TIME ZONE 'Asia/Shanghai')::date)
        AS extra
    FROM bench_difficulties
    UNION ALL
    SELECT 'difficulty_assigned', reported, enterprise_id, region_code, base, jsonb_build_object(
        'level', 'township', 'liaison_kind', 'government_affairs', 'liaison_name', '联络员',
        'official_username', NULL, 'contact_due', (reported AT TIME ZONE 'Asia/Shanghai')::date + 3,
        'resolve_due', (reported AT TIME ZONE 'Asia/Shanghai')::date + 14)
    FROM bench_difficulties
    UNION ALL
    SELECT 'difficulty_escalated', reported + interval '15 days', enterprise_id, region_code, base,
        jsonb_build_object('level', 'city', 'from_level', 'county', 'automatic', true, 'reason', '超过办理时限',
                           'escalated_on', (reported AT TIME ZONE 'Asia/Shanghai')::date + 15)
    FROM bench_difficulties WHERE n % 3 = 0
    UNION ALL
    SELECT 'difficulty_closed', reported + interval '30 days', enterprise_id, region_code, base, jsonb_build_object(
        'level', 'township', 'signed_off_by', 'township_official',
        'closed_on', (reported AT TIME ZONE 'Asia/Shanghai')::date + 30)
    FROM bench_difficulties WHERE n % 2 = 0
) AS difficulty_facts;
"""


def seed(consultation_url: str, enterprises: int, facts: int) -> int:
    """About `facts` facts (exactly, unless there are too few for the enterprises) over `enterprises`
    enterprises, straight into consultation's store; returns how many the store now holds."""
    mix = Mix.of(enterprises, facts)
    start = dt.datetime(2025, 1, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    values = {"start": start, "enterprises": mix.enterprises, "headcounts": mix.headcounts, "loans": mix.loans,
              "subsidies": mix.subsidies, "difficulties": mix.difficulties}
    engine = sa.create_engine(consultation_url.replace("postgresql://", "postgresql+psycopg2://", 1),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            for statement in filter(str.strip, SEED_SQL.split(";\n")):
                used = {name: value for name, value in values.items() if f":{name}" in statement}
                connection.execute(sa.text(statement), used)
            summaries.refresh(Session(bind=connection))  # what the handlers keep beside each fact
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE facts"))
            return connection.scalar(sa.text("SELECT count(*) FROM facts"))
    finally:
        engine.dispose()


@dataclass
class Timed:
    milliseconds: list[float]
    failures: list[str]
    cpu_ms: float  # CPU per call: consultation, gateway and PostgreSQL (every backend on the machine)
    load: float
    split: str  # the same, part by part

    def worst(self) -> float:
        return max(self.milliseconds)

    def p95(self) -> float:
        return percentile(self.milliseconds, 0.95)

    def note(self, *more: str) -> str:
        failed = [f"{len(self.failures)} failed: {self.failures[0]}"] if self.failures else []
        return "; ".join([*failed, *more, f"CPU ms per call: {self.split}"])


def timed(meter: CpuMeter, calls: int, call) -> Timed:
    load = load_average()
    before = meter.read()
    spent, failures = [], []
    for _ in range(calls):
        started = time.perf_counter()
        response = call()
        spent.append((time.perf_counter() - started) * 1000)
        if response.status_code not in (200, 201):
            failures.append(f"{response.status_code} {response.text[:120]}")
    used = CpuMeter.spent(before, meter.read())
    parts = ("consultation", "gateway", "postgres")
    split = " ".join(f"{part} {1000 * used[part] / calls:.0f}" for part in parts)
    return Timed(spent, failures, 1000 * sum(used[part] for part in parts) / calls, load, split)


def measure(stack, consultation_url: str, size: int) -> list[Row]:
    """Open a quarter over the seeded facts, then read its roster, bulletin, agenda, the dashboard and
    timelines; `size`: how many enterprises were seeded (the timelines are of those)."""
    meter = CpuMeter({name: stack.processes[name].pid for name in ("consultation", "gateway")})
    city = stack.client(stack.create_user("official", region_code=CITY, level="city"))
    county = stack.client(stack.create_user("official", region_code=COUNTY, level="county"))
    pick = random.Random(14)
    with stack.today(DAY):
        opening = timed(meter, 1, lambda: city.post("/api/v1/quarters", json={"quarter": QUARTER}))
        roster = timed(meter, 3, lambda: city.get(f"/api/v1/quarters/{QUARTER}/roster"))
        listed = city.get(f"/api/v1/quarters/{QUARTER}/roster").json()
        bulletin = timed(meter, 3, lambda: city.get(f"/api/v1/quarters/{QUARTER}/bulletin"))
        county_bulletin = timed(meter, 3, lambda: county.get(f"/api/v1/quarters/{QUARTER}/bulletin"))
        board = timed(meter, 20, lambda: city.get("/api/v1/dashboard"))
        agenda = timed(meter, 20, lambda: county.get(f"/api/v1/quarters/{QUARTER}/agenda"))
        lines = timed(meter, 50, lambda: city.get(
            f"/api/v1/enterprises/{enterprise_id(pick.randint(1, size))}/timeline"))
        city.put(f"/api/v1/quarters/{QUARTER}/meeting", json={
            "held_on": DAY.isoformat(), "chair": "市政府分管副市长", "departments": ["市人社局", "市财政局"],
            "minutes": "会议逐户研究困难企业诉求，明确牵头单位和完成时限。"})
        closing = timed(meter, 1, lambda: city.post(f"/api/v1/quarters/{QUARTER}/close"))
        issued = timed(meter, 3, lambda: county.get(f"/api/v1/quarters/{QUARTER}/bulletin"))
    on_roster = f"{len(listed):,} enterprises on the roster" if isinstance(listed, list) else "no roster"
    return [
        at_most("quarter opened: roster and agenda from every fact, s", opening.worst() / 1000, 10,
                cpu_ms=opening.cpu_ms, load=opening.load, note=opening.note(on_roster)),
        at_most("quarter's roster, city, slowest of 3, s", roster.worst() / 1000, 10, cpu_ms=roster.cpu_ms,
                load=roster.load, note=roster.note()),
        at_most("quarter's bulletin, city, slowest of 3, s", bulletin.worst() / 1000, 10, cpu_ms=bulletin.cpu_ms,
                load=bulletin.load, note=bulletin.note()),
        reference("quarter's bulletin, county, slowest of 3, ms", county_bulletin.worst(),
                  cpu_ms=county_bulletin.cpu_ms, load=county_bulletin.load, note=county_bulletin.note()),
        at_most("dashboard, city, p95 ms", board.p95(), 300, cpu_ms=board.cpu_ms, load=board.load,
                note=board.note()),
        reference("agenda, county, p95 ms", agenda.p95(), cpu_ms=agenda.cpu_ms, load=agenda.load,
                  note=agenda.note()),
        reference("enterprise's timeline p95 ms", lines.p95(), cpu_ms=lines.cpu_ms, load=lines.load,
                  note=lines.note()),
        at_most("quarter closed: its bulletin issued for the city and each county, s", closing.worst() / 1000, 10,
                cpu_ms=closing.cpu_ms, load=closing.load, note=closing.note()),
        reference("issued bulletin, county, slowest of 3, ms", issued.worst(), cpu_ms=issued.cpu_ms,
                  load=issued.load, note=issued.note()),
    ]


def main() -> None:
    enterprises, facts = SIZES[os.environ.get("GUIYAN_BENCH_SIZE", "full")]
    with running_system("consult") as (stack, urls):
        started = time.perf_counter()
        count = seed(urls["consultation"], enterprises, facts)
        print(f"{count:,} facts about {enterprises:,} enterprises seeded in {time.perf_counter() - started:.0f} s")
        rows = measure(stack, urls["consultation"], enterprises)
    print(f"\n{'measure':<48}{'value':>10}  {'target':<8}{'met':<5}{'CPU ms':>9}{'load':>6}")
    for row in rows:
        met = "—" if row.met is None else ("yes" if row.met else "NO")
        print(f"{row.measure:<48}{row.value:>10.1f}  {row.target:<8}{met:<5}{row.cpu_ms or 0:>9.0f}"
              f"{row.load or 0:>6.1f}  {row.note}")


if __name__ == "__main__":
    main()
