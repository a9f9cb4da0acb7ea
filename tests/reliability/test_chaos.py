"""Proof under chaos: a mixed load through the API while processes die, the broker and the database go
away and poison arrives; after each fault the system goes quiet and its books are read.

The whole system runs twice over: two processes of every consumer service (competing consumers of
the same queues) and two gateways behind one address. The broker and PostgreSQL are reached through
TCP proxies that the test cuts and restores, so an outage is a path that breaks for a few seconds,
never the real servers. After each fault, one row: commands accepted, events published, events
consumed, duplicates (0), lost (0), parked (exactly the poison injected), the ledger's trial balance
(0), every loan in a state its history allows, and the longest a caller was answered 503. Last, the
day moves on past every instalment and limit: both instances of finance and escalation sweep and
both consultations' quarter timers fire, and each thing is done once.

`make test` runs the short form (one kill -9, one broker cut, one poison); `make test-reliability`
(GUIYAN_CHAOS=long) every fault with a longer load.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest
import requests
import sqlalchemy as sa
from kombu import Connection

from shared import clock, events
from shared.contracts.escalation import ResolutionAssigned
from shared.quarters import quarter_bounds, quarter_of
from tests.places import PLACES
from tests.stack import ApiClient, Stack, free_port, fresh_databases, process_name
from tests.support.mixed_load import Cast, MixedLoad
from tests.support.proxy import CuttableProxy
from tests.support.reckoning import (
    Auditor,
    Reckoning,
    busy_queues,
    render,
    unsent,
    waiting_messages,
)
from tests.support.waiting import eventually

pytestmark = pytest.mark.reliability
LONG = os.environ.get("GUIYAN_CHAOS") == "long"
CONSUMERS = ("registry", "finance", "escalation", "projects", "consultation")
OUTAGE_SECONDS = 20.0 if LONG else 4.0
LOAD_SECONDS = 16.0 if LONG else 4.0  # load around each fault: half before it, half after
THREADS = 4 if LONG else 3
QUIET_SECONDS = 240.0 if LONG else 90.0
FUNDS = {"fund:guarantee": "50000000.00", "budget:subsidy": "5000000.00"}
POISON_QUEUES = {
    "undecodable": "evt-registry-entrepreneur_registered--finance.handle_entrepreneur_registered",
    "bad_schema": "evt-registry-entrepreneur_registered--projects.handle_entrepreneur_registered",
    "always_raises": "evt-consultation-resolution_assigned--escalation.handle_resolution_assigned",
}


def _through(url: str, proxy: CuttableProxy) -> str:
    """`url` with its host and port replaced by the proxy's (user and password kept)."""
    parsed = urlparse(url)
    user = parsed.netloc.rpartition("@")[0]
    return parsed._replace(netloc=f"{user}@127.0.0.1:{proxy.port}" if user else f"127.0.0.1:{proxy.port}").geturl()


@dataclass
class ChaosSystem:
    stack: Stack
    broker: CuttableProxy
    database: CuttableProxy
    front: CuttableProxy  # the one address of both gateways
    options: dict = field(default_factory=dict)  # how each process was started, to start it again

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.front.port}"

    def start(self, service: str, instance: int = 1, **options) -> None:
        name = process_name(service, instance)
        self.options[name] = options = self.options.get(name, options)
        self.stack.start(service, instance=instance, **options)

    def alive(self) -> dict[str, bool]:
        return {name: process.poll() is None for name, process in self.stack.processes.items()}


@pytest.fixture
def chaos(infra, tmp_path):
    with fresh_databases(infra.postgres_url, "chaos") as (prefix, urls):
        yield from _chaos_system(infra, tmp_path, prefix, urls)


def _chaos_system(infra, tmp_path, prefix: str, urls: dict):
    vhost = infra.create_vhost("guiyan_chaos")
    pg, amqp = urlparse(infra.postgres_url), urlparse(infra.amqp_uri)
    broker, database = CuttableProxy(amqp.hostname, amqp.port or 5672), CuttableProxy(pg.hostname, pg.port or 5432)
    stack = Stack(infra, urls, vhost, tmp_path)
    second_port = free_port()
    front = CuttableProxy("127.0.0.1", stack.port, ("127.0.0.1", second_port))
    for proxy in (broker, database, front):
        proxy.restore()
    stack.env.pop("GUIYAN_OUTBOX_AMQP_URI", None)
    stack.env.update(GUIYAN_DATABASE_PREFIX=prefix, GUIYAN_POSTGRES_URL=_through(infra.postgres_url, database),
                     GUIYAN_AMQP_URI=_through(stack.amqp_uri, broker), GUIYAN_DB_POOL_SIZE="3",
                     GUIYAN_RPC_TIMEOUT_SECONDS="3", GUIYAN_SWEEP_INTERVAL_SECONDS="2",
                     GUIYAN_LOG_LEVEL="WARNING")
    system = ChaosSystem(stack, broker, database, front)
    try:
        for instance in (1, 2):
            for service in CONSUMERS:  # consultation with its quarter timer firing every few seconds
                module = "tests.support.eager_timers" if service == "consultation" else "guiyan.runner"
                system.start(service, instance, module=module)
        system.start("gateway")
        system.start("gateway", 2, GUIYAN_WEB_ADDRESS=f"127.0.0.1:{second_port}")
        stack.wait_ready(timeout=120)
        eventually(lambda: requests.get(f"http://127.0.0.1:{second_port}/ready", timeout=5).ok, timeout=60,
                   interval=0.3, ignoring=(requests.RequestException,), message="the second gateway is ready")
        yield system
    finally:
        for name in list(stack.processes):  # nothing to keep: no graceful stop needed
            stack.stop(name, signal.SIGKILL)
        for proxy in (broker, database, front):
            proxy.cut()
        infra.delete_vhost(vhost)


def _cast(system: ChaosSystem) -> Cast:
    stack = system.stack

    def client(role: str, **account) -> ApiClient:
        one = ApiClient(system.base_url)
        one.login(stack.create_user(role, **account))
        return one

    cast = Cast(township=client("official", region_code=PLACES.township, level="township"),
                county=client("official", region_code=PLACES.county, level="county"),
                city=client("official", region_code=PLACES.city, level="city"),
                maker=client("bank_liaison", bank_code="NJRCB"),
                county_checker=client("official", region_code=PLACES.county, level="county"),
                county_payer=client("official", region_code=PLACES.county, level="county"))
    for account, amount in FUNDS.items():
        paid = cast.city.post("/api/v1/fund/contributions", headers={"Idempotency-Key": str(uuid.uuid4())},
                              json={"account": account, "amount_yuan": amount, "note": "混沌测试拨入"})
        assert paid.status_code == 201, paid.text
    return cast


# ---- the faults: each returns the poison it injected (what must be parked) -----------------------

def kill_and_restart(service: str, instance: int):
    def fault(system: ChaosSystem) -> list[str]:
        name = process_name(service, instance)
        process = system.stack.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait()
        time.sleep(1)  # the supervisor's first back-off
        system.start(service, instance)
        return []

    fault.__name__ = f"kill -9 {process_name(service, instance)}"
    return fault


def broker_cut(system: ChaosSystem) -> list[str]:
    return _cut(system.broker)


def database_cut(system: ChaosSystem) -> list[str]:
    return _cut(system.database)


def _cut(proxy: CuttableProxy) -> list[str]:
    proxy.cut()
    try:
        time.sleep(OUTAGE_SECONDS)
    finally:
        proxy.restore()
    return []


broker_cut.__name__ = f"broker cut {OUTAGE_SECONDS:.0f} s"
database_cut.__name__ = f"database cut {OUTAGE_SECONDS:.0f} s"


def _publish(system: ChaosSystem, queue: str, body, **options) -> None:
    with Connection(system.stack.amqp_uri) as connection:  # straight to the broker, not through the proxy
        connection.Producer().publish(body, exchange="", routing_key=queue, delivery_mode=2, retry=False,
                                      **options)


def poison_undecodable(system: ChaosSystem) -> list[str]:
    queue = POISON_QUEUES["undecodable"]
    _publish(system, queue, b'{"event_id": "not json at all', content_type="application/json",
             content_encoding="utf-8")
    return [f"{queue}:undecodable"]


def poison_bad_schema(system: ChaosSystem) -> list[str]:
    queue = POISON_QUEUES["bad_schema"]
    envelope = events.Envelope(event_type="entrepreneur_registered", version=1, producer="registry",
                               payload={"entrepreneur_id": str(uuid.uuid4())})  # every other field missing
    _publish(system, queue, envelope.model_dump(mode="json"), serializer="json")
    return [f"{queue}:{envelope.event_id}"]


def poison_always_raises(system: ChaosSystem) -> list[str]:
    queue = POISON_QUEUES["always_raises"]
    decision = events.make_event(ResolutionAssigned(  # about a difficulty escalation never heard of
        resolution_id=str(uuid.uuid4()), quarter=quarter_of(clock.today()), difficulty_id=str(uuid.uuid4()),
        enterprise_id=str(uuid.uuid4()), lead_department="市财政局", co_departments=[], measure="协调解决",
        deadline=clock.today() + dt.timedelta(days=60)))
    _publish(system, queue, decision.model_dump(mode="json"), serializer="json")
    return [f"{queue}:{decision.event_id}"]


poison_undecodable.__name__ = "poison: not JSON"
poison_bad_schema.__name__ = "poison: bad schema"
poison_always_raises.__name__ = "poison: handler raises"

SHORT = [kill_and_restart("finance", 2), broker_cut, poison_always_raises]
EVERY = [*(kill_and_restart(service, 1 + n % 2) for n, service in enumerate(CONSUMERS)),
         kill_and_restart("gateway", 2), broker_cut, database_cut,
         poison_undecodable, poison_bad_schema, poison_always_raises]


# ---- quiet and the books -----------------------------------------------------------------------

def settle(system: ChaosSystem, auditor: Auditor, fault: str, load: MixedLoad, cast: Cast,
           injected: list[str]) -> Reckoning:
    """Wait for quiet (no event unsent in any outbox, no message waiting in any queue, nothing missing,
    the poison parked) and read the row; the last row read if quiet never comes."""
    stack = system.stack
    deadline = time.monotonic() + QUIET_SECONDS
    while True:
        if unsent(stack.databases) == 0 and waiting_messages(stack.infra, stack.vhost, stack.amqp_uri) == 0:
            row = auditor.reckon(fault, load, cast.city, injected)
            if row.total_lost == 0 and row.parked == row.expected_parked and row.balanced:
                return row
            if time.monotonic() > deadline:
                return row
        elif time.monotonic() > deadline:
            return auditor.reckon(fault, load, cast.city, injected)
        time.sleep(1)


def _count(url: str, query: str, **params) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text(query), params)
    finally:
        engine.dispose()


def move_on_and_sweep(system: ChaosSystem, today: dt.date) -> tuple[str, dt.date]:
    """The programme's day moves to the last day of a quarter past every instalment and time limit:
    both finance and both escalation instances sweep, both consultations' timers open the quarter."""
    later = quarter_bounds(quarter_of(today + dt.timedelta(days=150)))[1]
    code = quarter_of(later)
    clock.set_today(system.stack.clock_file, later)
    databases = system.stack.databases
    eventually(lambda: _count(databases["finance"], "SELECT count(*) FROM loans WHERE status IN"
                              " ('disbursed', 'repaying', 'overdue') AND (checked_on IS NULL OR checked_on < :d)",
                              d=later) == 0, timeout=120, interval=1, message="finance's sweep reaches every loan")
    eventually(lambda: _count(databases["escalation"], "SELECT count(*) FROM difficulties WHERE level = 'township'"
                              " AND status NOT IN ('closed')") == 0, timeout=120, interval=1,
               message="escalation's sweep climbs every overdue difficulty")
    eventually(lambda: _count(databases["consultation"], "SELECT count(*) FROM quarters WHERE code = :q", q=code),
               timeout=60, interval=1, message="the quarter timer opens the quarter")
    time.sleep(12)  # both timers tick twice more, each sweep a few times more: nothing more may happen
    return code, later


# ---- the proof ---------------------------------------------------------------------------------

def test_under_a_mixed_load_every_fault_loses_nothing_doubles_nothing_and_parks_only_poison(chaos):
    system, started = chaos, time.monotonic()
    stack = system.stack
    today = clock.today()
    cast = _cast(system)
    auditor = Auditor(stack.infra, stack.vhost, stack.databases, stack.amqp_uri)
    load = MixedLoad(stack, system.base_url, cast, today, THREADS)
    rows, injected = [], []
    try:
        for fault in EVERY if LONG else SHORT:
            load.start()
            time.sleep(LOAD_SECONDS / 2)
            injected += fault(system)
            time.sleep(LOAD_SECONDS / 2)
            load.finish()
            rows.append(settle(system, auditor, fault.__name__, load, cast, injected))
            print(f"\n{render(rows[-1:]).splitlines()[2]}", flush=True)
        quarter, later = move_on_and_sweep(system, today)
        rows.append(settle(system, auditor, f"sweeps and timer on {later}", load, cast, injected))
        busy = busy_queues(stack.infra, stack.vhost)
        deadline = time.monotonic() + 30  # the management API's figures trail by up to 5 s
        while busy and time.monotonic() < deadline:
            time.sleep(1)
            busy = busy_queues(stack.infra, stack.vhost)
    finally:
        load.halt.set()
    seconds = time.monotonic() - started
    opened = _count(stack.databases["consultation"], "SELECT count(*) FROM outbox WHERE event_type = 'quarter_opened'"
                    " AND envelope->'payload'->>'quarter' = :q", q=quarter)
    swept = _count(stack.databases["finance"], "SELECT count(*) FROM outbox WHERE event_type = 'loan_compensated'")
    print(f"\nchaos ({'long' if LONG else 'short'} form, {seconds:.0f} s, {load.stories} stories, "
          f"answers {dict(load.statuses)}, {load.unavailable} × 503, {load.unreachable} unreachable):\n"
          f"{render(rows)}\naccepted by kind: {dict(load.accepted)}\n"
          f"{swept} loans compensated by the sweeps; quarter {quarter} opened {opened} time(s)\n"
          f"processes alive: {system.alive()}\nqueues not empty and acknowledged: {busy}")

    assert all(system.alive().values()), system.alive()
    assert not busy, busy
    assert 500 not in load.statuses and not load.unexpected and not load.given_up, (
        load.unexpected[:5], load.given_up[:5])
    assert load.accepted["repayment"] > 0 and load.accepted["escalation"] > 0, dict(load.accepted)
    for row in rows:
        assert (row.total_duplicates, row.total_lost) == (0, 0), (row.fault, row.duplicates, row.lost)
        assert row.parked == row.expected_parked, (row.fault, row.parked)
        assert row.balanced and row.trial_balance_fen == 0, row.fault
        assert not row.loans_off_their_history, (row.fault, row.loans_off_their_history[:5])
    assert swept == len(load.kept["disbursement"])
    assert opened == 1
