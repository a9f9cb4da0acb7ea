"""Staff decide on the facts (issue 15, "staff decide blind"): the bank's review shows whom it lends
to, the difficulty whom to call, the subsidy review what the eligibility check used and each rule's
outcome; the API gives the same to the same callers, and nobody else gets them.

The borrower's phone and resident ID live only in the registry, which decides who sees them: for a
loan, from its own copy of finance's `loan_applied` (the loan's bank, its region's officials, the
borrower); for an enterprise's contact, by its own rule for the enterprise (its officials, its owner).
"""

from __future__ import annotations

import pytest

from tests.borrowers import certify, finance_knows, loan_request, make_borrower, skill_claim
from tests.e2e.test_finance_pages import browser_for

LIAISONS = {"liaisons": [
    {"kind": "finance", "name": "周金融", "phone": "13900000011", "organisation": "东兴区农商银行", "level": "county"},
    {"kind": "legal", "name": "吴法律", "phone": "13900000012", "organisation": "东兴区司法局", "level": "county"},
    {"kind": "government_affairs", "name": "郑政务", "phone": "13900000013", "organisation": "双才镇便民服务中心",
     "level": "township"}]}

# (method, path) -> test below; the completeness check in test_access.py counts these
DECISION_FACTS_ACCESS_CASES = {
    ("GET", "/api/v1/loans/<string:loan_id>/borrower"): "test_the_bank_reviews_knowing_whom_it_lends_to",
    ("GET", "/api/v1/enterprises/<string:enterprise_id>/contact"):
        "test_the_official_handling_a_difficulty_knows_whom_to_call",
}


def missing(text: str, pieces: dict[str, str]) -> list[str]:
    """The names of the pieces the text lacks (the pieces themselves may be personal: never shown)."""
    return [name for name, piece in pieces.items() if piece not in text]


class World:
    def __init__(self, stack, places):
        def official(region, level):
            return stack.create_user("official", region_code=region, level=level)

        self.users = {"township": official(places.township, "township"),
                      "other_county": official(places.other_county, "county"),
                      "bank": stack.create_user("bank_liaison", bank_code="NJRCB"),
                      "psbc": stack.create_user("bank_liaison", bank_code="PSBC")}
        self.c = {who: stack.client(name) for who, name in self.users.items()}
        self.borrower = make_borrower(stack, self.c["township"], enterprise=True)
        self.c["borrower"] = self.borrower.client
        self.c["stranger"] = make_borrower(stack, self.c["township"]).client
        township = self.c["township"]
        self.person = township.get(f"/api/v1/entrepreneurs/{self.borrower.entrepreneur_id}").json()
        assert township.put(f"/api/v1/enterprises/{self.borrower.enterprise_id}/liaisons",
                            json=LIAISONS).status_code == 200
        self.firm = township.get(f"/api/v1/enterprises/{self.borrower.enterprise_id}").json()

    def __getitem__(self, who):
        return self.c[who]


@pytest.fixture(scope="module")
def world(stack, places):
    return World(stack, places)


def status_of(client, path: str) -> int:
    return client.get(path).status_code


def test_the_bank_reviews_knowing_whom_it_lends_to(stack, world):
    person, firm = world.person, world.firm
    loan = world["borrower"].post("/api/v1/loans", json=loan_request(
        borrower_kind="enterprise", enterprise_id=firm["id"], amount_yuan="300000.00")).json()
    assert loan["status"] == "under_bank_review", loan["failures"]
    finance_knows(stack, "known_loans", loan["id"], service="registry")
    masked = f"{person['id_number'][:6]}********{person['id_number'][-4:]}"

    # the bank's page: name, masked ID, phone, the enterprise's credit code and headcount
    page = browser_for(stack, world.users["bank"]).get(f"/loans/{loan['id']}").text
    section = page[page.index('id="borrower"'):]
    assert not missing(section, {"name": person["name"], "masked ID": masked, "phone": person["phone"],
                                 "credit code": firm["credit_code"], "headcount": "从业人数",
                                 "new hires": "新增用工 3 人"})
    assert person["id_number"] not in page  # the bank checks the card itself at signing

    # the API gives the same to the same callers
    answer = world["bank"].get(f"/api/v1/loans/{loan['id']}/borrower").json()
    assert (answer["name"], answer["id_number"], answer["phone"]) == (person["name"], masked, person["phone"])
    assert answer["enterprise"]["credit_code"] == firm["credit_code"] and answer["enterprise"]["headcount"] == 20
    assert answer["enterprise"]["latest_report"]["new_hires"] == 3 and answer["verified"] is True
    for who in ("township", "borrower"):
        assert status_of(world[who], f"/api/v1/loans/{loan['id']}/borrower") == 200, who

    # another bank, another region's official, another entrepreneur: as if there were no such loan
    for who in ("psbc", "other_county", "stranger"):
        assert status_of(world[who], f"/api/v1/loans/{loan['id']}/borrower") == 404, who
        assert status_of(world[who], "/api/v1/loans/00000000-0000-4000-8000-000000000000/borrower") == 404, who
    assert browser_for(stack, world.users["psbc"]).get(f"/loans/{loan['id']}").status_code == 404


def test_the_official_handling_a_difficulty_knows_whom_to_call(stack, world):
    person, firm = world.person, world.firm
    finance_knows(stack, "known_enterprises", firm["id"], "jsonb_array_length(liaisons) = 3", "escalation")
    record = world["borrower"].post("/api/v1/difficulties", json={
        "enterprise_id": firm["id"], "category": "financing", "urgency": "normal",
        "description": "订单增加，流动资金不足，需要贷款周转"}).json()

    page = browser_for(stack, world.users["township"]).get(f"/difficulties/{record['id']}").text
    section = page[page.index('id="contacts"'):]
    assert not missing(section, {"owner": person["name"], "owner's phone": person["phone"],
                                 "finance liaison": "周金融", "its phone": "13900000011", "legal liaison": "吴法律",
                                 "government affairs liaison": "郑政务", "its phone ": "13900000013"})

    detail = world["township"].get(f"/api/v1/difficulties/{record['id']}").json()
    assert sorted(item["name"] for item in detail["enterprise_liaisons"]) == ["吴法律", "周金融", "郑政务"]
    contact = world["township"].get(f"/api/v1/enterprises/{firm['id']}/contact").json()
    assert (contact["owner_name"], contact["owner_phone"]) == (person["name"], person["phone"])
    assert status_of(world["borrower"], f"/api/v1/enterprises/{firm['id']}/contact") == 200

    for who in ("other_county", "bank", "stranger"):
        assert status_of(world[who], f"/api/v1/enterprises/{firm['id']}/contact") == 404, who
        assert status_of(world[who], "/api/v1/enterprises/00000000-0000-4000-8000-000000000000/contact") == 404, who
    assert browser_for(stack, world.users["other_county"]).get(f"/difficulties/{record['id']}").status_code == 404


def test_the_subsidy_review_shows_what_the_check_used_and_each_rules_outcome(stack, world):
    claims = world["borrower"]
    startup = claims.post("/api/v1/subsidy-claims", json={"kind": "startup", "enterprise_id": world.firm["id"]}).json()
    assert startup["status"] == "eligibility_checked", startup["failures"]
    facts = startup["assessment"]["facts"]
    assert facts["verified"] and facts["categories"] == ["returnee_migrant_worker"]
    enterprise = facts["enterprise"]
    assert (enterprise["name"], enterprise["founded_on"], enterprise["headcount"], enterprise["new_hires"]) == (
        world.firm["name"], "2025-06-01", 20, 3)
    assert all(check["passed"] for check in startup["assessment"]["checks"])

    welder = {"name": "焊工", "level": "junior", "issued_on": startup["assessment"]["assessed_on"]}
    electrician = {"name": "电工", "level": "senior", "issued_on": "2024-01-15"}
    certify(stack, world["township"], world.borrower.entrepreneur_id, welder, electrician)
    first = claims.post("/api/v1/subsidy-claims", json=skill_claim(welder, certificate_no="S-2026-0001")).json()
    second = claims.post("/api/v1/subsidy-claims", json=skill_claim(electrician)).json()
    assert second["status"] == "rejected" and [f["code"] for f in second["failures"]] == ["claim_too_late"]

    desk = browser_for(stack, world.users["township"])
    page = desk.get(f"/subsidies/{startup['id']}").text
    section = page[page.index('id="assessment"'):]
    assert not missing(section, {"verified": "已核实", "category": "返乡农民工", "founded": "2025-06-01",
                                 "headcount": "从业 20 人，新增用工 3 人", "rule met": "✓ 符合：经营主体正常经营满6个月"})
    page = desk.get(f"/subsidies/{second['id']}").text
    section = page[page.index('id="assessment"'):]
    assert not missing(section, {"certificate": "电工 · 高级工", "rule failed": "✗ 不符合：取得证书之日起12个月内申领",
                                 "earlier claim": f'href="/subsidies/{first["id"]}"', "its subject": "焊工（初级工）"})
    detail = world["township"].get(f"/api/v1/subsidy-claims/{second['id']}").json()
    assert [c["id"] for c in detail["previous_claims"]] == [first["id"]]
    assert {c["code"]: c["passed"] for c in detail["assessment"]["checks"]}["claimed_in_time"] is False

    # another region's official sees neither the claim nor its facts
    assert status_of(world["other_county"], f"/api/v1/subsidy-claims/{second['id']}") == 404
    assert browser_for(stack, world.users["other_county"]).get(f"/subsidies/{second['id']}").status_code == 404
