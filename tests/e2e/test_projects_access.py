"""Who may do what in the project library: every endpoint, tried by the wrong role, level or area."""


import pytest

from shared import clock
from tests.borrowers import key
from tests.e2e.test_projects_api import listed, project_data

PID = "<string:project_id>"
PROJECTS_ACCESS_CASES = {
    ("POST", "/api/v1/projects"): "test_only_officials_fill_their_own_library",
    ("GET", "/api/v1/projects"): "test_entrepreneurs_browse_only_the_listed_library",
    ("GET", "/api/v1/projects/for-me"): "test_projects_for_me_are_for_registered_entrepreneurs",
    ("GET", f"/api/v1/projects/{PID}"): "test_entrepreneurs_browse_only_the_listed_library",
    **{("POST", f"/api/v1/projects/{PID}/{step}"): "test_steps_are_taken_by_the_librarys_own_level"
       for step in ("review", "list", "launch", "withdraw", "recommend", "recommendation")},
    ("POST", f"/api/v1/projects/{PID}/interest"): "test_interest_is_shown_by_entrepreneurs_and_read_by_the_library",
    ("GET", f"/api/v1/projects/{PID}/interests"): "test_interest_is_shown_by_entrepreneurs_and_read_by_the_library",
    ("GET", f"/api/v1/projects/{PID}/matches"): "test_interest_is_shown_by_entrepreneurs_and_read_by_the_library",
    ("POST", "/api/v1/promotion-events"): "test_promotion_and_signing_belong_to_the_organiser",
    ("GET", "/api/v1/promotion-events"): "test_promotion_and_signing_belong_to_the_organiser",
    ("GET", "/api/v1/promotion-events/<string:event_id>"): "test_promotion_and_signing_belong_to_the_organiser",
    ("POST", "/api/v1/promotion-events/<string:event_id>/signings"): "test_promotion_and_signing_belong_to_the_organiser",
}


@pytest.fixture(scope="module")
def people(stack, places):
    def official(region, level):
        return stack.client(stack.create_user("official", region_code=region, level=level))

    return {"county": official(places.county, "county"), "other_county": official(places.other_county, "county"),
            "city": official(places.city, "city"), "township": official(places.township, "township"),
            "reader": stack.client(stack.create_user("entrepreneur")),
            "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
            "admin": stack.client(stack.create_user("admin"))}


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


def test_only_officials_fill_their_own_library(people):
    for who in ("reader", "bank", "admin", "township", "other_county"):
        assert code(people[who].post("/api/v1/projects", json=project_data()))[0] == 403, who


def test_entrepreneurs_browse_only_the_listed_library(people):
    draft = people["county"].post("/api/v1/projects", json=project_data()).json()
    shown = listed(people)
    assert code(people["reader"].get(f"/api/v1/projects/{draft['id']}")) == (404, "project_not_found")
    assert code(people["other_county"].get(f"/api/v1/projects/{draft['id']}")) == (404, "project_not_found")
    assert people["city"].get(f"/api/v1/projects/{draft['id']}").status_code == 200
    assert people["reader"].get(f"/api/v1/projects/{shown['id']}").status_code == 200
    assert "history" not in people["reader"].get(f"/api/v1/projects/{shown['id']}").json()
    drafts = people["county"].get("/api/v1/projects", params={"status": "collected", "per_page": 100}).json()
    assert draft["id"] in {item["id"] for item in drafts["items"]}
    theirs = people["other_county"].get("/api/v1/projects", params={"status": "collected", "per_page": 100}).json()
    assert draft["id"] not in {item["id"] for item in theirs["items"]}
    browse = people["reader"].get("/api/v1/projects", params={"status": "collected", "per_page": 100}).json()
    assert draft["id"] not in {item["id"] for item in browse["items"]}


def test_projects_for_me_are_for_registered_entrepreneurs(people):
    assert code(people["reader"].get("/api/v1/projects/for-me")) == (409, "entrepreneur_not_registered")
    assert code(people["county"].get("/api/v1/projects/for-me")) == (403, "role_not_allowed")


def test_steps_are_taken_by_the_librarys_own_level(people):
    project = listed(people)
    path = f"/api/v1/projects/{project['id']}"
    for step, body in (("review", {}), ("list", {}), ("launch", {}), ("withdraw", {"note": "资金未落实"}),
                       ("recommend", {})):
        assert code(people["reader"].post(f"{path}/{step}", json=body))[0] == 403, step
        assert code(people["township"].post(f"{path}/{step}", json=body)) == (403, "not_library_curator"), step
        assert code(people["other_county"].post(f"{path}/{step}", json=body))[0] in (403, 404), step
    people["county"].post(f"{path}/recommend")
    assert code(people["county"].post(f"{path}/recommendation", json={"accept": True})) == (
        403, "not_library_curator")
    assert code(people["reader"].post(f"{path}/recommendation", json={"accept": True}))[0] == 403
    assert code(people["city"].post(f"{path}/recommendation", json={"accept": False, "note": ""})) == (
        422, "reason_required")


def test_interest_is_shown_by_entrepreneurs_and_read_by_the_library(people):
    project = listed(people)
    path = f"/api/v1/projects/{project['id']}"
    assert code(people["county"].post(f"{path}/interest"))[0] == 403
    assert code(people["reader"].post(f"{path}/interest")) == (409, "entrepreneur_not_registered")
    assert code(people["other_county"].get(f"{path}/interests"))[0] in (403, 404)
    assert code(people["bank"].get(f"{path}/interests"))[0] == 403
    assert people["county"].get(f"{path}/interests").status_code == 200
    assert code(people["reader"].get(f"{path}/matches")) == (403, "official_required")
    assert people["county"].get(f"{path}/matches").status_code == 200


def test_promotion_and_signing_belong_to_the_organiser(people):
    project = listed(people)
    event = {"title": "推介会", "held_on": clock.today().isoformat(), "place": "东兴区", "project_ids": [project["id"]]}
    assert code(people["reader"].post("/api/v1/promotion-events", json=event))[0] == 403
    assert code(people["township"].post("/api/v1/promotion-events", json=event))[0] == 403
    assert code(people["other_county"].post("/api/v1/promotion-events", json=event)) == (422, "project_not_in_area")
    made = people["county"].post("/api/v1/promotion-events", json=event, headers=key()).json()
    assert people["reader"].get("/api/v1/promotion-events").status_code == 200
    assert people["reader"].get(f"/api/v1/promotion-events/{made['id']}").status_code == 200
    signing = {"project_id": project["id"], "entrepreneur_id": "nobody"}
    for who in ("reader", "other_county", "city"):
        assert code(people[who].post(f"/api/v1/promotion-events/{made['id']}/signings", json=signing)) == (
            403, "not_event_organiser") or code(people[who].post(
                f"/api/v1/promotion-events/{made['id']}/signings", json=signing))[0] == 403
