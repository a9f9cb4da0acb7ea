"""Nobody sees what is not theirs in finance: every loan, subsidy, fund and ledger endpoint.

Alice borrows from NJRCB in the home county of tests/places (东兴区), Bob from PSBC in the other one
(威远县). A liaison sees only their bank's loans, an official only their region's, an entrepreneur
only their own.
"""


import pytest

from shared import regions
from tests.borrowers import certificate, certify, key, loan_request, make_borrower, skill_claim
from tests.e2e.test_policies_api import lpr_proposal
from tests.factories import bank_card

FINANCE_ACCESS_CASES = {
    ("GET", "/api/v1/banks"): "test_any_account_reads_the_partner_banks",
    ("PUT", "/api/v1/banks/<string:bank_code>"): "test_only_an_administrator_sets_a_banks_threshold",
    ("PUT", "/api/v1/banks/<string:bank_code>/cities/<string:city>"):
        "test_only_an_administrator_records_a_citys_partner_banks",
    ("POST", "/api/v1/loans"): "test_only_entrepreneurs_apply_and_only_for_their_own_enterprise",
    ("GET", "/api/v1/loans"): "test_loan_lists_hold_only_what_the_caller_may_see",
    ("GET", "/api/v1/loans/<string:loan_id>"): "test_reading_a_loan",
    ("POST", "/api/v1/loans/<string:loan_id>/approve"): "test_only_the_chosen_banks_liaisons_decide",
    ("POST", "/api/v1/loans/<string:loan_id>/confirm"): "test_only_the_chosen_banks_liaisons_decide",
    ("POST", "/api/v1/loans/<string:loan_id>/reject"): "test_only_the_chosen_banks_liaisons_decide",
    ("POST", "/api/v1/loans/<string:loan_id>/disburse"): "test_only_the_chosen_banks_liaisons_decide",
    ("POST", "/api/v1/loans/<string:loan_id>/repayments"): "test_only_the_chosen_banks_liaisons_decide",
    ("POST", "/api/v1/loans/<string:loan_id>/withdraw"): "test_only_the_applicant_withdraws",
    ("POST", "/api/v1/loans/overdue-sweep"): "test_city_money_is_handled_at_city_level",
    ("GET", "/api/v1/fund"): "test_the_funds_position_is_for_officials",
    ("POST", "/api/v1/fund/contributions"): "test_city_money_is_handled_at_city_level",
    ("PUT", "/api/v1/fund/repayment-rate"): "test_city_money_is_handled_at_city_level",
    ("GET", "/api/v1/ledger/trial-balance"): "test_city_money_is_handled_at_city_level",
    ("POST", "/api/v1/subsidy-claims"): "test_only_entrepreneurs_claim_subsidies",
    ("GET", "/api/v1/subsidy-claims"): "test_claim_lists_hold_only_what_the_caller_may_see",
    ("GET", "/api/v1/subsidy-claims/<string:claim_id>"): "test_reading_a_claim",
    ("POST", "/api/v1/subsidy-claims/<string:claim_id>/review"): "test_claims_are_reviewed_in_their_region",
    ("POST", "/api/v1/subsidy-batches"): "test_batches_are_made_and_paid_in_their_region",
    ("GET", "/api/v1/subsidy-batches"): "test_batches_are_made_and_paid_in_their_region",
    ("GET", "/api/v1/subsidy-batches/<string:batch_id>"): "test_batches_are_made_and_paid_in_their_region",
    ("POST", "/api/v1/subsidy-batches/<string:batch_id>/approve"): "test_batches_are_made_and_paid_in_their_region",
    ("POST", "/api/v1/subsidy-batches/<string:batch_id>/pay"): "test_batches_are_made_and_paid_in_their_region",
    ("GET", "/api/v1/subsidy-batches/<string:batch_id>/payment-file"): "test_batches_are_made_and_paid_in_their_region",
    ("POST", "/api/v1/subsidy-batches/<string:batch_id>/bank-return"): "test_batches_are_made_and_paid_in_their_region",
    ("POST", "/api/v1/subsidy-batches/<string:batch_id>/payment-lines"): "test_batches_are_made_and_paid_in_their_region",
    ("POST", "/api/v1/subsidy-batches/<string:batch_id>/cancellations"):
        "test_batches_are_made_and_paid_in_their_region",
    ("POST", "/api/v1/interest-subsidies"): "test_interest_subsidy_is_the_citys",
    ("GET", "/api/v1/interest-subsidies/<string:quarter>"): "test_interest_subsidy_is_the_citys",
    ("GET", "/api/v1/interest-subsidies/<string:quarter>/payment-file"): "test_interest_subsidy_is_the_citys",
    ("POST", "/api/v1/interest-subsidies/<string:quarter>/bank-return"): "test_interest_subsidy_is_the_citys",
    ("POST", "/api/v1/interest-subsidies/<string:quarter>/payment-lines"): "test_interest_subsidy_is_the_citys",
    ("POST", "/api/v1/interest-subsidies/<string:quarter>/pay"): "test_interest_subsidy_is_the_citys",
    ("GET", "/api/v1/policies"): "test_only_administrators_read_and_change_policy_data",
    ("GET", "/api/v1/policies/proposals"): "test_only_administrators_read_and_change_policy_data",
    ("POST", "/api/v1/policies/proposals"): "test_only_administrators_read_and_change_policy_data",
    ("POST", "/api/v1/policies/proposals/<string:proposal_id>/approve"):
        "test_only_administrators_read_and_change_policy_data",
    ("POST", "/api/v1/policies/proposals/<string:proposal_id>/reject"):
        "test_only_administrators_read_and_change_policy_data",
}


class World:
    def __init__(self, stack, places):
        self.stack = stack
        self.c = {}
        officials = {"alice_township": (places.township, "township"), "alice_county": (places.county, "county"),
                     "county_checker": (places.county, "county"), "county_payer": (places.county, "county"),
                     "bob_township": (places.other_township, "township"),
                     "bob_county": (places.other_county, "county"), "city": (places.city, "city"),
                     "other_city": (places.other_city, "city"), "province": (places.province, "province")}
        for who, (region, level) in officials.items():
            self.c[who] = stack.client(stack.create_user("official", region_code=region, level=level))
        for who, bank in (("njrcb", "NJRCB"), ("njrcb2", "NJRCB"), ("psbc", "PSBC")):
            self.c[who] = stack.client(stack.create_user("bank_liaison", bank_code=bank))
        self.c["admin"] = stack.client(stack.create_user("admin"))
        self.c["stranger"] = stack.client(stack.create_user("entrepreneur"))
        for account in ("fund:guarantee", "budget:subsidy"):
            self.c["city"].post("/api/v1/fund/contributions", headers=key(),
                                json={"account": account, "amount_yuan": "5000000"})
        alice = make_borrower(stack, self.c["alice_township"], enterprise=True)
        bob = make_borrower(stack, self.c["bob_township"], region=places.other_village, enterprise=True)
        self.c["alice"], self.c["bob"] = alice.client, bob.client
        self.bob_enterprise = bob.enterprise_id
        self.alice_loan = alice.client.post("/api/v1/loans", json=loan_request()).json()["id"]
        self.bob_loan = bob.client.post("/api/v1/loans", json=loan_request(bank_code="PSBC")).json()["id"]
        welder = certificate(stack, "焊工")
        certify(stack, self.c["alice_township"], alice.entrepreneur_id, welder)
        self.alice_id = alice.entrepreneur_id
        self.alice_claim = alice.client.post("/api/v1/subsidy-claims", json=skill_claim(welder)).json()["id"]

    def __getitem__(self, who):
        return self.c[who]


@pytest.fixture(scope="module")
def world(stack, places):
    return World(stack, places)


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


def ids(response) -> set:
    return {item["id"] for item in response.json()["items"]}


def test_any_account_reads_the_partner_banks(world):
    for who in ("alice", "njrcb", "city", "admin"):
        assert {"NJRCB", "PSBC"} <= {bank["code"] for bank in world[who].get("/api/v1/banks").json()["items"]}


def test_only_an_administrator_sets_a_banks_threshold(world):
    for who in ("alice", "njrcb", "city"):
        assert code(world[who].put("/api/v1/banks/ABC", json={"confirmation_threshold_yuan": "1"})) == (
            403, "role_not_allowed")
    assert code(world["admin"].put("/api/v1/banks/XYZ", json={"confirmation_threshold_yuan": "1"})) == (
        422, "bank_unknown")
    banks = world["admin"].put("/api/v1/banks/ABC", json={"confirmation_threshold_yuan": "800000"}).json()
    assert {b["code"]: b["confirmation_threshold_yuan"] for b in banks["items"]}["ABC"] == "800000.00"


def test_only_an_administrator_records_a_citys_partner_banks(world, places):
    ended = {"partner": False}
    for who in ("alice", "njrcb", "city"):
        assert code(world[who].put(f"/api/v1/banks/ABC/cities/{places.other_city}", json=ended)) == (
            403, "role_not_allowed")
    assert code(world["province"].put(f"/api/v1/banks/ABC/cities/{places.other_city}", json=ended)) == (
        403, "province_reads_only")
    assert code(world["admin"].put(f"/api/v1/banks/XYZ/cities/{places.other_city}", json=ended)) == (
        422, "bank_unknown")
    assert code(world["admin"].put(f"/api/v1/banks/ABC/cities/{places.county}", json=ended)) == (
        422, "city_level")
    other = world["admin"].put(f"/api/v1/banks/ABC/cities/{places.other_city}", json={"partner": True}).json()
    cities = {c["city_code"][:6]: c["current"] for c in next(b for b in other["items"] if b["code"] == "ABC")["cities"]}
    assert cities == {places.city: True, places.other_city: True}
    listed = world["alice"].get("/api/v1/banks", params={"city": places.other_city}).json()["items"]
    assert [b["code"] for b in listed] == ["ABC"]
    world["admin"].put(f"/api/v1/banks/ABC/cities/{places.other_city}", json=ended)
    assert world["alice"].get("/api/v1/banks", params={"city": places.other_city}).json()["items"] == []
    # a city's own bank is added by name, then made its partner
    assert code(world["admin"].put("/api/v1/banks/MYCCB", json={"confirmation_threshold_yuan": "300000"})) == (
        422, "bank_unknown")
    assert code(world["admin"].put("/api/v1/banks/my-ccb", json={"confirmation_threshold_yuan": "300000",
                                                                 "name": "绵阳市商业银行"})) == (422, "bank_code_format")
    added = world["admin"].put("/api/v1/banks/MYCCB", json={"confirmation_threshold_yuan": "300000",
                                                            "name": "绵阳市商业银行"}).json()["items"]
    assert next(b for b in added if b["code"] == "MYCCB")["cities"] == []
    world["admin"].put(f"/api/v1/banks/MYCCB/cities/{places.other_city}", json={"partner": True})
    assert [b["name"] for b in world["alice"].get("/api/v1/banks", params={"city": places.other_city}).json()[
        "items"]] == ["绵阳市商业银行"]
    assert "MYCCB" not in {b["code"] for b in world["alice"].get("/api/v1/banks", params={"city": places.city}).json()[
        "items"]}


def test_a_loan_at_a_bank_that_is_not_the_citys_partner_is_refused(world, places):
    world["admin"].put("/api/v1/banks/PSBC/cities/" + places.city, json={"partner": False})
    try:
        refused = world["alice"].post("/api/v1/loans/check", json=loan_request(bank_code="PSBC"))
        assert code(refused) == (422, "bank_not_partner")
        assert refused.json()["error"]["field"] == "bank_code"
    finally:
        world["admin"].put("/api/v1/banks/PSBC/cities/" + places.city, json={"partner": True})
    assert world["alice"].post("/api/v1/loans/check", json=loan_request(bank_code="PSBC")).status_code == 200


def test_only_entrepreneurs_apply_and_only_for_their_own_enterprise(world):
    for who in ("njrcb", "city", "admin"):
        assert code(world[who].post("/api/v1/loans", json=loan_request())) == (403, "role_not_allowed")
    assert code(world["stranger"].post("/api/v1/loans", json=loan_request())) == (
        409, "entrepreneur_not_registered")
    theirs = loan_request(borrower_kind="enterprise", enterprise_id=world.bob_enterprise)
    assert code(world["alice"].post("/api/v1/loans", json=theirs)) == (422, "enterprise_not_owned")


def test_loan_lists_hold_only_what_the_caller_may_see(world):
    a, b = world.alice_loan, world.bob_loan
    seen = {who: ids(world[who].get("/api/v1/loans", params={"per_page": 100}))
            for who in ("alice", "bob", "njrcb", "psbc", "alice_county", "bob_county", "city", "admin", "stranger")}
    assert seen["alice"] == {a} and seen["bob"] == {b}
    assert a in seen["njrcb"] and b not in seen["njrcb"]
    assert b in seen["psbc"] and a not in seen["psbc"]
    assert a in seen["alice_county"] and b not in seen["alice_county"]
    assert b in seen["bob_county"] and a not in seen["bob_county"]
    assert {a, b} <= seen["city"]
    assert seen["admin"] == set() and seen["stranger"] == set()


def test_reading_a_loan(world):
    path = f"/api/v1/loans/{world.alice_loan}"
    for who in ("bob", "psbc", "bob_county", "admin", "stranger"):
        assert code(world[who].get(path)) == (404, "loan_not_found"), who
    for who in ("alice", "njrcb", "njrcb2", "alice_township", "alice_county", "city"):
        assert world[who].get(path).status_code == 200, who


def test_only_the_chosen_banks_liaisons_decide(world):
    terms = {"amount_yuan": "100000", "term_months": 24, "spread_bp": 0}
    commands = [("approve", terms), ("confirm", {}), ("reject", {"reason": "资料不全"}),
                ("disburse", {}), ("repayments", {"amount_yuan": "100"})]
    for action, body in commands:
        path = f"/api/v1/loans/{world.alice_loan}/{action}"
        assert code(world["psbc"].post(path, json=body, headers=key())) == (404, "loan_not_found"), action
        assert code(world["bob"].post(path, json=body, headers=key())) == (404, "loan_not_found"), action
        assert code(world["alice"].post(path, json=body, headers=key())) == (403, "role_not_allowed"), action
        assert code(world["city"].post(path, json=body, headers=key())) == (403, "role_not_allowed"), action
    assert world["njrcb"].get(f"/api/v1/loans/{world.alice_loan}").json()["status"] == "under_bank_review"


def test_only_the_applicant_withdraws(world):
    path = f"/api/v1/loans/{world.bob_loan}/withdraw"
    assert code(world["alice"].post(path)) == (404, "loan_not_found")
    assert code(world["psbc"].post(path)) == (403, "not_applicant")
    assert code(world["bob_county"].post(path)) == (403, "not_applicant")


def test_the_funds_position_is_for_officials(world, places):
    for who in ("alice", "njrcb"):
        assert code(world[who].get("/api/v1/fund")) == (403, "official_required")
    for who in ("alice_township", "city", "admin"):
        assert world[who].get("/api/v1/fund").json()["city_code"][:6] == places.city
    # another city's official reads their own city's fund, never this one's; a province's names a city
    assert world["other_city"].get("/api/v1/fund").json()["city_code"][:6] == places.other_city
    for who in ("other_city", "alice_county"):
        elsewhere = world[who].get("/api/v1/fund", params={"city": places.other_city if who != "other_city"
                                                           else places.city})
        assert code(elsewhere) == (403, "region_outside_jurisdiction")
    assert code(world["province"].get("/api/v1/fund")) == (422, "city_required")
    assert code(world["province"].get("/api/v1/fund", params={"city": places.county})) == (422, "city_level")
    assert world["province"].get("/api/v1/fund", params={"city": places.city}).json() == world["city"].get(
        "/api/v1/fund").json()


def test_city_money_is_handled_at_city_level(world, places):
    contribution = {"account": "fund:guarantee", "amount_yuan": "1"}
    rate = {"year": 2025, "repayment_rate_percent": "95", "reason": "按市财政局核定"}
    for who in ("alice", "njrcb", "alice_county", "admin"):
        assert code(world[who].post("/api/v1/fund/contributions", json=contribution, headers=key()))[0] == 403
        assert code(world[who].put("/api/v1/fund/repayment-rate", json=rate))[0] == 403
    for who in ("alice", "njrcb", "alice_county"):
        assert code(world[who].get("/api/v1/ledger/trial-balance"))[0] == 403
        assert code(world[who].post("/api/v1/loans/overdue-sweep"))[0] == 403
    assert world["city"].post("/api/v1/fund/contributions", json=contribution, headers=key()).status_code == 201
    assert world["city"].put("/api/v1/fund/repayment-rate", json=rate).status_code == 200
    assert world["admin"].get("/api/v1/ledger/trial-balance").json()["balanced"] is True
    assert world["city"].post("/api/v1/loans/overdue-sweep").status_code == 200
    # another city's officials move their own city's money, which this city's books never show
    before = world["city"].get("/api/v1/fund").json()["fund_balance_fen"]
    moved = world["other_city"].post("/api/v1/fund/contributions", json=contribution, headers=key()).json()
    assert (moved["city_code"][:6], moved["fund_balance_fen"] >= 100) == (places.other_city, True)
    assert world["city"].get("/api/v1/fund").json()["fund_balance_fen"] == before
    assert code(world["alice_township"].post("/api/v1/fund/contributions", json=contribution, headers=key())) == (
        403, "city_level_required")
    assert code(world["province"].post("/api/v1/fund/contributions", json=contribution, headers=key())) == (
        403, "province_reads_only")
    assert code(world["city"].get("/api/v1/ledger/trial-balance", params={"city": places.other_city})) == (
        403, "region_outside_jurisdiction")
    assert world["province"].get("/api/v1/ledger/trial-balance", params={"city": places.other_city}).json()[
        "city_name"] == regions.name_of(places.other_city)


def test_only_entrepreneurs_claim_subsidies(world):
    claim = {"kind": "skill", "occupation": "电工", "level": "junior", "issued_on": "2026-10-01",
             "unemployment_insurance_months": 24}
    for who in ("njrcb", "city", "admin"):
        assert code(world[who].post("/api/v1/subsidy-claims", json=claim)) == (403, "role_not_allowed")


def test_claim_lists_hold_only_what_the_caller_may_see(world):
    claim = world.alice_claim
    assert ids(world["alice"].get("/api/v1/subsidy-claims")) == {claim}
    assert claim in ids(world["alice_township"].get("/api/v1/subsidy-claims", params={"per_page": 100}))
    for who in ("bob", "bob_county", "njrcb", "admin"):
        assert claim not in ids(world[who].get("/api/v1/subsidy-claims", params={"per_page": 100})), who


def test_reading_a_claim(world):
    path = f"/api/v1/subsidy-claims/{world.alice_claim}"
    for who in ("bob", "bob_county", "njrcb", "admin"):
        assert code(world[who].get(path)) == (404, "claim_not_found"), who
    for who in ("alice", "alice_township", "city"):
        assert world[who].get(path).status_code == 200, who


def test_claims_are_reviewed_in_their_region(world):
    path = f"/api/v1/subsidy-claims/{world.alice_claim}/review"
    assert code(world["bob_county"].post(path, json={"decision": "approve"})) == (404, "claim_not_found")
    assert code(world["alice"].post(path, json={"decision": "approve"})) == (403, "official_required")
    assert code(world["njrcb"].post(path, json={"decision": "approve"})) == (403, "official_required")
    assert world["alice_township"].post(path, json={"decision": "approve"}).json()["status"] == "approved"


def test_batches_are_made_and_paid_in_their_region(world):
    world["alice_township"].post(f"/api/v1/subsidy-claims/{world.alice_claim}/review", json={"decision": "approve"})
    assert code(world["alice_township"].post("/api/v1/subsidy-batches", json={})) == (403, "paying_level_required")
    assert code(world["bob_county"].post("/api/v1/subsidy-batches",
                                         json={"claim_ids": [world.alice_claim]})) == (409, "claims_not_batchable")
    batch = world["alice_county"].post("/api/v1/subsidy-batches", json={"claim_ids": [world.alice_claim]}).json()
    path = f"/api/v1/subsidy-batches/{batch['id']}"
    assert batch["id"] in ids(world["alice_county"].get("/api/v1/subsidy-batches"))
    assert batch["id"] not in ids(world["bob_county"].get("/api/v1/subsidy-batches"))
    assert world["alice"].get("/api/v1/subsidy-batches").json()["items"] == []
    steps = {"approve": {}, "payment-lines": {}, "cancellations": {"claim_id": world.alice_claim, "reason": "取消"},
             "bank-return": {"lines": [{"reference": "GY0", "result": "paid"}]}}
    for who in ("bob_county", "alice", "njrcb", "alice_township"):
        assert code(world[who].get(path))[0] == 404, who
        for step, body in steps.items():
            assert code(world[who].post(f"{path}/{step}", json=body, headers=key()))[0] in (403, 404), (who, step)
        assert code(world[who].get(f"{path}/payment-file"))[0] in (403, 404), who
        assert code(world[who].post(f"{path}/pay", headers=key()))[0] in (403, 404), who
    # made, checked and paid by three of the county's officials
    assert code(world["alice_county"].post(f"{path}/approve")) == (403, "four_eyes")
    assert code(world["alice_county"].get(f"{path}/payment-file")) == (409, "batch_not_approved")
    world["alice"].put(f"/api/v1/entrepreneurs/{world.alice_id}/payee-account", json={
        "kind": "bank_card", "bank_code": "ICBC", "account_number": bank_card()})
    approved = world["county_checker"].post(f"{path}/approve").json()
    assert approved["status"] == "approved" and len(approved["payment_lines"]) == 1
    for hands in ("alice_county", "county_checker"):
        assert code(world[hands].post(f"{path}/pay", headers=key())) == (403, "four_eyes"), hands
        assert code(world[hands].post(f"{path}/bank-return", headers=key(), json={"lines": [
            {"reference": approved["payment_lines"][0]["reference"], "result": "paid"}]})) == (403, "four_eyes")
    assert world["county_payer"].get(f"{path}/payment-file").status_code == 200
    assert world["county_payer"].post(f"{path}/pay", headers=key()).json()["status"] == "paid"
    assert world["alice"].get(f"/api/v1/subsidy-claims/{world.alice_claim}").json()["status_name"] == "已发放"


def test_interest_subsidy_is_the_citys(world, quarters, places):
    quarter = quarters.spare(__name__)
    for who in ("alice", "njrcb", "alice_county"):
        assert code(world[who].post("/api/v1/interest-subsidies", json={"quarter": quarter.code}))[0] == 403
        assert code(world[who].post(f"/api/v1/interest-subsidies/{quarter}/pay", headers=key()))[0] == 403
    for who in ("alice", "njrcb", "alice_county"):
        assert code(world[who].get(f"/api/v1/interest-subsidies/{quarter}/payment-file"))[0] == 403, who
        assert code(world[who].post(f"/api/v1/interest-subsidies/{quarter}/payment-lines", headers=key()))[0] == 403
        assert code(world[who].post(f"/api/v1/interest-subsidies/{quarter}/bank-return", headers=key(), json={
            "lines": [{"reference": "TX0", "result": "paid"}]}))[0] == 403, who
    for who in ("alice", "njrcb"):
        assert code(world[who].get(f"/api/v1/interest-subsidies/{quarter}"))[0] == 403
    assert world["city"].post("/api/v1/interest-subsidies", json={"quarter": quarter.code}).status_code == 201
    assert world["alice_county"].get(f"/api/v1/interest-subsidies/{quarter}").status_code == 200
    # the quarter is the city's own: another city has computed none, and cannot read or pay this one
    assert code(world["other_city"].get(f"/api/v1/interest-subsidies/{quarter}")) == (404, "interest_batch_not_found")
    assert code(world["other_city"].post(f"/api/v1/interest-subsidies/{quarter}/pay", headers=key())) == (
        404, "interest_batch_not_found")
    assert code(world["other_city"].get(f"/api/v1/interest-subsidies/{quarter}/payment-file")) == (
        404, "interest_batch_not_found")
    assert code(world["city"].get(f"/api/v1/interest-subsidies/{quarter}/payment-file")) == (409, "nothing_to_pay")
    assert code(world["other_city"].post(f"/api/v1/interest-subsidies/{quarter}/payment-lines", headers=key())) == (
        404, "interest_batch_not_found")
    assert world["city"].post(f"/api/v1/interest-subsidies/{quarter}/payment-lines", headers=key()).status_code == 200
    assert code(world["other_city"].get(f"/api/v1/interest-subsidies/{quarter}", params={"city": places.city})) == (
        403, "region_outside_jurisdiction")
    assert code(world["province"].get(f"/api/v1/interest-subsidies/{quarter}")) == (422, "city_required")
    read = world["province"].get(f"/api/v1/interest-subsidies/{quarter}", params={"city": places.city}).json()
    assert (read["city_name"], read["status"]) == (regions.name_of(places.city), "computed")


def test_only_administrators_read_and_change_policy_data(world, stack):
    proposal = world["admin"].post("/api/v1/policies/proposals", json=lpr_proposal()).json()
    path = f"/api/v1/policies/proposals/{proposal['id']}"
    for who in ("alice", "njrcb", "alice_county", "city"):
        assert code(world[who].get("/api/v1/policies")) == (403, "role_not_allowed"), who
        assert code(world[who].get("/api/v1/policies/proposals")) == (403, "role_not_allowed"), who
        assert code(world[who].post("/api/v1/policies/proposals", json=lpr_proposal())) == (403, "role_not_allowed")
        assert code(world[who].post(f"{path}/approve")) == (403, "role_not_allowed"), who
        assert code(world[who].post(f"{path}/reject", json={"reason": "不同意"})) == (403, "role_not_allowed"), who
    assert code(world["province"].post(f"{path}/approve")) == (403, "province_reads_only")
    assert code(world["admin"].post(f"{path}/approve")) == (403, "four_eyes")
    other_admin = stack.client(stack.create_user("admin"))
    assert code(other_admin.post("/api/v1/policies/proposals/no-such-proposal/approve")) == (404, "proposal_not_found")
    assert other_admin.post(f"{path}/reject", json={"reason": "重复提出"}).json()["status"] == "rejected"
    assert proposal["id"] in ids(world["admin"].get("/api/v1/policies/proposals"))
