"""The to-do list (GET /api/v1/todo and the home page): each user's own work, counted where it waits.

Regions and banks are shared with other modules, so each check compares a caller's counts before
and after one step: the step's work appears for the people who must act, and for nobody else.
"""

import pytest

from tests.borrowers import key, loan_request, make_borrower
from tests.e2e.test_difficulties_api import enterprise_with_liaisons
from tests.e2e.test_pages import Browser
from tests.stack import PASSWORD


@pytest.fixture(scope="module")
def people(stack, places):
    def official(region, level, head=False):
        return stack.client(stack.create_user("official", region_code=region, level=level, unit_head=head))

    return {"township": official(places.township, "township"),
            "head": official(places.township, "township", True),
            "other_township": official(places.neighbour_township, "township"),
            "county": official(places.county, "county"), "city": official(places.city, "city"),
            "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
            "checker": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
            "other_bank": stack.client(stack.create_user("bank_liaison", bank_code="PSBC"))}


def todo(client) -> dict:
    response = client.get("/api/v1/todo")
    assert response.status_code == 200, response.text
    return response.json()


def counts(client) -> dict:
    return {item["kind"]: item["count"] for item in todo(client)["items"]}


def item(client, kind) -> dict:
    return next(i for i in todo(client)["items"] if i["kind"] == kind)


def changed(before: dict, after: dict) -> dict:
    return {kind: after.get(kind, 0) - before.get(kind, 0) for kind in set(before) | set(after)
            if after.get(kind, 0) != before.get(kind, 0)}


def test_a_difficulty_is_on_the_list_of_whoever_must_act_next_and_nobody_else(stack, people):
    borrower = enterprise_with_liaisons(stack, people)
    watched = ("township", "head", "other_township", "county")
    before = {who: counts(people[who]) for who in watched}
    owner_before = counts(borrower.client)

    response = borrower.client.post("/api/v1/difficulties", json={
        "enterprise_id": borrower.enterprise_id, "category": "labour", "urgency": "normal",
        "description": "春节后招工困难，缺少熟练分拣工人二十名，影响订单交付"})
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["level"] == "township"
    for who in ("township", "head"):  # both officials of the township may make the first contact
        assert changed(before[who], counts(people[who])) == {"difficulties_to_contact": 1}, who
    for who in ("other_township", "county"):
        assert changed(before[who], counts(people[who])) == {}, who
    nearest = item(people["township"], "difficulties_to_contact")
    assert nearest["due_on"] <= record["contact_due"] and nearest["link"] == "/difficulties"
    assert changed(owner_before, counts(borrower.client)) == {}

    def step(client, action, **body):
        answer = client.post(f"/api/v1/difficulties/{record['id']}/{action}", json=body)
        assert answer.status_code == 200, answer.text

    step(people["township"], "contact", note="电话联系了企业负责人")
    assert changed(before["township"], counts(people["township"])) == {"difficulties_to_resolve": 1}
    step(people["township"], "resolve", resolution="已协调镇劳动保障所组织专场招聘会，推荐二十名分拣工人")
    assert changed(before["township"], counts(people["township"])) == {}
    assert changed(owner_before, counts(borrower.client)) == {"difficulties_to_confirm": 1}
    step(borrower.client, "accept", note="问题已解决")
    assert changed(owner_before, counts(borrower.client)) == {}
    assert changed(before["head"], counts(people["head"])) == {"difficulties_to_sign_off": 1}
    assert "difficulties_to_sign_off" not in counts(people["township"])  # only a unit head signs off
    step(people["head"], "sign-off", note="同意销号")
    assert changed(before["head"], counts(people["head"])) == {}


def test_a_loan_waits_on_its_banks_liaisons_and_the_second_liaison_confirms(stack, people, places):
    response = people["city"].post("/api/v1/fund/contributions", headers=key(),
                                   json={"account": "fund:guarantee", "amount_yuan": "2000000.00", "note": "测试拨入"})
    assert response.status_code == 201, response.text
    borrower = make_borrower(stack, people["township"], enterprise=True)
    watched = ("bank", "checker", "other_bank")
    before = {who: counts(people[who]) for who in watched}
    response = borrower.client.post("/api/v1/loans", json=loan_request(
        borrower_kind="enterprise", enterprise_id=borrower.enterprise_id, amount_yuan="400000.00"))
    assert response.status_code == 201, response.text
    loan = response.json()
    for who in ("bank", "checker"):
        assert changed(before[who], counts(people[who])) == {"loans_to_review": 1}, who
    assert changed(before["other_bank"], counts(people["other_bank"])) == {}
    listed = todo(people["bank"])
    oldest = next(i for i in listed["items"] if i["kind"] == "loans_to_review")["waiting_since"]
    assert oldest <= listed["as_of"]  # the programme's day, on which the loan was applied for
    assert {i["kind"] for i in todo(borrower.client)["items"]} <= {"difficulties_to_confirm"}

    # above NJRCB's confirmation amount (300,000): the maker's approval waits for another liaison
    approved = people["bank"].post(f"/api/v1/loans/{loan['id']}/approve",
                                   json={"amount_yuan": "400000", "term_months": 24, "spread_bp": 0})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "awaiting_confirmation"
    assert changed(before["bank"], counts(people["bank"])) == {}  # the maker cannot confirm their own
    assert changed(before["checker"], counts(people["checker"])) == {"loans_to_confirm": 1}


def test_every_role_gets_a_list_and_the_home_page_shows_it(stack, people, places):
    for client in people.values():
        answer = todo(client)
        assert answer["unavailable"] == [] and answer["waiting"] == sum(i["count"] for i in answer["items"])
        assert all(i["title"] and i["link"].startswith("/") for i in answer["items"])
    township_kinds = {i["kind"] for i in todo(people["township"])["items"]}
    assert {"difficulties_to_contact", "entrepreneurs_to_verify", "claims_to_review"} <= township_kinds
    assert "resolutions_to_follow" not in township_kinds  # the meeting's resolutions are followed by counties and the city
    assert "resolutions_to_follow" in {i["kind"] for i in todo(people["county"])["items"]}

    name = stack.create_user("official", region_code=places.township, level="township")
    browser = Browser(stack.base_url)
    browser.login(name, PASSWORD)
    home = browser.get("/")
    assert home.status_code == 200 and "待办事项" in home.text
    waiting = counts(stack.client(name))["entrepreneurs_to_verify"]
    if waiting:
        assert "创业者登记，待核实" in home.text and 'href="/records/entrepreneurs?status=registered"' in home.text


def test_a_service_that_does_not_answer_leaves_the_rest_of_the_list(stack, people):
    """The consultation service stopped: a county official's list still holds the other services'
    work, and names the part it could not get (the API answers 200, the page says so)."""
    stack.stop("consultation")
    try:
        answer = todo(people["county"])
        assert answer["unavailable"] == [{"service": "consultation", "name": "季度会商"}]
        assert "difficulties_to_contact" in {i["kind"] for i in answer["items"]}
    finally:
        stack.start("consultation")
        stack.wait_ready()


def test_a_project_recommended_upward_waits_on_the_city_library_it_was_sent_to(stack, people, places):
    from tests.e2e.test_projects_api import project_data

    county = people["county"]
    project = county.post("/api/v1/projects", json=project_data()).json()
    for step in ("review", "list"):
        assert county.post(f"/api/v1/projects/{project['id']}/{step}").status_code == 200
    other_city = stack.client(stack.create_user("official", region_code=places.other_city, level="city"))
    before = {"city": counts(people["city"]), "county": counts(county), "other_city": counts(other_city)}
    assert county.post(f"/api/v1/projects/{project['id']}/recommend").status_code == 200
    assert changed(before["city"], counts(people["city"])) == {"projects_to_review": 1}
    assert changed(before["county"], counts(county)) == {}
    assert changed(before["other_city"], counts(other_city)) == {}
    assert people["city"].post(f"/api/v1/projects/{project['id']}/recommendation",
                               json={"accept": True}).status_code == 200
    assert changed(before["city"], counts(people["city"])) == {}
