"""Nobody sees what is not theirs: every API endpoint, tried by the wrong people."""

import re

import pytest

import services.gateway.api.consultation_routes  # noqa: F401  (declares the routes)
import services.gateway.api.document_routes  # noqa: F401
import services.gateway.api.escalation_routes  # noqa: F401
import services.gateway.api.finance_routes  # noqa: F401
import services.gateway.api.notification_routes  # noqa: F401
import services.gateway.api.project_routes  # noqa: F401
import services.gateway.api.routes  # noqa: F401
from services.gateway.http import API_ROUTES
from shared import regions
from tests.e2e.test_claims import CLAIMS_ACCESS_CASES
from tests.e2e.test_consultation_quarter import CONSULTATION_ACCESS_CASES
from tests.e2e.test_corrections import CORRECTIONS_ACCESS_CASES
from tests.e2e.test_decision_facts import DECISION_FACTS_ACCESS_CASES
from tests.e2e.test_departments_api import DEPARTMENTS_ACCESS_CASES
from tests.e2e.test_documents import DOCUMENTS_ACCESS_CASES
from tests.e2e.test_escalation_access import ESCALATION_ACCESS_CASES
from tests.e2e.test_finance_access import FINANCE_ACCESS_CASES
from tests.e2e.test_imports import IMPORTS_ACCESS_CASES
from tests.e2e.test_notifications import NOTIFICATIONS_ACCESS_CASES
from tests.e2e.test_payee_accounts import PAYEE_ACCESS_CASES
from tests.e2e.test_period_bulletins import PERIOD_ACCESS_CASES
from tests.e2e.test_projects_access import PROJECTS_ACCESS_CASES
from tests.e2e.test_quarters_api import QUARTERS_ACCESS_CASES
from tests.e2e.test_resubmission import RESUBMISSION_ACCESS_CASES
from tests.factories import credit_code, enterprise_data, entrepreneur_data

HEADCOUNT = {"headcount": 9, "poverty_hires": 1, "new_hires": 1}
LIAISONS = {"liaisons": [{"kind": "finance", "name": "周金融", "phone": "13900000001",
                          "organisation": "农商银行", "level": "county"}]}


class World:
    """Two entrepreneurs in two townships of different counties, each with an enterprise."""

    def __init__(self, stack, places):
        self.stack = stack
        self.clients = {}
        self.ids = {}
        for who, region in (("alice", places.village), ("bob", places.other_village)):
            client = self.login(who, stack.create_user("entrepreneur"))
            person = client.post("/api/v1/entrepreneurs", json=entrepreneur_data(region_code=region)).json()
            firm = client.post("/api/v1/enterprises", json=enterprise_data(
                region_code=region, credit_code=credit_code(region))).json()
            self.ids[who], self.ids[f"{who}_firm"] = person["id"], firm["id"]
        officials = {"alice_township": (places.township, "township"), "alice_county": (places.county, "county"),
                     "bob_county": (places.other_county, "county"), "city": (places.city, "city"),
                     "other_township": (places.neighbour_township, "township")}
        for who, (region, level) in officials.items():
            self.login(who, stack.create_user("official", region_code=region, level=level))
        self.login("bank", stack.create_user("bank_liaison", bank_code="NJRCB"))
        self.login("admin", stack.create_user("admin"))

    def login(self, who, username):
        self.clients[who] = self.stack.client(username)
        return self.clients[who]

    def __getitem__(self, who):
        return self.clients[who]


@pytest.fixture(scope="module")
def world(stack, places):
    return World(stack, places)


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


# (method, path) -> test function name below; completeness is checked against the route table
ACCESS_CASES = {
    ("POST", "/api/v1/auth/logout"): "test_logout_ends_the_token",
    ("GET", "/api/v1/me"): "test_me_is_the_caller",
    ("GET", "/api/v1/todo"): "test_the_to_do_list_counts_what_the_callers_own_lists_hold",
    ("POST", "/api/v1/users"): "test_only_an_administrator_manages_accounts",
    ("GET", "/api/v1/users"): "test_only_an_administrator_manages_accounts",
    ("POST", "/api/v1/entrepreneurs"): "test_registering_entrepreneurs_by_role_and_region",
    ("GET", "/api/v1/entrepreneurs"): "test_lists_hold_only_what_the_caller_may_see",
    ("GET", "/api/v1/entrepreneurs/<string:entrepreneur_id>"): "test_reading_an_entrepreneur",
    ("POST", "/api/v1/entrepreneurs/<string:entrepreneur_id>/verify"): "test_verifying_an_entrepreneur",
    ("POST", "/api/v1/enterprises"): "test_registering_enterprises_by_role_and_region",
    ("GET", "/api/v1/enterprises"): "test_lists_hold_only_what_the_caller_may_see",
    ("GET", "/api/v1/enterprises/<string:enterprise_id>"): "test_reading_an_enterprise",
    ("POST", "/api/v1/enterprises/<string:enterprise_id>/verify"): "test_verifying_an_enterprise",
    ("POST", "/api/v1/enterprises/<string:enterprise_id>/headcount"): "test_reporting_headcount",
    ("PUT", "/api/v1/enterprises/<string:enterprise_id>/liaisons"): "test_assigning_liaisons",
}


def test_every_protected_endpoint_has_an_access_case():
    protected = {(route.method, route.path) for route in API_ROUTES if not route.public}
    assert protected == (set(ACCESS_CASES) | set(FINANCE_ACCESS_CASES) | set(ESCALATION_ACCESS_CASES)
                         | set(PROJECTS_ACCESS_CASES) | set(QUARTERS_ACCESS_CASES)
                         | set(CONSULTATION_ACCESS_CASES) | set(CORRECTIONS_ACCESS_CASES)
                         | set(CLAIMS_ACCESS_CASES) | set(IMPORTS_ACCESS_CASES)
                         | set(DEPARTMENTS_ACCESS_CASES)
                         | set(DECISION_FACTS_ACCESS_CASES)
                         | set(NOTIFICATIONS_ACCESS_CASES) | set(RESUBMISSION_ACCESS_CASES)
                         | set(DOCUMENTS_ACCESS_CASES) | set(PERIOD_ACCESS_CASES)
                         | set(PAYEE_ACCESS_CASES))


@pytest.mark.parametrize("route", [r for r in API_ROUTES if not r.public], ids=lambda r: f"{r.method} {r.path}")
@pytest.mark.parametrize("header, expected", [(None, "token_missing"), ("Token abc", "token_malformed"),
                                              ("Bearer not-a-real-token", "token_invalid")])
def test_every_protected_endpoint_refuses_a_missing_or_bad_token(stack, route, header, expected):
    path = re.sub(r"<[^>]+>", "x", re.sub(r"<int:[^>]+>", "2027", route.path))
    headers = {"Authorization": header} if header else {}
    response = stack.client().http.request(route.method, stack.base_url + path, headers=headers,
                                           json={}, timeout=30)
    assert code(response) == (401, expected)


def test_logout_ends_the_token(stack):
    client = stack.client(stack.create_user("entrepreneur"))
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert code(client.get("/api/v1/me")) == (401, "token_invalid")


def test_me_is_the_caller(world, places):
    assert world["alice_county"].get("/api/v1/me").json()["region_code"] == regions.normalize(places.county)


def test_only_an_administrator_manages_accounts(world, places):
    new = {"username": "new_official_x", "password": "long-enough-1", "role": "official",
           "display_name": "新", "region_code": places.county, "level": "county"}
    for who in ("alice", "city", "bank"):
        assert code(world[who].get("/api/v1/users")) == (403, "role_not_allowed")
        assert code(world[who].post("/api/v1/users", json=new)) == (403, "role_not_allowed")
    assert world["admin"].post("/api/v1/users", json=new).status_code == 201
    assert "new_official_x" in {u["username"] for u in world["admin"].get("/api/v1/users").json()["items"]}


def test_registering_entrepreneurs_by_role_and_region(world, places):
    assert code(world["bank"].post("/api/v1/entrepreneurs", json=entrepreneur_data())) == (403, "role_not_allowed")
    assert code(world["admin"].post("/api/v1/entrepreneurs", json=entrepreneur_data())) == (403, "role_not_allowed")
    outside = entrepreneur_data(region_code=places.other_village)
    assert code(world["alice_township"].post("/api/v1/entrepreneurs", json=outside)) == (
        403, "region_outside_jurisdiction")
    assert world["alice_township"].post("/api/v1/entrepreneurs", json=entrepreneur_data()).status_code == 201


def test_lists_hold_only_what_the_caller_may_see(world):
    def listed(who, what):
        return {item["id"] for item in world[who].get(f"/api/v1/{what}", params={"per_page": 100}).json()["items"]}

    assert listed("alice", "entrepreneurs") == {world.ids["alice"]}
    assert listed("alice", "enterprises") == {world.ids["alice_firm"]}
    assert world.ids["bob"] not in listed("alice_county", "entrepreneurs")
    assert world.ids["alice"] in listed("alice_county", "entrepreneurs")
    assert world.ids["alice"] not in listed("other_township", "entrepreneurs")
    assert {world.ids["alice"], world.ids["bob"]} <= listed("city", "entrepreneurs")
    assert world.ids["bob_firm"] not in listed("alice_township", "enterprises")
    for who in ("bank", "admin"):
        assert listed(who, "entrepreneurs") == set() and listed(who, "enterprises") == set()


def test_the_to_do_list_counts_what_the_callers_own_lists_hold(world):
    """Each count is the caller's own: it equals the total of the list the caller may read, so a
    to-do list never counts another region's, bank's or person's records."""
    def waiting(who):
        return {item["kind"]: item["count"] for item in world[who].get("/api/v1/todo").json()["items"]}

    def total(who, path, **params):
        return world[who].get(path, params={"per_page": 1, **params}).json()["total"]

    for who in ("alice_township", "alice_county", "bob_county", "other_township", "city"):
        counted = waiting(who)
        assert counted["entrepreneurs_to_verify"] == total(who, "/api/v1/entrepreneurs", status="registered"), who
        assert counted["enterprises_to_verify"] == total(who, "/api/v1/enterprises", status="registered"), who
        assert counted["claims_to_review"] == total(who, "/api/v1/subsidy-claims", status="eligibility_checked"), who
    assert waiting("alice_township")["enterprises_to_verify"] >= 1  # Alice's enterprise waits there ...
    assert waiting("other_township")["enterprises_to_verify"] == total("other_township", "/api/v1/enterprises",
                                                                       status="registered")  # ... not here
    assert waiting("bank")["loans_to_review"] == total("bank", "/api/v1/loans", status="under_bank_review")
    assert set(waiting("alice")) <= {"difficulties_to_confirm"}
    assert waiting("admin") == {}


def _not_found_for(world, method, path, people, **kwargs):
    for who in people:
        response = getattr(world[who], method)(path, **kwargs)
        assert response.status_code == 404, (who, response.text)


def test_reading_an_entrepreneur(world):
    path = f"/api/v1/entrepreneurs/{world.ids['alice']}"
    _not_found_for(world, "get", path, ["bob", "bob_county", "other_township", "bank", "admin"])
    for who in ("alice", "alice_township", "alice_county", "city"):
        assert world[who].get(path).status_code == 200


def test_verifying_an_entrepreneur(world):
    path = f"/api/v1/entrepreneurs/{world.ids['bob']}/verify"
    _not_found_for(world, "post", path, ["alice", "alice_county", "other_township", "bank"])
    assert code(world["bob"].post(path)) == (403, "region_outside_jurisdiction")
    assert world["bob_county"].post(path).json()["status"] == "verified"


def test_registering_enterprises_by_role_and_region(world, places):
    data = enterprise_data(owner_entrepreneur_id=world.ids["bob"], region_code=places.other_village,
                           credit_code=credit_code(places.other_county))
    assert code(world["bank"].post("/api/v1/enterprises", json=data)) == (403, "role_not_allowed")
    assert world["alice_county"].post("/api/v1/enterprises", json=data).status_code == 404
    assert world["bob_county"].post("/api/v1/enterprises", json=data).status_code == 201


def test_reading_an_enterprise(world):
    path = f"/api/v1/enterprises/{world.ids['alice_firm']}"
    _not_found_for(world, "get", path, ["bob", "bob_county", "other_township", "bank", "admin"])
    for who in ("alice", "alice_township", "city"):
        assert world[who].get(path).status_code == 200


def test_verifying_an_enterprise(world):
    path = f"/api/v1/enterprises/{world.ids['alice_firm']}/verify"
    _not_found_for(world, "post", path, ["bob", "bob_county", "other_township", "bank"])
    assert code(world["alice"].post(path)) == (403, "region_outside_jurisdiction")
    assert world["alice_township"].post(path).json()["status"] == "verified"


def test_reporting_headcount(world, quarters):
    path = f"/api/v1/enterprises/{world.ids['bob_firm']}/headcount"
    last = {**HEADCOUNT, "quarter": quarters.last.code}
    _not_found_for(world, "post", path, ["alice", "alice_county", "bank"], json=last)
    assert world["bob"].post(path, json=last).status_code == 200
    assert world["bob_county"].post(path, json={**last, "quarter": quarters.last.previous.code}).status_code == 200


def test_assigning_liaisons(world):
    path = f"/api/v1/enterprises/{world.ids['bob_firm']}/liaisons"
    _not_found_for(world, "put", path, ["alice", "alice_county", "bank"], json=LIAISONS)
    assert code(world["bob"].put(path, json=LIAISONS)) == (403, "official_only")
    assert world["bob_county"].put(path, json=LIAISONS).status_code == 200
