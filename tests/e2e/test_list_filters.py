"""Lists that can be searched and filtered (issue 15, item 5): loans, subsidy claims and difficulties
by part of a name, a status, a kind, a bank or a region, in the API and on the pages; a filter only
ever narrows what the caller may see."""

from __future__ import annotations

import datetime as dt

import pytest

from shared import clock
from tests.borrowers import certify, key, loan_request, make_borrower, skill_claim
from tests.e2e.test_difficulties_api import report
from tests.e2e.test_finance_pages import browser_for


@pytest.fixture(scope="module")
def story(stack, places):
    township_name = stack.create_user("official", region_code=places.township, level="township")
    township = stack.client(township_name)
    borrower = make_borrower(stack, township, enterprise=True)
    loan = borrower.client.post("/api/v1/loans", json=loan_request(), headers=key()).json()
    electrician = {"name": "电工", "level": "junior", "issued_on": (clock.today() - dt.timedelta(days=5)).isoformat()}
    certify(stack, township, borrower.entrepreneur_id, electrician)
    claim = borrower.client.post("/api/v1/subsidy-claims", headers=key(),
                                 json=skill_claim(electrician, certificate_no="F1")).json()
    difficulty = report(borrower)
    return {"township": township, "township_name": township_name, "borrower": borrower, "loan": loan,
            "claim": claim, "difficulty": difficulty,
            "other_county": stack.client(stack.create_user("official", region_code=places.other_county,
                                                           level="county")),
            "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB"))}


def ids(answer) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def test_loans_are_found_by_part_of_the_borrowers_name_its_status_kind_and_bank(story, places):
    loan, township = story["loan"], story["township"]
    fragment = loan["borrower_name"][1:3]
    assert loan["id"] in ids(township.get("/api/v1/loans", params={"q": fragment}))
    assert loan["id"] in ids(township.get("/api/v1/loans", params={"q": loan["id"][:8]}))
    assert loan["id"] in ids(township.get("/api/v1/loans", params={
        "status": loan["status"], "borrower_kind": "individual", "bank_code": "NJRCB", "region_code": places.village}))
    assert loan["id"] not in ids(township.get("/api/v1/loans", params={"bank_code": "PSBC"}))
    assert loan["id"] not in ids(township.get("/api/v1/loans", params={"borrower_kind": "enterprise"}))
    assert loan["id"] in ids(story["bank"].get("/api/v1/loans", params={"q": fragment}))
    # a filter never reaches past the caller's own region
    assert loan["id"] not in ids(story["other_county"].get("/api/v1/loans", params={"region_code": places.village}))


def test_claims_and_difficulties_are_found_the_same_way(story, places):
    township, claim, difficulty = story["township"], story["claim"], story["difficulty"]
    assert claim["id"] in ids(township.get("/api/v1/subsidy-claims", params={
        "q": claim["claimant_name"][1:3], "kind": "skill", "region_code": places.township}))
    assert claim["id"] not in ids(township.get("/api/v1/subsidy-claims", params={"kind": "travel"}))
    typed = difficulty["reference"].lower().replace("-", "")  # as people type it
    assert difficulty["id"] in ids(township.get("/api/v1/difficulties", params={"q": typed}))
    assert difficulty["id"] in ids(township.get("/api/v1/difficulties", params={
        "q": difficulty["enterprise_name"][2:6], "category": "labour", "level": "township", "status": "assigned"}))
    assert difficulty["id"] not in ids(township.get("/api/v1/difficulties", params={"category": "land"}))
    assert difficulty["id"] not in ids(story["other_county"].get("/api/v1/difficulties", params={"q": typed}))
    assert township.get("/api/v1/difficulties", params={"level": "village"}).status_code == 422


def test_the_pages_filter_as_they_are_asked_and_keep_the_choice(stack, story):
    page = browser_for(stack, story["township_name"])
    loan = story["loan"]
    found = page.get("/loans", params={"q": loan["borrower_name"][1:3], "status": loan["status"]})
    assert found.status_code == 200 and f'href="/loans/{loan["id"]}"' in found.text
    assert 'name="q" type="search" value="' + loan["borrower_name"][1:3] + '"' in found.text
    assert f'<option value="{loan["status"]}" selected>' in found.text and "清除筛选" in found.text
    none = page.get("/loans", params={"q": "没有这个名字"})
    assert "没有符合筛选条件的贷款" in none.text
    claims = page.get("/subsidies", params={"status": "", "kind": "skill"})
    assert f'href="/subsidies/{story["claim"]["id"]}"' in claims.text
    difficulties = page.get("/difficulties", params={"all": "1", "q": story["difficulty"]["reference"]})
    assert f'href="/difficulties/{story["difficulty"]["id"]}"' in difficulties.text
    assert 'name="all" value="1"' in difficulties.text  # the filter keeps the list it filters
