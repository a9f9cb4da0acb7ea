"""The quarter's roster through the HTTP API: exactly the enterprises the rules name, with their
reasons, gathered from the facts of the other services; officials adjust it with a reason."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from shared import regions
from tests.borrowers import key, loan_request, make_borrower
from tests.e2e.test_difficulties_api import enterprise_with_liaisons, report
from tests.factories import credit_code, enterprise_data
from tests.support.waiting import eventually

ROUTE = "<string:quarter>"
QUARTERS_ACCESS_CASES = {
    ("POST", "/api/v1/quarters"): "test_only_the_city_opens_a_quarter_and_officials_see_their_region",
    ("GET", f"/api/v1/quarters/{ROUTE}"): "test_only_the_city_opens_a_quarter_and_officials_see_their_region",
    ("GET", f"/api/v1/quarters/{ROUTE}/roster"): "test_only_the_city_opens_a_quarter_and_officials_see_their_region",
    ("POST", f"/api/v1/quarters/{ROUTE}/roster"): "test_officials_add_and_remove_with_a_reason",
    ("POST", f"/api/v1/quarters/{ROUTE}/roster/remove"): "test_officials_add_and_remove_with_a_reason",
    ("POST", f"/api/v1/quarters/{ROUTE}/agenda/<string:item_id>/refer"):
        "test_each_city_its_own_round_and_a_county_sends_up_what_it_cannot_settle",
}


def consultation_has(stack, event_type: str, count: int = 1) -> None:
    engine = sa.create_engine(stack.databases["consultation"].replace("postgresql://", "postgresql+psycopg2://"),
                              poolclass=sa.pool.NullPool)

    def arrived():
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT count(*) FROM facts WHERE event_type = :t"),
                                     {"t": event_type}) >= count
    try:
        eventually(arrived, timeout=30)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def scenario(stack, places, quarters):
    """This quarter's roster on the real day: three enterprises in difficulty (city-level difficulty,
    overdue loan, fewer staff than last quarter) and one not."""
    def official(region, level):
        return stack.client(stack.create_user("official", region_code=region, level=level))

    quarter = quarters.now(__name__)
    people = {"township": official(places.township, "township"), "county": official(places.county, "county"),
              "city": official(places.city, "city"), "other_county": official(places.other_county, "county")}
    people["city"].post("/api/v1/fund/contributions", headers=key(),
                        json={"account": "fund:guarantee", "amount_yuan": "10000000"})
    troubled = enterprise_with_liaisons(stack, people)
    record = report(troubled)
    people["township"].post(f"/api/v1/difficulties/{record['id']}/escalate", json={"reason": "需县级协调"})
    people["county"].post(f"/api/v1/difficulties/{record['id']}/escalate", json={"reason": "需市级协调"})
    indebted = make_borrower(stack, people["township"], enterprise=True)
    maker = stack.client(stack.create_user("bank_liaison", bank_code="NJRCB"))
    with stack.today(quarter.previous.day(2, 20)):
        loan = indebted.client.post("/api/v1/loans", json=loan_request(
            borrower_kind="enterprise", enterprise_id=indebted.enterprise_id, amount_yuan="100000")).json()
        maker.post(f"/api/v1/loans/{loan['id']}/approve", json={"amount_yuan": "100000", "term_months": 12,
                                                                "spread_bp": 0})
        maker.post(f"/api/v1/loans/{loan['id']}/disburse", headers=key(), json={})
    people["city"].post("/api/v1/loans/overdue-sweep")
    shrinking = make_borrower(stack, people["township"], enterprise=True, headcount=20)
    shrinking.client.post(f"/api/v1/enterprises/{shrinking.enterprise_id}/headcount", json={
        "quarter": quarter.code, "headcount": 12, "poverty_hires": 1, "new_hires": 0})
    calm = make_borrower(stack, people["township"], enterprise=True)
    consultation_has(stack, "difficulty_escalated", 2)
    consultation_has(stack, "loan_overdue")
    consultation_has(stack, "enterprise_headcount_reported", 2)
    opened = people["city"].post("/api/v1/quarters", json={"quarter": quarter.code})
    assert opened.status_code == 201, opened.text
    return {"quarter": quarter, "roster": f"/api/v1/quarters/{quarter}/roster", "people": people,
            "troubled": troubled.enterprise_id, "indebted": indebted.enterprise_id,
            "shrinking": shrinking.enterprise_id, "calm": calm.enterprise_id}


def consultation_knows_enterprise(stack, enterprise_id: str) -> None:
    engine = sa.create_engine(stack.databases["consultation"].replace("postgresql://", "postgresql+psycopg2://"),
                              poolclass=sa.pool.NullPool)

    def known():
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT count(*) FROM facts WHERE enterprise_id = :e AND "
                                             "event_type = 'enterprise_registered'"), {"e": enterprise_id})
    try:
        eventually(known, timeout=30)
    finally:
        engine.dispose()


def roster_of(scenario, who: str) -> dict:
    return {row["enterprise_id"]: row for row in scenario["people"][who].get(scenario["roster"]).json()}


def test_the_roster_holds_exactly_the_enterprises_the_rules_name_with_their_reasons(scenario):
    rows = roster_of(scenario, "city")
    mine = {scenario[k] for k in ("troubled", "indebted", "shrinking", "calm")}
    assert set(rows) & mine == {scenario["troubled"], scenario["indebted"], scenario["shrinking"]}
    assert any("已上报至市级" in r for r in rows[scenario["troubled"]]["reasons"])
    assert any(r.startswith("创业担保贷款逾期") for r in rows[scenario["indebted"]]["reasons"])
    assert rows[scenario["shrinking"]]["reasons"] == [f"用工人数由20人降至12人（{scenario['quarter']}）"]


def test_only_the_city_opens_a_quarter_and_officials_see_their_region(stack, scenario, quarters):
    people, code = scenario["people"], scenario["quarter"].code
    assert people["county"].post("/api/v1/quarters", json={"quarter": code}).json()["error"]["code"] == (
        "city_level_required")
    again = people["city"].post("/api/v1/quarters", json={"quarter": code}).json()
    assert again["quarter"] == code  # opening twice gives the same quarter
    assert scenario["troubled"] in roster_of(scenario, "county")
    assert scenario["troubled"] not in roster_of(scenario, "other_county")
    entrepreneur = stack.client(stack.create_user("entrepreneur"))
    assert entrepreneur.get(f"/api/v1/quarters/{code}").json()["error"]["code"] == "official_required"
    assert people["city"].get(f"/api/v1/quarters/{quarters.spare(__name__)}").status_code == 404  # never opened


def test_officials_add_and_remove_with_a_reason(scenario):
    people, path = scenario["people"], scenario["roster"]
    assert people["county"].post(path, json={"enterprise_id": scenario["calm"], "reason": ""}).status_code == 422
    assert people["township"].post(path, json={"enterprise_id": scenario["calm"], "reason": "资金链紧张"}).json()[
        "error"]["code"] == "county_level_required"
    assert people["other_county"].post(path, json={"enterprise_id": scenario["calm"], "reason": "资金链紧张"}).json()[
        "error"]["code"] == "enterprise_not_found"
    name = people["county"].get(f"/api/v1/enterprises/{scenario['calm']}").json()["name"]
    assert people["other_county"].post(path, json={"enterprise_id": name, "reason": "资金链紧张"}).json()[
        "error"]["code"] == "enterprise_not_found"  # a name is looked up in the official's own region
    added = roster_of_response(people["county"].post(path, json={"enterprise_id": name,
                                                                  "reason": "订单骤减，资金链紧张"}))
    assert added[scenario["calm"]]["source"] == "official"
    removed = roster_of_response(people["county"].post(f"{path}/remove", json={
        "enterprise_id": scenario["shrinking"], "reason": "减员系季节性用工结束，已核实"}))
    assert removed[scenario["shrinking"]]["removed"] is True


def roster_of_response(response) -> dict:
    assert response.status_code == 200, response.text
    return {row["enterprise_id"]: row for row in response.json()["roster"]}


def test_two_officials_adding_one_enterprise_at_once_both_see_it_added(stack, scenario):
    people = scenario["people"]
    firm = make_borrower(stack, people["township"], enterprise=True).enterprise_id
    consultation_knows_enterprise(stack, firm)
    path = scenario["roster"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda who: people[who].post(path, json={
            "enterprise_id": firm, "reason": f"{who}：订单骤减"}), ("county", "city")))
    assert [answer.status_code for answer in answers] == [200, 200], [answer.text for answer in answers]
    assert roster_of(scenario, "city")[firm]["removed"] is False


def test_an_official_cannot_tell_an_out_of_reach_owner_from_an_unknown_one(stack, scenario, places):
    people = scenario["people"]
    owner = make_borrower(stack, people["township"]).entrepreneur_id
    answers = [people["other_county"].post("/api/v1/enterprises", json=enterprise_data(
        region_code=places.other_village, credit_code=credit_code(places.other_county),
        owner_entrepreneur_id=owner_id))
        for owner_id in (owner, str(uuid.uuid4()))]
    assert [answer.json()["error"]["code"] for answer in answers] == ["entrepreneur_not_found"] * 2
    assert answers[0].status_code == answers[1].status_code == 404


def agenda_items(client, quarter, **params) -> dict:
    agenda = client.get(f"/api/v1/quarters/{quarter}/agenda", params=params).json()
    return {item["reference"]: item for group in agenda["enterprises"] for category in group["categories"]
            for item in category["items"]}


def test_each_city_its_own_round_and_a_county_sends_up_what_it_cannot_settle(stack, scenario, places):
    people, quarter = scenario["people"], scenario["quarter"]
    county, city, other_county = people["county"], people["city"], people["other_county"]
    other_city = stack.client(stack.create_user("official", region_code=places.other_city, level="city"))
    named = {"region": places.city}
    # another city's official: 内江's round answers as one never opened, reading or writing
    for method, path, body in (("GET", "", None), ("GET", "/agenda", None), ("GET", "/bulletin", None),
                               ("PUT", "/meeting", {"held_on": quarter.first.isoformat(), "chair": "副市长",
                                                    "departments": ["市人社局"], "minutes": "会议研究企业困难问题。"}),
                               ("POST", "/close", None)):
        answer = other_city.http.request(method, f"{other_city.base_url}/api/v1/quarters/{quarter}{path}",
                                         params=named, json=body, timeout=30)
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "quarter_not_found"), (path, answer.text)
    assert other_city.get(f"/api/v1/quarters/{quarter}").status_code == 404  # their own city has not opened it
    # the county holds its own round, and sends up the item it cannot settle
    own = {"region": places.county}
    opened = county.post("/api/v1/quarters", json={"quarter": quarter.code, **own})
    assert opened.status_code == 201 and opened.json()["level"] == "county", opened.text
    reference = next(ref for ref, item in agenda_items(county, quarter, **own).items()
                     if item["status"] == "open" and item["difficulty_id"])
    item = agenda_items(county, quarter, **own)[reference]
    path = f"/api/v1/quarters/{quarter}/agenda/{item['id']}/refer"
    assert other_county.post(path, params=own, json={"note": "请市级协调"}).status_code == 404
    assert city.post(path, params=own, json={"note": "请市级协调"}).json()["error"]["code"] == "county_level_required"
    assert county.post(path, params=own, json={"note": ""}).status_code == 422
    sent = county.post(path, params=own, json={"note": "涉及用地指标调剂，县级无法协调"})
    assert sent.status_code == 200 and sent.json()["referral_note"] == "涉及用地指标调剂，县级无法协调", sent.text
    at_city = agenda_items(city, quarter)[reference]
    assert (at_city["referred_from"], at_city["referral_note"]) == (
        regions.normalize(places.county), "涉及用地指标调剂，县级无法协调")
