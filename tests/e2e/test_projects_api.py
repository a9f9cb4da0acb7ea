"""The tiered project library through the HTTP API: lifecycle by level, recommendation upward,
Chinese search, interest, promotion and collective signing, matching with reasons."""

import uuid

import pytest

from shared import clock, regions
from tests.borrowers import finance_knows, make_borrower
from tests.factories import entrepreneur_data
from tests.places import PLACES


@pytest.fixture(scope="module")
def people(stack, places):
    def official(region, level):
        return stack.client(stack.create_user("official", region_code=region, level=level))

    return {"county": official(places.county, "county"), "other_county": official(places.other_county, "county"),
            "city": official(places.city, "city"), "township": official(places.township, "township")}


def project_data(**overrides) -> dict:
    data = {"title": f"大佛村柑橘深加工{uuid.uuid4().hex[:4]}", "sector": "农产品加工",
            "description": "建设柑橘分选、冷藏和果汁加工生产线，带动周边农户增收。", "region_code": PLACES.village,
            "investment_yuan": "3000000", "expected_jobs": 40, "policies": ["创业担保贷款", "一次性创业补贴"],
            "contact_name": "王主任", "contact_phone": "0832-2222222", "library_level": "county"}
    data.update(overrides)
    return data


def listed(people, **overrides) -> dict:
    project = people["county"].post("/api/v1/projects", json=project_data(**overrides)).json()
    for step in ("review", "list"):
        project = people["county"].post(f"/api/v1/projects/{project['id']}/{step}").json()
    return project


def test_a_county_collects_reviews_and_lists_a_project_step_by_step(stack, people, places):
    collected = people["county"].post("/api/v1/projects", json=project_data())
    assert collected.status_code == 201, collected.text
    project = collected.json()
    assert (project["status"], project["library_level"], project["library_region"]) == (
        "collected", "county", regions.normalize(places.county))
    out_of_order = people["county"].post(f"/api/v1/projects/{project['id']}/list").json()["error"]
    assert out_of_order["code"] == "project_status"
    assert people["township"].post(f"/api/v1/projects/{project['id']}/review").json()["error"]["code"] == (
        "project_not_found")  # a draft of the county's library is not the township's to see
    assert people["other_county"].post(f"/api/v1/projects/{project['id']}/review").status_code == 404
    for step, status in (("review", "reviewed"), ("list", "listed")):
        project = people["county"].post(f"/api/v1/projects/{project['id']}/{step}").json()
        assert project["status"] == status
    assert [h["action"] for h in project["history"]] == ["collected", "review", "list"]
    withdrawn = people["county"].post(f"/api/v1/projects/{project['id']}/withdraw", json={"note": ""})
    assert withdrawn.json()["error"]["code"] == "reason_required"


def test_a_county_cannot_fill_another_level_or_area(people, places):
    assert people["county"].post("/api/v1/projects", json=project_data(library_level="city")).json()[
        "error"]["code"] == "not_library_curator"
    assert people["county"].post("/api/v1/projects", json=project_data(region_code=places.other_village)).json()[
        "error"]["code"] == "not_library_curator"
    assert people["township"].post("/api/v1/projects", json=project_data()).json()["error"]["code"] == (
        "not_library_curator")


def test_a_recommended_county_project_enters_the_city_library_after_review(people, places):
    project = listed(people)
    recommended = people["county"].post(f"/api/v1/projects/{project['id']}/recommend").json()
    assert recommended["recommended_to"] == "city"
    assert people["other_county"].post(f"/api/v1/projects/{project['id']}/recommendation",
                                       json={"accept": True}).status_code in (403, 404)
    accepted = people["city"].post(f"/api/v1/projects/{project['id']}/recommendation", json={"accept": True}).json()
    assert (accepted["library_level"], accepted["library_region"], accepted["status"]) == (
        "city", regions.normalize(places.city), "reviewed")
    assert people["county"].post(f"/api/v1/projects/{project['id']}/list").json()["error"]["code"] == (
        "project_not_found")  # now in the city's library, under its review
    assert people["city"].post(f"/api/v1/projects/{project['id']}/list").json()["status"] == "listed"


def test_a_city_project_recommended_upward_enters_the_provinces_library(stack, people, places):
    province = stack.client(stack.create_user("official", region_code=places.province, level="province"))
    project = listed(people)
    people["county"].post(f"/api/v1/projects/{project['id']}/recommend")
    people["city"].post(f"/api/v1/projects/{project['id']}/recommendation", json={"accept": True})
    people["city"].post(f"/api/v1/projects/{project['id']}/list")
    assert people["city"].post(f"/api/v1/projects/{project['id']}/recommend").json()["recommended_to"] == "province"
    declined = province.post(f"/api/v1/projects/{project['id']}/recommendation",
                             json={"accept": False, "note": "与省级重点项目重复"}).json()
    assert (declined["library_level"], declined["recommended_to"]) == ("city", None)
    people["city"].post(f"/api/v1/projects/{project['id']}/recommend")
    accepted = province.post(f"/api/v1/projects/{project['id']}/recommendation", json={"accept": True}).json()
    assert (accepted["library_level"], accepted["library_region"]) == ("province", regions.normalize(places.province))
    assert province.post(f"/api/v1/projects/{project['id']}/list").json()["status"] == "listed"
    assert province.post(f"/api/v1/projects/{project['id']}/recommend").json()["error"]["code"] == "top_library"


def test_entrepreneurs_search_the_listed_library_in_chinese_with_filters(stack, people, places):
    word = f"猕猴桃{uuid.uuid4().hex[:3]}"
    shown = listed(people, title=f"{word}种植基地", sector="种植业", investment_yuan="800000")
    hidden = people["county"].post("/api/v1/projects", json=project_data(title=f"{word}未审核")).json()
    reader = stack.client(stack.create_user("entrepreneur"))
    found = reader.get("/api/v1/projects", params={"q": word}).json()
    assert [item["id"] for item in found["items"]] == [shown["id"]]
    assert hidden["id"] not in {i["id"] for i in found["items"]}
    assert reader.get("/api/v1/projects", params={"q": word, "sector": "养殖业"}).json()["total"] == 0
    assert reader.get("/api/v1/projects", params={"q": word, "max_investment_yuan": "500000"}).json()["total"] == 0
    assert reader.get("/api/v1/projects", params={"q": word, "min_investment_yuan": "500000",
                                                  "region_code": places.county}).json()["total"] == 1
    assert reader.get(f"/api/v1/projects/{hidden['id']}").status_code == 404


def test_interest_promotion_and_collective_signing(stack, people):
    project = listed(people)
    borrower = make_borrower(stack, people["township"], enterprise=True)
    finance_knows(stack, "known_entrepreneurs", borrower.entrepreneur_id, "true", "projects")
    finance_knows(stack, "known_enterprises", borrower.enterprise_id, "true", "projects")
    assert borrower.client.post(f"/api/v1/projects/{project['id']}/interest", json={"note": "想了解用地"}).json()[
        "interested"] is True
    borrower.client.post(f"/api/v1/projects/{project['id']}/interest")  # twice is still once
    interests = people["county"].get(f"/api/v1/projects/{project['id']}/interests").json()["items"]
    assert [i["entrepreneur_id"] for i in interests] == [borrower.entrepreneur_id]
    event = people["county"].post("/api/v1/promotion-events", json={
        "title": "东兴区返乡创业项目推介会", "held_on": clock.today().isoformat(), "place": "东兴区会展中心",
        "project_ids": [project["id"]]})
    assert event.status_code == 201, event.text
    event = event.json()
    assert [p["status"] for p in event["projects"]] == ["promoted"]
    both = people["county"].post(f"/api/v1/promotion-events/{event['id']}/signings", json={
        "project_id": project["id"], "entrepreneur_id": borrower.entrepreneur_id,
        "enterprise_id": borrower.enterprise_id})
    assert both.json()["error"]["code"] == "party_required"
    signed = people["county"].post(f"/api/v1/promotion-events/{event['id']}/signings", json={
        "project_id": project["id"], "enterprise_id": borrower.enterprise_id}).json()
    assert [s["enterprise_id"] for s in signed["signings"]] == [borrower.enterprise_id]
    assert stack.client().get("/api/v1/projects").status_code == 401
    assert borrower.client.get(f"/api/v1/projects/{project['id']}").json()["status"] == "signed"
    again = people["county"].post(f"/api/v1/promotion-events/{event['id']}/signings", json={
        "project_id": project["id"], "entrepreneur_id": borrower.entrepreneur_id})
    assert again.json()["error"]["code"] in ("project_status", "already_signed")


def test_matching_ranks_entrepreneurs_with_the_reasons_and_projects_for_an_entrepreneur(stack, people, places):
    project = listed(people, sector="制造业", title=f"电子元件装配厂{uuid.uuid4().hex[:4]}")
    fitting = stack.create_user("entrepreneur")
    client = stack.client(fitting)
    # verified and named to sort first among equals: every test's returnee in the home county fits this project
    person = client.post("/api/v1/entrepreneurs", json=entrepreneur_data(
        name="丁一", region_code=places.village, skills=["电工", "数控车床"])).json()
    assert people["county"].post(f"/api/v1/entrepreneurs/{person['id']}/verify").status_code == 200
    finance_knows(stack, "known_entrepreneurs", person["id"], "verified", "projects")
    found = people["county"].get(f"/api/v1/projects/{project['id']}/matches").json()["items"]
    mine = next(item for item in found if item["entrepreneur_id"] == person["id"])
    assert "与项目在同一乡镇" in mine["reasons"] and any("电工" in r for r in mine["reasons"])
    assert found == sorted(found, key=lambda item: -item["score"])
    assert client.get(f"/api/v1/projects/{project['id']}/matches").json()["error"]["code"] == "official_required"
    for_me = client.get("/api/v1/projects/for-me").json()["items"]
    assert project["id"] in {item["id"] for item in for_me}
    assert all(item["reasons"] for item in for_me)
