"""Money that reaches people's accounts, through the gateway (issue 17): a batch made, checked and
paid by three officials; the payment list for the paying bank with each payee's account from the
registry; the bank's return reconciled; a failed payment issued again once the account is corrected."""

import csv
import io

import pytest

from tests.borrowers import certificate, certify, key, loan_request, make_borrower, skill_claim
from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import CSRF, KEY
from tests.factories import bank_card
from tests.quarters import QuarterTaken


@pytest.fixture(scope="module")
def office(stack, places):
    def official(level, region):
        return stack.client(stack.create_user("official", region_code=region, level=level))

    people = {"township": official("township", places.township), "maker": official("county", places.county),
              "checker": official("county", places.county), "payer": official("county", places.county),
              "city": official("city", places.city)}
    assert people["city"].post("/api/v1/fund/contributions", headers=key(), json={
        "account": "budget:subsidy", "amount_yuan": "100000"}).status_code == 201
    return people


def approved_claim(stack, office) -> tuple:
    person = make_borrower(stack, office["township"])
    welder = certificate(stack, "焊工")
    certify(stack, office["township"], person.entrepreneur_id, welder)
    claim = person.client.post("/api/v1/subsidy-claims", json=skill_claim(welder)).json()
    assert office["township"].post(f"/api/v1/subsidy-claims/{claim['id']}/review",
                                   json={"decision": "approve"}).status_code == 200
    return person, claim["id"]


def set_card(person, card: str):
    response = person.client.put(f"/api/v1/entrepreneurs/{person.entrepreneur_id}/payee-account", json={
        "kind": "bank_card", "bank_code": "ICBC", "account_number": card})
    assert response.status_code == 200, response.text


def listing(client, path) -> list[list[str]]:
    response = client.get(f"{path}/payment-file")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]


def test_a_batch_reaches_the_payees_accounts_through_the_banks_list_and_return(stack, office):
    (paid, paid_claim), (failing, failing_claim), (late, late_claim) = (approved_claim(stack, office) for _ in range(3))
    first_card, wrong_card = bank_card(), bank_card("621700")
    set_card(paid, first_card)
    set_card(failing, wrong_card)
    batch = office["maker"].post("/api/v1/subsidy-batches", headers=key(), json={
        "claim_ids": [paid_claim, failing_claim, late_claim]}).json()
    path = f"/api/v1/subsidy-batches/{batch['id']}"
    approved = office["checker"].post(f"{path}/approve").json()
    assert approved["status"] == "approved"
    assert [w["claim_id"] for w in approved["awaiting_account"]] == [late_claim]  # no account yet: named, not listed
    assert first_card not in str(approved) and wrong_card not in str(approved)

    rows = {row[6].strip(): row for row in listing(office["payer"], path)}
    assert set(rows) == {first_card, wrong_card} and {row[8] for row in rows.values()} == {"100000"}  # 初级工: 1,000 元
    returned = office["payer"].post(f"{path}/bank-return", headers=key(), json={"lines": [
        {"reference": rows[first_card][1], "result": "成功"},
        {"reference": rows[wrong_card][1], "result": "失败", "reason": "账号错误"}]})
    assert returned.status_code == 200, returned.text
    assert paid.client.get(f"/api/v1/subsidy-claims/{paid_claim}").json()["status_name"] == "已发放"
    shown = failing.client.get(f"/api/v1/subsidy-claims/{failing_claim}").json()
    assert shown["status"] == "in_batch"
    assert [(p["status_name"], p["failure_reason"]) for p in shown["payments"]] == [("发放失败", "账号错误")]
    assert wrong_card[-4:] in shown["payments"][0]["account_masked"] and wrong_card not in str(shown)

    # the card corrected, the third person's registered: both issued again, to the accounts as they are now
    right_card = bank_card()
    set_card(failing, right_card)
    set_card(late, bank_card())
    again = office["payer"].post(f"{path}/payment-lines", headers=key())
    assert again.status_code == 200, again.text
    waiting = listing(office["payer"], path)
    assert len(waiting) == 2 and right_card in {row[6].strip() for row in waiting}
    finished = office["payer"].post(f"{path}/bank-return", headers=key(), json={"lines": [
        {"reference": row[1], "result": "paid"} for row in waiting]}).json()
    assert finished["status"] == "paid" and {c["status"] for c in finished["claims"]} == {"paid"}
    books = {row["account"]: row["balance_yuan"] for row in office["city"].get("/api/v1/ledger/trial-balance").json()[
        "accounts"]}
    assert float(books["expense:subsidy:skill"]) >= 3000  # three claims booked, each once


def test_a_payment_the_bank_could_not_make_is_cancelled_from_its_batch_and_the_claim_waits_for_another(stack, office):
    person, claim = approved_claim(stack, office)
    set_card(person, bank_card())
    batch = office["maker"].post("/api/v1/subsidy-batches", headers=key(), json={"claim_ids": [claim]}).json()
    path = f"/api/v1/subsidy-batches/{batch['id']}"
    [line] = office["checker"].post(f"{path}/approve").json()["payment_lines"]
    office["payer"].post(f"{path}/bank-return", headers=key(), json={"lines": [
        {"reference": line["reference"], "result": "failed", "reason": "户名不符"}]})
    refused = office["payer"].post(f"{path}/cancellations", headers=key(), json={"claim_id": claim, "reason": "x"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "reason"
    cancelled = office["payer"].post(f"{path}/cancellations", headers=key(), json={
        "claim_id": claim, "reason": "申领人要求改用社保卡，下批发放"}).json()
    assert cancelled["claim_count"] == 0
    shown = person.client.get(f"/api/v1/subsidy-claims/{claim}").json()
    assert (shown["status"], shown["batch_id"]) == ("approved", None)
    assert [p["status"] for p in shown["payments"]] == ["cancelled"]


def free_quarter(quarters):
    """A whole quarter after the factories' returnees came home that no other module's story holds."""
    for season in (1, 2, 3, 4):
        try:
            return quarters.story(__name__, season=season)
        except QuarterTaken:
            continue
    raise QuarterTaken(f"{__name__}: no free quarter")


def test_the_city_pays_a_quarters_interest_subsidy_to_each_bank_on_the_page(stack, office, quarters):
    quarter = free_quarter(quarters)
    bank = stack.client(stack.create_user("bank_liaison", bank_code="NJRCB"))  # other modules end PSBC's partnership
    city_name = stack.create_user("official", region_code=office["city"].get("/api/v1/me").json()["region_code"],
                                  level="city")
    assert office["city"].post("/api/v1/fund/contributions", headers=key(), json={
        "account": "fund:guarantee", "amount_yuan": "1000000"}).status_code == 201
    person = make_borrower(stack, office["township"])
    with stack.today(quarter.day(1, 10)):
        applied = person.client.post("/api/v1/loans", json=loan_request(bank_code="NJRCB", amount_yuan="60000"))
        assert applied.status_code == 201, applied.text
        loan = applied.json()
        bank.post(f"/api/v1/loans/{loan['id']}/approve", json={"amount_yuan": "60000", "term_months": 12,
                                                               "spread_bp": 0})
        lent = bank.post(f"/api/v1/loans/{loan['id']}/disburse", headers=key(), json={}).json()
    with stack.today(quarter.day(2, 15)):
        assert bank.post(f"/api/v1/loans/{loan['id']}/repayments", headers=key(), json={
            "amount_yuan": lent["instalments"][0]["interest_yuan"]}).status_code == 201
    admin = stack.client(stack.create_user("admin"))
    assert admin.put("/api/v1/banks/NJRCB", json={
        "confirmation_threshold_yuan": "300000", "subsidy_account_name": "内江农商银行贴息资金专户",
        "subsidy_account_number": "5100 2233 4455 667"}).status_code == 200
    page = browser_for(stack, city_name)
    computed = page.submit("/fund", {"quarter": quarter.code}, action="/fund/interest")
    assert computed.status_code == 303, computed.text
    shown = page.get(f"/fund/interest/{quarter.code}").text
    assert "内江农商银行贴息资金专户 5100 **** **** 5667" in shown and "下载贴息代发清单（1 行，CSV）" in shown
    listing = page.get(f"/fund/interest/{quarter.code}/payment-file")
    rows = list(csv.reader(io.StringIO(listing.content.decode("utf-8-sig"))))
    assert rows[1][6].strip() == "510022334455667" and rows[1][10].endswith("（1笔贷款）")
    rows[0] += ["结果"]
    rows[1] += ["成功"]
    returned = io.StringIO()
    csv.writer(returned).writerows(rows)
    posted = page.http.post(page.base_url + f"/fund/interest/{quarter.code}/bank-return", allow_redirects=False,
                            timeout=30, data={"csrf_token": CSRF.search(shown).group(1),
                                              "idempotency_key": KEY.search(shown).group(1)},
                            files={"file": ("回盘.csv", returned.getvalue().encode("utf-8"), "text/csv")})
    assert posted.status_code == 303, posted.text
    done = page.get(posted.headers["Location"]).text
    assert "已到账" in done and "已发放" in done
