"""Nobody sees what is not theirs in escalation: every difficulty endpoint, tried by the wrong people.

Alice's enterprise is in the home township of tests/places (双才镇, 东兴区), Bob's in the other county
(威远县).
"""

import pytest

from tests.borrowers import finance_knows, make_borrower
from tests.e2e.test_difficulties_api import report

ID = "<string:difficulty_id>"
ESCALATION_ACCESS_CASES = {
    ("POST", "/api/v1/difficulties"): "test_only_the_owner_reports_for_an_enterprise",
    ("GET", "/api/v1/difficulties"): "test_lists_hold_only_what_the_caller_may_see",
    ("GET", "/api/v1/difficulties/stats"): "test_counts_are_for_officials_of_their_region",
    ("POST", "/api/v1/difficulties/sweep"): "test_the_sweep_is_run_by_hand_only_at_city_level",
    ("GET", f"/api/v1/difficulties/{ID}"): "test_reading_a_difficulty",
    ("POST", f"/api/v1/difficulties/{ID}/contact"): "test_only_the_current_levels_officials_act",
    ("POST", f"/api/v1/difficulties/{ID}/escalate"): "test_only_the_current_levels_officials_act",
    ("POST", f"/api/v1/difficulties/{ID}/resolve"): "test_only_the_current_levels_officials_act",
    ("POST", f"/api/v1/difficulties/{ID}/sign-off"): "test_only_the_current_levels_officials_act",
    ("POST", f"/api/v1/difficulties/{ID}/accept"): "test_only_the_reporter_accepts_or_rejects",
    ("POST", f"/api/v1/difficulties/{ID}/reject"): "test_only_the_reporter_accepts_or_rejects",
    ("PUT", "/api/v1/calendar/<int:year>"): "test_only_an_administrator_enters_the_calendar",
    ("PUT", "/api/v1/calendar/<int:year>/cities/<string:city>"): "test_a_citys_own_days_are_entered_by_that_city",
    ("POST", f"/api/v1/difficulties/{ID}/attachments"): "test_only_the_reporter_attaches_and_the_region_reads",
    ("GET", f"/api/v1/difficulties/{ID}/attachments/<string:attachment_id>"):
        "test_only_the_reporter_attaches_and_the_region_reads",
}


class World:
    def __init__(self, stack, places):
        def official(region, level, head=False):
            return stack.client(stack.create_user("official", region_code=region, level=level, unit_head=head))

        self.c = {"alice_township": official(places.township, "township"),
                  "alice_head": official(places.township, "township", True),
                  "alice_county": official(places.county, "county"),
                  "bob_county": official(places.other_county, "county"),
                  "bob_township": official(places.other_township, "township"), "city": official(places.city, "city"),
                  "other_township": official(places.neighbour_township, "township"),
                  "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
                  "admin": stack.client(stack.create_user("admin"))}
        alice = make_borrower(stack, self.c["alice_township"], enterprise=True)
        bob = make_borrower(stack, self.c["bob_township"], region=places.other_village, enterprise=True)
        for firm in (alice.enterprise_id, bob.enterprise_id):
            finance_knows(stack, "known_enterprises", firm, "true", "escalation")
        self.c["alice"], self.c["bob"] = alice.client, bob.client
        self.alice, self.bob = alice, bob
        self.alice_difficulty = report(alice)
        self.bob_difficulty = report(bob)

    def __getitem__(self, who):
        return self.c[who]


@pytest.fixture(scope="module")
def world(stack, places):
    return World(stack, places)


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


def ids(response) -> set:
    return {item["id"] for item in response.json()["items"]}


def test_only_the_owner_reports_for_an_enterprise(world):
    body = {"enterprise_id": world.bob.enterprise_id, "category": "labour", "description": "缺少熟练工人二十名，急需帮助"}
    assert code(world["alice"].post("/api/v1/difficulties", json=body)) == (422, "enterprise_not_owned")
    for who in ("alice_township", "bank", "admin"):
        assert code(world[who].post("/api/v1/difficulties", json=body)) == (403, "role_not_allowed")


def test_lists_hold_only_what_the_caller_may_see(world):
    a, b = world.alice_difficulty["id"], world.bob_difficulty["id"]

    def seen(who):
        return ids(world[who].get("/api/v1/difficulties", params={"per_page": 100}))

    assert seen("alice") == {a} and seen("bob") == {b}
    assert a in seen("alice_county") and b not in seen("alice_county")
    assert b in seen("bob_county") and a not in seen("bob_county")
    assert {a, b} <= seen("city")
    assert a not in seen("other_township")
    assert seen("bank") == set() and seen("admin") == set()


def test_counts_are_for_officials_of_their_region(world):
    for who in ("alice", "bank", "admin"):
        assert code(world[who].get("/api/v1/difficulties/stats")) == (403, "official_required")
    rows = world["bob_county"].get("/api/v1/difficulties/stats").json()["rows"]
    assert sum(row["count"] for row in rows) >= 1
    alice_rows = world["alice_township"].get("/api/v1/difficulties/stats").json()["rows"]
    assert all(row["level_name"] for row in alice_rows)


def test_the_sweep_is_run_by_hand_only_at_city_level(world):
    for who in ("alice", "alice_county", "bank"):
        assert code(world[who].post("/api/v1/difficulties/sweep")) == (403, "city_level_required")
    assert world["city"].post("/api/v1/difficulties/sweep").status_code == 200
    assert world["admin"].post("/api/v1/difficulties/sweep").status_code == 200


def test_reading_a_difficulty(world):
    path = f"/api/v1/difficulties/{world.alice_difficulty['id']}"
    for who in ("bob", "bob_county", "other_township", "bank", "admin"):
        assert code(world[who].get(path)) == (404, "difficulty_not_found"), who
    for who in ("alice", "alice_township", "alice_county", "city"):
        assert world[who].get(path).status_code == 200, who


def test_only_the_current_levels_officials_act(world):
    path = f"/api/v1/difficulties/{world.alice_difficulty['id']}"
    bodies = {"contact": {}, "escalate": {"reason": "需要上级协调"}, "resolve": {"resolution": "已经协调解决用工"},
              "sign-off": {}}
    for action, body in bodies.items():
        assert code(world["bob_county"].post(f"{path}/{action}", json=body)) == (404, "difficulty_not_found")
        assert code(world["bank"].post(f"{path}/{action}", json=body)) == (404, "difficulty_not_found")
        assert code(world["alice"].post(f"{path}/{action}", json=body)) == (403, "not_handling_level"), action
        assert code(world["alice_county"].post(f"{path}/{action}", json=body))[0] == 403, action
    assert world["alice_township"].post(f"{path}/contact", json={}).json()["status"] == "contacted"


def test_only_the_reporter_accepts_or_rejects(world):
    path = f"/api/v1/difficulties/{world.bob_difficulty['id']}"
    world["bob_township"].post(f"{path}/resolve", json={"resolution": "已协调镇劳务站推荐工人"})
    for action, body in (("accept", {}), ("reject", {"reason": "没有解决"})):
        assert code(world["alice"].post(f"{path}/{action}", json=body)) == (404, "difficulty_not_found")
        assert code(world["bob_county"].post(f"{path}/{action}", json=body)) == (403, "not_reporter")
    assert world["bob"].post(f"{path}/accept", json={}).json()["status"] == "accepted"


def test_only_an_administrator_enters_the_calendar(world):
    body = {"holidays": ["2028-01-01"], "workdays": []}
    for who in ("alice", "city", "bank"):
        assert code(world[who].put("/api/v1/calendar/2028", json=body)) == (403, "role_not_allowed")
    assert code(world["admin"].put("/api/v1/calendar/2028", json={"holidays": ["2029-01-01"]})) == (
        422, "day_outside_year")
    assert world["admin"].put("/api/v1/calendar/2028", json=body).status_code == 200


def test_a_citys_own_days_are_entered_by_that_city(world, stack, places):
    body = {"name": "彝族年", "holidays": ["2028-11-20"], "workdays": []}
    other_city = stack.client(stack.create_user("official", region_code=places.other_city, level="city"))
    for who, client in (("alice", world["alice"]), ("county", world["alice_county"]), ("bank", world["bank"]),
                        ("other city", other_city)):
        assert code(client.put(f"/api/v1/calendar/2028/cities/{places.city}", json=body)) == (
            403, "city_level_required"), who
    assert code(world["city"].put(f"/api/v1/calendar/2028/cities/{places.county}", json=body)) == (
        422, "city_level")
    assert code(world["city"].put(f"/api/v1/calendar/2028/cities/{places.city}", json={"name": ""})) == (
        422, "too_short")
    entered = world["city"].put(f"/api/v1/calendar/2028/cities/{places.city}", json=body).json()
    assert (entered["name"], entered["holidays"]) == ("彝族年", 1)
    assert other_city.put(f"/api/v1/calendar/2028/cities/{places.other_city}", json=body).status_code == 200
    assert world["admin"].put(f"/api/v1/calendar/2028/cities/{places.city}", json={"name": "彝族年"}).json()[
        "holidays"] == 0


def test_only_the_reporter_attaches_and_the_region_reads(world):
    path = f"/api/v1/difficulties/{world.alice_difficulty['id']}/attachments"
    photo = {"file": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")}
    assert code(world["bob"].post(path, files=photo)) == (404, "difficulty_not_found")
    assert code(world["alice_township"].post(path, files=photo)) == (403, "not_reporter")
    added = world["alice"].post(path, files=photo).json()["attachments"][-1]
    for who in ("bob", "bob_county", "bank", "admin"):
        assert code(world[who].get(f"{path}/{added['id']}")) == (404, "difficulty_not_found"), who
    for who in ("alice", "alice_county", "city"):
        assert world[who].get(f"{path}/{added['id']}").status_code == 200, who
