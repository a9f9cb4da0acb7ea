"""The loan policies as written, through the HTTP API (issue 17): partnerships, caps by kind of
borrower, a loan outstanding anywhere in the person's circle, the year's hiring share, and the bank's
queue with small and micro enterprises first."""

import pytest

from tests.borrowers import finance_knows, key, loan_request, make_borrower
from tests.factories import resident_id
from tests.quarters import programme_day


@pytest.fixture(scope="module")
def people(stack, places):
    township = stack.client(stack.create_user("official", region_code=places.township, level="township"))
    city = stack.client(stack.create_user("official", region_code=places.city, level="city"))
    response = city.post("/api/v1/fund/contributions", headers=key(),
                         json={"account": "fund:guarantee", "amount_yuan": "50000000.00", "note": "测试拨入"})
    assert response.status_code == 201, response.text
    return {"township": township, "maker": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB"))}


def partner_of(borrower) -> dict:
    record = borrower.client.get(f"/api/v1/entrepreneurs/{borrower.entrepreneur_id}").json()
    return {"name": record["name"], "id_number": record["id_number"]}


def codes(response) -> list[str]:
    assert response.status_code in (200, 201), response.text
    return [failure["code"] for failure in response.json()["failures"]]


def test_partnership_of_three_borrows_up_to_110_percent_of_their_individual_caps(stack, people):
    lead, second, third = (make_borrower(stack, people["township"]) for _ in range(3))
    members = [partner_of(second), partner_of(third)]
    within = loan_request(borrower_kind="partnership", partners=members, amount_yuan="1650000.00", term_months=36)
    assert codes(lead.client.post("/api/v1/loans/check", json={**within, "amount_yuan": "1650000.01"})) == [
        "amount_over_cap"]
    response = lead.client.post("/api/v1/loans", json=within)
    loan = response.json()
    assert (response.status_code, loan["status"], loan["borrower_kind"], loan["cap_basis"]) == (
        201, "under_bank_review", "partnership", "partnership")
    assert [p["entrepreneur_id"] for p in loan["partners"]] == [
        lead.entrepreneur_id, second.entrepreneur_id, third.entrepreneur_id]
    assert loan["borrower_name"].endswith("等3人（合伙创业）")
    # the loan is each member's own: none of them may borrow again while it is open
    alone = second.client.post("/api/v1/loans/check", json=loan_request())
    assert codes(alone) == ["loan_outstanding"]
    # each member reads it (in their list too); only the applicant acts on it; nobody else sees it
    assert second.client.get(f"/api/v1/loans/{loan['id']}").status_code == 200
    assert loan["id"] in {item["id"] for item in third.client.get("/api/v1/loans").json()["items"]}
    withdrawn = second.client.post(f"/api/v1/loans/{loan['id']}/withdraw")
    assert (withdrawn.status_code, withdrawn.json()["error"]["code"]) == (403, "not_applicant")
    stranger = make_borrower(stack, people["township"])
    assert stranger.client.get(f"/api/v1/loans/{loan['id']}").status_code == 404
    assert loan["id"] not in {item["id"] for item in stranger.client.get("/api/v1/loans").json()["items"]}


def test_every_partner_is_checked_by_the_registry_by_name_and_resident_id(stack, people):
    lead, other = make_borrower(stack, people["township"]), make_borrower(stack, people["township"], verify=False)
    stranger = {"name": "王五", "id_number": resident_id()}
    found = lead.client.post("/api/v1/loans/check", json=loan_request(
        borrower_kind="partnership", partners=[partner_of(other), stranger]))
    assert codes(found) == ["partner_not_verified", "partner_not_registered"]
    assert "王五" in found.json()["failures"][1]["message"]
    wrong_name = lead.client.post("/api/v1/loans/check", json=loan_request(
        borrower_kind="partnership", partners=[{**partner_of(other), "name": "张冒名"}]))
    assert (wrong_name.status_code, wrong_name.json()["error"]["code"]) == (422, "partner_name_mismatch")
    none_named = lead.client.post("/api/v1/loans", json=loan_request(borrower_kind="partnership"))
    assert (none_named.status_code, none_named.json()["error"]["code"]) == (422, "partners_required")


def test_an_individual_business_borrows_on_the_individuals_cap_without_a_hiring_share(stack, people):
    shop = make_borrower(stack, people["township"], enterprise=True, kind="individual_business", new_hires=0)
    request = loan_request(borrower_kind="enterprise", enterprise_id=shop.enterprise_id, term_months=36)
    assert codes(shop.client.post("/api/v1/loans/check", json={**request, "amount_yuan": "500000.00"})) == []
    over = shop.client.post("/api/v1/loans/check", json={**request, "amount_yuan": "500000.01"}).json()
    assert [f["code"] for f in over["failures"]] == ["amount_over_cap"]
    assert "个体工商户、家庭农场按个人创业担保贷款的额度" in over["failures"][0]["message"]


def test_a_cooperatives_hiring_share_counts_the_years_new_hires_and_names_the_year(stack, people):
    coop = make_borrower(stack, people["township"], enterprise=True, headcount=20, new_hires=1)
    checked = coop.client.post("/api/v1/loans/check", json=loan_request(
        borrower_kind="enterprise", enterprise_id=coop.enterprise_id)).json()
    year = programme_day(stack).year
    assert [f["code"] for f in checked["failures"]] == ["hiring_share"]
    assert checked["failures"][0]["message"].startswith(f"{year}年新招用人数1人，未达到职工总数20人的10%")
    assert coop.client.get("/api/v1/loans/limits").json()["hiring_year"] == year


def test_the_new_hires_of_every_quarter_of_the_year_are_added_up(stack, people):
    today = programme_day(stack)
    if today.month <= 3:
        pytest.skip("in a year's first quarter only that quarter has been reported")
    coop = make_borrower(stack, people["township"], enterprise=True, headcount=20, new_hires=1)
    request = loan_request(borrower_kind="enterprise", enterprise_id=coop.enterprise_id)
    assert codes(coop.client.post("/api/v1/loans/check", json=request)) == ["hiring_share"]
    # the year's first quarter, reported late: one more hire makes the year's two, 10 % of 20
    reported = coop.client.post(f"/api/v1/enterprises/{coop.enterprise_id}/headcount", json={
        "quarter": f"{today.year}Q1", "headcount": 19, "poverty_hires": 1, "new_hires": 1})
    assert reported.status_code in (200, 201), reported.text
    finance_knows(stack, "known_headcount_reports", coop.enterprise_id, f"quarter = '{today.year}Q1'",
                  key_column="enterprise_id")
    assert codes(coop.client.post("/api/v1/loans/check", json=request)) == []


def test_a_loan_of_the_persons_enterprise_stands_in_the_way_of_their_own(stack, people):
    owner = make_borrower(stack, people["township"], enterprise=True, headcount=20, new_hires=5)
    firm = owner.client.post("/api/v1/loans", json=loan_request(
        borrower_kind="enterprise", enterprise_id=owner.enterprise_id, amount_yuan="100000"))
    assert firm.json()["status"] == "under_bank_review", firm.text
    assert codes(owner.client.post("/api/v1/loans/check", json=loan_request())) == ["loan_outstanding"]


def test_small_and_micro_enterprises_and_cooperatives_come_first_in_the_banks_queue(stack, people):
    person = make_borrower(stack, people["township"])
    first = person.client.post("/api/v1/loans", json=loan_request(amount_yuan="50000")).json()
    coop = make_borrower(stack, people["township"], enterprise=True, headcount=20, new_hires=5)
    later = coop.client.post("/api/v1/loans", json=loan_request(
        borrower_kind="enterprise", enterprise_id=coop.enterprise_id, amount_yuan="50000")).json()
    assert (first["priority"], later["priority"]) == (False, True)
    queue = people["maker"].get("/api/v1/loans", params={"queue": "true", "per_page": 100}).json()["items"]
    order = [item["id"] for item in queue]
    assert order.index(later["id"]) < order.index(first["id"])
    assert all(item["priority"] for item in queue[:order.index(later["id"]) + 1])
    waiting = {item["id"]: item["waiting_days"] for item in queue}
    assert waiting[first["id"]] == 0 and waiting[later["id"]] == 0
    only = people["maker"].get("/api/v1/loans", params={"queue": "true", "priority": "true", "per_page": 100})
    assert later["id"] in {i["id"] for i in only.json()["items"]}
    assert first["id"] not in {i["id"] for i in only.json()["items"]}
