"""Writes under load through the real gateway: registrations (with the time until every consumer has
applied each one) and a loan's whole flow, with the CPU every process spent per operation."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from bench.load import Http, Run, drive, sign_in_straight
from bench.processes import CpuMeter
from shared.migrate import SERVICES_WITH_DATABASE
from tests.factories import entrepreneur_data


@dataclass
class Measured:
    run: Run
    cpu: dict[str, float]  # seconds per part over the run (CpuMeter.spent)

    def cpu_ms_per_operation(self, *parts: str) -> float:
        return 1000 * sum(self.cpu[part] for part in parts) / max(1, len(self.run.latencies))


def measured(meter: CpuMeter, action) -> Measured:
    before = meter.read()
    run = action()
    return Measured(run, meter.spent(before, meter.read()))


def entrepreneurs(stack, count: int) -> list[Http]:
    """Signed-in entrepreneurs. Their sessions are written straight into the gateway's database, and
    each then asks who it is once, before anything is measured: a real sign-in leaves the session in
    the gateway's memory (`accounts.sign_in`), so the first command after it does not look the token
    up, and neither does a measured one here."""
    tokens = sign_in_straight(stack.databases["gateway"],
                              [(f"bench_{uuid.uuid4().hex[:12]}", "entrepreneur") for _ in range(count)])
    clients = [Http(stack.base_url, token) for token in tokens]
    asking = Http(stack.base_url, "")
    for client in clients:
        asking.token = client.token
        asking.call("GET", "/api/v1/me")
    return clients


def registrations(stack, meter: CpuMeter, clients: int, operations: int) -> Measured:
    """`operations` entrepreneurs each registering their own record, `clients` at a time."""
    accounts = entrepreneurs(stack, operations)
    pool = [Http(stack.base_url, "") for _ in range(clients)]

    def register(client: Http, n: int) -> str:
        client.token = accounts[n].token  # each registration is its own person's
        return client.call("POST", "/api/v1/entrepreneurs", entrepreneur_data(), expect=201)["id"]

    return measured(meter, lambda: drive(pool, operations, register))


def consumer_delays(databases: dict[str, str], registry_run: Run, timeout: float = 120) -> tuple[list[float], int]:
    """For each registration: ms from its HTTP answer until the last consumer applied its event, and
    how many consumers there are. Waits for every consumer of every event."""
    answered = {entrepreneur_id: at for at, entrepreneur_id in registry_run.answered}
    engines = {service: sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1),
                                         poolclass=sa.pool.NullPool)
               for service, url in databases.items() if service in SERVICES_WITH_DATABASE}
    try:
        with engines["registry"].connect() as connection:
            events = dict(connection.execute(sa.text(
                "SELECT event_id, envelope->'payload'->>'entrepreneur_id' FROM outbox"
                " WHERE event_type = 'entrepreneur_registered'"
                " AND envelope->'payload'->>'entrepreneur_id' = ANY(:ids)"), {"ids": list(answered)}).all())
        deadline = time.monotonic() + timeout
        while True:
            applied: dict[str, list[float]] = {event_id: [] for event_id in events}
            consumers: set[str] = set()
            for engine in engines.values():
                with engine.connect() as connection:
                    for consumer, event_id, at in connection.execute(sa.text(
                            "SELECT consumer, event_id, extract(epoch FROM processed_at) FROM inbox"
                            " WHERE event_type = 'entrepreneur_registered' AND event_id = ANY(:ids)"),
                            {"ids": list(events)}):
                        consumers.add(consumer)
                        applied[event_id].append(float(at))
            if all(len(times) == len(consumers) for times in applied.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        delays = [1000 * (max(times) - answered[events[event_id]])
                  for event_id, times in applied.items() if len(times) == len(consumers)]
        missing = sum(1 for times in applied.values() if len(times) < len(consumers))
        if missing:
            raise AssertionError(f"{missing} registrations not applied by every consumer in {timeout} s")
        return delays, len(consumers)
    finally:
        for engine in engines.values():
            engine.dispose()


def known_borrowers(stack, count: int) -> list[Http]:
    """Entrepreneurs that finance already knows as registered and verified (its read model filled
    straight, as the registry's events would fill it)."""
    clients = entrepreneurs(stack, count)
    gateway = sa.create_engine(stack.databases["gateway"].replace("postgresql://", "postgresql+psycopg2://", 1),
                               poolclass=sa.pool.NullPool)
    finance = sa.create_engine(stack.databases["finance"].replace("postgresql://", "postgresql+psycopg2://", 1),
                               poolclass=sa.pool.NullPool)
    from services.gateway.handlers.auth import token_hash

    with gateway.connect() as connection:
        accounts = connection.execute(sa.text("SELECT user_id FROM login_sessions WHERE token_hash = ANY(:h)"),
                                      {"h": [token_hash(client.token) for client in clients]}).scalars().all()
    with finance.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO known_entrepreneurs (id, account_id, name, region_code, household_region_code,"
            " verified, updated_at) VALUES (:id, :account, '测试', '511011101201', '511011101201', true, now())"),
            [{"id": str(uuid.uuid4()), "account": account} for account in accounts])
    gateway.dispose()
    finance.dispose()
    return clients


STEPS = ("apply", "approve", "disburse", "repay")


def loan_flows(stack, meter: CpuMeter, clients: int, flows: int) -> tuple[Measured, dict[str, list[float]]]:
    """Apply → approve → disburse (36 instalments) → a repayment, `clients` flows at a time; each
    step's latencies."""
    officials = stack.client(stack.create_user("official", region_code="511000", level="city"))
    response = officials.post("/api/v1/fund/contributions", headers={"Idempotency-Key": str(uuid.uuid4())},
                              json={"account": "fund:guarantee", "amount_yuan": "100000000"})
    assert response.status_code == 201, response.text
    liaison = stack.client(stack.create_user("bank_liaison", bank_code="NJRCB"))
    liaison_token = liaison.http.headers["Authorization"].removeprefix("Bearer ")
    borrowers = known_borrowers(stack, flows)
    pool = [(Http(stack.base_url, ""), Http(stack.base_url, liaison_token)) for _ in range(clients)]
    steps: dict[str, list[float]] = {step: [] for step in STEPS}
    terms = {"amount_yuan": "200000", "term_months": 36, "spread_bp": 50}

    def timed(step: str, call):
        start = time.perf_counter()
        result = call()
        steps[step].append((time.perf_counter() - start) * 1000)
        return result

    def flow(pair: tuple[Http, Http], n: int) -> str:
        borrower, bank = pair
        borrower.token = borrowers[n].token
        loan = timed("apply", lambda: borrower.call("POST", "/api/v1/loans", {
            "bank_code": "NJRCB", "amount_yuan": "200000", "term_months": 36, "purpose": "购置设备"},
            expect=201))
        path = f"/api/v1/loans/{loan['id']}"
        timed("approve", lambda: bank.call("POST", f"{path}/approve", terms))
        timed("disburse", lambda: bank.call("POST", f"{path}/disburse", {}, key=True))
        timed("repay", lambda: bank.call("POST", f"{path}/repayments", {"amount_yuan": "1000"}, expect=201,
                                         key=True))
        return loan["id"]

    return measured(meter, lambda: drive(pool, flows, flow)), steps
