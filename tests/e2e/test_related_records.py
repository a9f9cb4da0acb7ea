"""Records link to each other (issue 15, item 4): a person's page lists their enterprises, loans and
subsidy claims, an enterprise's its loans and difficulties, each linked; the lists behind them filter
by person or enterprise, within what the caller may see."""

from tests.borrowers import loan_request, make_borrower
from tests.e2e.test_finance_pages import browser_for


def test_a_persons_and_an_enterprises_pages_link_their_records(stack, places):
    township_user = stack.create_user("official", region_code=places.township, level="township")
    township = stack.client(township_user)
    borrower = make_borrower(stack, township, enterprise=True)
    other = make_borrower(stack, township, enterprise=True)
    loan = borrower.client.post("/api/v1/loans", json=loan_request(borrower_kind="enterprise",
                                                                   enterprise_id=borrower.enterprise_id))
    assert loan.status_code == 201, loan.text
    loan_id = loan.json()["id"]
    other.client.post("/api/v1/loans", json=loan_request())

    # the lists behind the pages, filtered
    mine = township.get("/api/v1/loans", params={"entrepreneur_id": borrower.entrepreneur_id}).json()
    assert [item["id"] for item in mine["items"]] == [loan_id]
    firms = township.get("/api/v1/enterprises", params={"owner_entrepreneur_id": borrower.entrepreneur_id}).json()
    assert [item["id"] for item in firms["items"]] == [borrower.enterprise_id]
    assert township.get("/api/v1/difficulties", params={"enterprise_id": borrower.enterprise_id}).json()["total"] == 0
    assert township.get("/api/v1/subsidy-claims", params={"entrepreneur_id": borrower.entrepreneur_id}).json()["total"] == 0
    # a filter never widens what the caller sees
    assert other.client.get("/api/v1/loans", params={"entrepreneur_id": borrower.entrepreneur_id}).json()["total"] == 0

    desk = browser_for(stack, township_user)
    person = desk.get(f"/records/entrepreneurs/{borrower.entrepreneur_id}").text
    related = person[person.index('id="related"'):]
    assert f'href="/records/enterprises/{borrower.enterprise_id}"' in related
    assert f'href="/loans/{loan_id}"' in related and "补贴申领（0）" in related
    firm = desk.get(f"/records/enterprises/{borrower.enterprise_id}").text
    related = firm[firm.index('id="related"'):]
    assert f'href="/loans/{loan_id}"' in related and "困难问题（0）" in related
