"""Borrowers for finance's e2e tests: registered, verified, and known to finance's and escalation's read models."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from tests.factories import credit_code, enterprise_data, entrepreneur_data
from tests.places import PLACES
from tests.quarters import Quarter, programme_day
from tests.support.waiting import eventually


def finance_knows(stack, table: str, record_id: str, condition: str = "true",
                  service: str = "finance", key_column: str = "id") -> None:
    """Wait until a service's read model (finance's by default) holds the record and `condition` holds."""
    engine = sa.create_engine(stack.databases[service].replace("postgresql://", "postgresql+psycopg2://", 1),
                              poolclass=sa.pool.NullPool)
    query = sa.text(f"SELECT bool_or({condition}) AS ok FROM {table} WHERE {key_column} = :id")  # noqa: S608

    def known():
        with engine.connect() as connection:
            row = connection.execute(query, {"id": record_id}).first()
        return row is not None and bool(row.ok)

    try:
        eventually(known, message=f"{service} knows {table} {record_id} ({condition})")
    finally:
        engine.dispose()


@dataclass
class Borrower:
    username: str
    client: object
    entrepreneur_id: str
    enterprise_id: str | None = None


def make_borrower(stack, official, *, region: str = PLACES.village, enterprise: bool = False,
                  headcount: int = 20, new_hires: int = 3, verify: bool = True,
                  founded_on: str = "2025-06-01", quarter: str | None = None,
                  kind: str = "cooperative") -> Borrower:
    """An entrepreneur (and optionally their enterprise) whom `official` has verified.

    The enterprise reports its headcount for `quarter`, by default the last one over on the programme's
    clock, or in a year's first quarter the one begun (an enterprise's loan counts the new hires of
    the year it applies in); on a moved day, pass one that has already begun then.
    """
    now = Quarter.of(programme_day(stack))
    quarter = quarter or (now if now.number == 1 else now.previous).code
    username = stack.create_user("entrepreneur", username=f"e_{uuid.uuid4().hex[:10]}")
    client = stack.client(username)
    person = client.post("/api/v1/entrepreneurs", json=entrepreneur_data(region_code=region)).json()
    borrower = Borrower(username, client, person["id"])
    if verify:
        assert official.post(f"/api/v1/entrepreneurs/{person['id']}/verify").status_code == 200
    finance_knows(stack, "known_entrepreneurs", person["id"], "verified" if verify else "true")
    if enterprise:
        firm = client.post("/api/v1/enterprises", json=enterprise_data(
            region_code=region, credit_code=credit_code(region), headcount=headcount,
            founded_on=founded_on, kind=kind)).json()
        borrower.enterprise_id = firm["id"]
        client.post(f"/api/v1/enterprises/{firm['id']}/headcount", json={
            "quarter": quarter, "headcount": headcount, "poverty_hires": 1, "new_hires": new_hires})
        if verify:
            assert official.post(f"/api/v1/enterprises/{firm['id']}/verify").status_code == 200
        finance_knows(stack, "known_enterprises", firm["id"],
                      ("verified AND " if verify else "") + "headcount_quarter IS NOT NULL")
        finance_knows(stack, "known_enterprises", firm["id"], "owner_account_id IS NOT NULL", "escalation")
    return borrower


def certificate(stack, occupation: str = "电工", level: str = "junior", days_ago: int = 20) -> dict:
    """A skill certificate issued `days_ago` days before the programme's day."""
    issued = programme_day(stack) - dt.timedelta(days=days_ago)
    return {"name": occupation, "level": level, "issued_on": issued.isoformat()}


def certify(stack, official, entrepreneur_id: str, *certificates: dict) -> None:
    """The certificates on a person's record, put there by an official of their region (a skill
    subsidy claims one of them), once finance's copy holds them all."""
    response = official.patch(f"/api/v1/entrepreneurs/{entrepreneur_id}", json={
        "certificates": list(certificates), "reason": "登记新取得的职业技能等级证书"})
    assert response.status_code == 200, response.text
    held = json.dumps(list(certificates), ensure_ascii=False).replace("'", "''")
    finance_knows(stack, "known_entrepreneurs", entrepreneur_id, f"certificates @> '{held}'::jsonb")


def skill_claim(certificate: dict, **overrides) -> dict:
    """The claim of a skill subsidy for a certificate on the claimant's record."""
    return {"kind": "skill", "occupation": certificate["name"], "level": certificate["level"],
            "issued_on": certificate["issued_on"], "unemployment_insurance_months": 24, **overrides}


def founded_in(quarter: Quarter) -> dict:
    """make_borrower's arguments for an enterprise founded in the quarter's last month, which reported
    that quarter's headcount: for a story set on a moved day after it."""
    return {"founded_on": quarter.day(3, 1).isoformat(), "quarter": quarter.code}


def loan_request(**overrides) -> dict:
    data = {"borrower_kind": "individual", "bank_code": "NJRCB", "amount_yuan": "200000.00",
            "term_months": 24, "purpose": "扩大柑橘种植规模，购置农资", "repayment_method": "equal_instalments"}
    data.update(overrides)
    return data


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}
