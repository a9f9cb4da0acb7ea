"""An idempotency key belongs to its caller: a replay never shows what a GET of the record would refuse.

Keys such as `disburse-<loan id>` are easy to guess. Another bank's liaison, the administrator or
another entrepreneur sending the borrower's bank's key gets the answer they get without it; the
liaison who sent it gets the stored answer, until they may no longer read the loan.
"""

import pytest
import sqlalchemy as sa

from tests.borrowers import key, loan_request, make_borrower

APPROVAL = {"amount_yuan": "120000", "term_months": 24, "spread_bp": 0}


@pytest.fixture(scope="module")
def people(stack, places):
    city = stack.client(stack.create_user("official", region_code=places.city, level="city"))
    city.post("/api/v1/fund/contributions", headers=key(), json={"account": "fund:guarantee",
                                                                 "amount_yuan": "5000000"})
    maker_name = stack.create_user("bank_liaison", bank_code="NJRCB")
    return {
        "township": stack.client(stack.create_user("official", region_code=places.township, level="township")),
        "other_county": stack.client(stack.create_user("official", region_code=places.other_county, level="county")),
        "maker": stack.client(maker_name), "maker_name": maker_name,
        "other_bank": stack.client(stack.create_user("bank_liaison", bank_code="PSBC")),
        "admin": stack.client(stack.create_user("admin")),
        "stranger": stack.client(stack.create_user("entrepreneur")),
    }


def error(response):
    return response.status_code, response.json()["error"]["code"]


def disbursed_loan(stack, people) -> tuple[str, dict, dict]:
    """A loan the NJRCB liaison approved and paid out with the guessable key `disburse-<id>`."""
    borrower = make_borrower(stack, people["township"])
    loan = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="120000")).json()
    assert people["maker"].post(f"/api/v1/loans/{loan['id']}/approve", json=APPROVAL).status_code == 200
    headers = {"Idempotency-Key": f"disburse-{loan['id']}"}
    paid = people["maker"].post(f"/api/v1/loans/{loan['id']}/disburse", headers=headers, json={})
    assert paid.status_code == 200, paid.text
    return loan["id"], headers, paid.json()


@pytest.mark.parametrize("who", ["other_bank", "admin", "stranger", "other_county"])
def test_another_callers_replay_of_a_disbursement_key_answers_as_an_unknown_loan(stack, people, who):
    loan_id, headers, first = disbursed_loan(stack, people)
    unknown = people[who].get(f"/api/v1/loans/{loan_id}")
    replay = people[who].post(f"/api/v1/loans/{loan_id}/disburse", headers=headers, json={})
    assert replay.status_code in (403, 404)
    assert error(replay) == error(people[who].post(f"/api/v1/loans/{loan_id}/disburse", headers=key(), json={}))
    if replay.status_code == 404:
        assert error(replay) == error(unknown) == (404, "loan_not_found")
    assert first["borrower_name"] not in replay.text and "schedule" not in replay.json()


def test_a_replayed_repayment_key_does_not_show_the_schedule_to_another_bank(stack, people):
    loan_id, _, _ = disbursed_loan(stack, people)
    headers = {"Idempotency-Key": f"repayment-{loan_id}-1"}
    repayment = {"amount_yuan": "5300"}
    first = people["maker"].post(f"/api/v1/loans/{loan_id}/repayments", headers=headers, json=repayment)
    assert first.status_code in (200, 201), first.text
    replay = people["other_bank"].post(f"/api/v1/loans/{loan_id}/repayments", headers=headers, json=repayment)
    assert error(replay) == (404, "loan_not_found")


def test_the_caller_replays_their_own_key_and_gets_the_first_answer(stack, people):
    loan_id, headers, first = disbursed_loan(stack, people)
    again = people["maker"].post(f"/api/v1/loans/{loan_id}/disburse", headers=headers, json={})
    assert (again.status_code, again.json()) == (200, first)


def test_a_liaison_moved_to_another_bank_can_no_longer_replay(stack, people):
    loan_id, headers, _ = disbursed_loan(stack, people)
    moved = stack.client(stack.create_user("bank_liaison", bank_code="NJRCB"))
    borrower = make_borrower(stack, people["township"])
    other = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="120000")).json()
    assert moved.post(f"/api/v1/loans/{other['id']}/approve", json=APPROVAL).status_code == 200
    mine = {"Idempotency-Key": f"disburse-{other['id']}"}
    assert moved.post(f"/api/v1/loans/{other['id']}/disburse", headers=mine, json={}).status_code == 200
    engine = sa.create_engine(stack.databases["gateway"].replace("postgresql://", "postgresql+psycopg2://", 1),
                              poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE users SET bank_code = 'PSBC' WHERE username = :name"),
                           {"name": moved.username})
    engine.dispose()
    assert error(moved.post(f"/api/v1/loans/{other['id']}/disburse", headers=mine, json={})) == (
        404, "loan_not_found")
