"""The project library in a nameko container against the real broker and a database of its own.

As in the escalation tests, the module shares one container, vhost and fresh database; each test
collects its own projects (titles carry a random tag) and makes its own entrepreneurs known through
the registry's events.
"""

import datetime as dt
import uuid

import pytest

from services.projects.service import ProjectsService
from shared import clock
from shared.contracts import registry
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from tests.services.test_escalation_service import (
    entrepreneur,
    key,
    module_fixtures,
    move_clock,
    official,
    registered_firm,
    registered_person,
)
from tests.support.waiting import eventually

COUNTY = official("511011000000", "county", "county")  # 东兴区
COUNTY_COLLEAGUE = official("511011000000", "county", "county_2")
OTHER_COUNTY = official("511024000000", "county", "weiyuan_county")  # 威远县
TOWNSHIP = official("511011101000", "township", "township")
CITY = official("511000000000", "city", "city")
PROVINCE = official("510000000000", "province", "province")


db, projects, rpc, facts = module_fixtures("projects", ProjectsService)


@pytest.fixture(autouse=True)
def clock_file(tmp_path, monkeypatch):
    move_clock(tmp_path, monkeypatch)


def project_data(**changes) -> dict:
    return {"title": f"柑橘分拣包装线{uuid.uuid4().hex[:6]}", "sector": "农产品加工",
            "description": "建设柑橘分拣、清洗、包装生产线，年处理鲜果五千吨", "region_code": "511011101201",
            "investment_yuan": "800000", "expected_jobs": 25, "policies": ["创业担保贷款", "一次性创业补贴"],
            "contact_name": "李主任", "contact_phone": "0832-2201020", "library_level": "county", **changes}


def collect(rpc, actor=COUNTY, idempotency_key=None, **changes) -> dict:
    return rpc.projects.collect_project(actor, project_data(**changes), idempotency_key)


def advance(rpc, actor, project, *actions, **body) -> dict:
    for action in actions:
        project = rpc.projects.advance_project(actor, project["id"], action, body)
    return project


def listed(rpc, actor=COUNTY, **changes) -> dict:
    return advance(rpc, actor, collect(rpc, actor, **changes), "review", "list")


def known_person(facts, db, *, region="511011101201", skills=("分拣",), firm: dict | None = None):
    """An entrepreneur's account and id (and their enterprise's id), as the registry's events made them known."""
    account = entrepreneur()
    person = registered_person(account["user_id"], region=region, name="测试李", skills=skills)
    facts.send(person)
    enterprise_id = None
    if firm is not None:
        enterprise = registered_firm(person.entrepreneur_id, region=region, **firm)
        facts.send(enterprise)
        enterprise_id = enterprise.enterprise_id
    eventually(lambda: db.scalar("SELECT count(*) FROM known_entrepreneurs WHERE id = :p", p=person.entrepreneur_id)
               and (enterprise_id is None or db.scalar("SELECT count(*) FROM known_enterprises WHERE id = :e",
                                                       e=enterprise_id)),
               timeout=10, message="projects knows the entrepreneur")
    return account, person.entrepreneur_id, enterprise_id


def refused(error, call, *args) -> str:
    with pytest.raises(error) as caught:
        call(*args)
    return caught.value.code


# ---- the library's lifecycle ---------------------------------------------------------------


def test_a_county_project_is_collected_reviewed_and_listed_and_only_then_public(rpc, db):
    project = collect(rpc)
    assert (project["status"], project["library_level"], project["library_region"]) == (
        "collected", "county", "511011000000")
    assert [step["action"] for step in project["history"]] == ["collected"]
    reader = entrepreneur()
    assert refused(NotFound, rpc.projects.get_project, reader, project["id"]) == "project_not_found"
    assert rpc.projects.search_projects(reader, {"q": project["title"]})["total"] == 0
    with pytest.raises(InvalidState) as early:
        advance(rpc, COUNTY, project, "list")
    assert (early.value.code, early.value.field) == ("project_status", "status")
    done = advance(rpc, COUNTY, project, "review", "list")
    assert done["status"] == "listed"
    assert [step["action"] for step in done["history"]] == ["collected", "review", "list"]
    published, = db.outbox("project_listed", project_id=project["id"])
    assert (published["listed_by"], published["library_region"], published["investment_fen"]) == (
        "county", "511011000000", 80_000_000)
    assert db.outbox("project_launched", project_id=project["id"]) == []
    seen = rpc.projects.get_project(reader, project["id"])
    assert seen["status"] == "listed" and "history" not in seen
    for query in ({"q": project["title"]}, {"q": project["title"], "sector": "农产品加工", "region_code": "511011",
                                            "min_investment_yuan": "800000", "max_investment_yuan": "800000"}):
        assert [item["id"] for item in rpc.projects.search_projects(reader, query)["items"]] == [project["id"]]
    assert rpc.projects.search_projects(reader, {"q": project["title"], "sector": "养殖业"})["total"] == 0
    assert refused(InvalidState, advance, rpc, COUNTY, done, "launch") == "project_status"


def test_only_the_librarys_own_officials_collect_and_move_its_projects(rpc, db):
    for actor in (TOWNSHIP, OTHER_COUNTY, CITY, entrepreneur()):
        assert refused(Forbidden, collect, rpc, actor) == "not_library_curator", actor["username"]
    with pytest.raises(InvalidInput) as sector:
        collect(rpc, sector="挖矿")
    assert (sector.value.code, sector.value.field) == ("sector_unknown", "sector")
    with pytest.raises(InvalidInput) as region:
        collect(rpc, region_code="511099000000")
    assert (region.value.code, region.value.field) == ("region_code_unknown", "region_code")
    project = collect(rpc)
    assert refused(NotFound, advance, rpc, OTHER_COUNTY, project, "review") == "project_not_found"
    assert refused(Forbidden, advance, rpc, CITY, project, "review") == "not_library_curator"
    assert refused(Forbidden, advance, rpc, COUNTY, project, "promote") == "unknown_action"
    with pytest.raises(Conflict) as stale:
        advance(rpc, COUNTY, project, "review", expected_version=project["version"] + 1)
    assert (stale.value.code, stale.value.field) == ("stale_version", "expected_version")
    with pytest.raises(InvalidInput) as reasonless:
        advance(rpc, COUNTY, project, "withdraw")
    assert (reasonless.value.code, reasonless.value.field) == ("reason_required", "note")
    withdrawn = advance(rpc, COUNTY, project, "withdraw", note="业主放弃投资")
    assert withdrawn["status"] == "withdrawn"
    published, = db.outbox("project_withdrawn", project_id=project["id"])
    assert published["reason"] == "业主放弃投资"
    assert refused(InvalidState, advance, rpc, COUNTY, withdrawn, "review") == "project_status"


def test_a_project_collected_twice_with_one_key_is_kept_once_for_its_caller(rpc, db):
    sending, data = key(), {"title": f"家庭农场{uuid.uuid4().hex[:6]}"}
    first = collect(rpc, COUNTY, sending, **data)
    assert collect(rpc, COUNTY, sending, **data) == first
    count = "SELECT count(*) FROM projects WHERE title = :t"
    assert db.scalar(count, t=data["title"]) == 1
    with pytest.raises(Conflict) as reused:
        collect(rpc, COUNTY, sending, **data, expected_jobs=30)
    assert (reused.value.code, reused.value.field) == ("idempotency_key_reused", "Idempotency-Key")
    colleague = collect(rpc, COUNTY_COLLEAGUE, sending, **data)  # a key belongs to its caller
    assert colleague["id"] != first["id"]
    assert db.scalar(count, t=data["title"]) == 2


# ---- recommendation upward ------------------------------------------------------------------


def test_a_listed_project_is_recommended_upward_and_the_upper_library_decides(rpc, db):
    project = collect(rpc)
    assert refused(InvalidState, rpc.projects.recommend_project, COUNTY, project["id"]) == "project_status"
    project = advance(rpc, COUNTY, project, "review", "list")
    assert refused(Forbidden, rpc.projects.recommend_project, CITY, project["id"]) == "not_library_curator"
    up = rpc.projects.recommend_project(COUNTY, project["id"])
    assert up["recommended_to"] == "city"
    published, = db.outbox("project_recommended", project_id=project["id"])
    assert (published["to_level"], published["recommended_by"]) == ("city", "county")
    assert refused(InvalidState, rpc.projects.recommend_project, COUNTY, project["id"]) == "already_recommended"
    decide = rpc.projects.decide_recommendation
    assert refused(Forbidden, decide, COUNTY, project["id"], {"accept": True}) == "not_library_curator"
    assert refused(InvalidInput, decide, CITY, project["id"], {"accept": False}) == "reason_required"
    declined = decide(CITY, project["id"], {"accept": False, "note": "投资规模未达市级标准"})
    assert (declined["library_level"], declined["recommended_to"], declined["history"][-1]["action"]) == (
        "county", None, "declined_upward")
    rpc.projects.recommend_project(COUNTY, project["id"])
    accepted = decide(CITY, project["id"], {"accept": True})
    assert (accepted["library_level"], accepted["library_region"], accepted["status"]) == (
        "city", "511000000000", "reviewed")
    assert refused(InvalidState, decide, CITY, project["id"], {"accept": True}) == "not_recommended"
    city_listed = advance(rpc, CITY, accepted, "list")
    rpc.projects.recommend_project(CITY, city_listed["id"])
    provincial = advance(rpc, PROVINCE, decide(PROVINCE, project["id"], {"accept": True}), "list")
    assert (provincial["library_level"], provincial["library_region"]) == ("province", "510000000000")
    with pytest.raises(InvalidState) as top:
        rpc.projects.recommend_project(PROVINCE, project["id"])
    assert (top.value.code, top.value.field) == ("top_library", "library_level")


# ---- interest, promotion and signing --------------------------------------------------------


def test_entrepreneurs_express_interest_once_and_only_the_library_sees_who(facts, rpc, db):
    account, person, _ = known_person(facts, db)
    project = listed(rpc)
    for _ in range(2):
        assert rpc.projects.express_interest(account, project["id"], {"note": "想了解用地情况"}) == {
            "project_id": project["id"], "interested": True}
    interests = rpc.projects.project_interests(COUNTY, project["id"])["items"]
    assert [(i["entrepreneur_id"], i["name"], i["note"]) for i in interests] == [(person, "测试李", "想了解用地情况")]
    assert [i["entrepreneur_id"] for i in rpc.projects.project_interests(account, project["id"])["items"]] == [person]
    assert rpc.projects.project_interests(entrepreneur(), project["id"])["items"] == []
    assert refused(Forbidden, rpc.projects.project_interests, OTHER_COUNTY, project["id"]) == "not_library_curator"
    stranger = entrepreneur()
    assert refused(InvalidState, rpc.projects.express_interest, stranger, project["id"]) == \
        "entrepreneur_not_registered"
    assert refused(Forbidden, rpc.projects.express_interest, COUNTY, project["id"]) == "role_not_allowed"
    hidden = collect(rpc)
    assert refused(NotFound, rpc.projects.express_interest, account, hidden["id"]) == "project_not_found"


def event_body(*projects, title="东兴区返乡创业项目推介会") -> dict:
    return {"title": title, "held_on": (clock.today() + dt.timedelta(days=10)).isoformat(), "place": "东兴区文化中心",
            "project_ids": [project["id"] for project in projects]}


def test_a_promotion_event_of_the_area_promotes_its_listed_projects_once(rpc, db):
    first, second, unlisted = listed(rpc), listed(rpc), collect(rpc)
    body, create = event_body(first, second), rpc.projects.create_promotion_event
    assert refused(Forbidden, create, TOWNSHIP, body, key()) == "not_library_curator"
    with pytest.raises(InvalidInput) as elsewhere:
        create(OTHER_COUNTY, body, key())
    assert (elsewhere.value.code, elsewhere.value.field) == ("project_not_in_area", "project_ids")
    assert refused(InvalidState, create, COUNTY, event_body(first, unlisted), key()) == "project_status"
    sending = key()
    promotion = create(COUNTY, body, sending)
    assert create(COUNTY, body, sending) == promotion  # a replay promotes nothing twice
    assert {p["id"]: p["status"] for p in promotion["projects"]} == {first["id"]: "promoted", second["id"]: "promoted"}
    for project in (first, second):
        published, = db.outbox("project_promoted", project_id=project["id"])
        assert (published["event_id_promotion"], published["promoted_on"]) == (promotion["id"], body["held_on"])
    assert promotion["id"] in {item["id"] for item in rpc.projects.list_promotion_events(entrepreneur())["items"]}
    assert refused(NotFound, rpc.projects.get_promotion_event, COUNTY, str(uuid.uuid4())) == \
        "promotion_event_not_found"


def test_at_collective_signing_the_organiser_signs_each_project_with_one_registered_party(facts, rpc, db):
    account, person, firm = known_person(facts, db, firm={"name": "双才镇柑橘专业合作社", "industry": "种植业"})
    first, second, unshown = listed(rpc), listed(rpc), listed(rpc)
    promotion = rpc.projects.create_promotion_event(COUNTY, event_body(first, second), key())
    sign = rpc.projects.sign_project
    for actor in (OTHER_COUNTY, CITY, account):
        assert refused(Forbidden, sign, actor, promotion["id"], {"project_id": first["id"], "enterprise_id": firm}) \
            == "not_event_organiser", actor["username"]
    for body, code in (({"project_id": unshown["id"], "enterprise_id": firm}, "project_not_shown"),
                       ({"project_id": first["id"]}, "party_required"),
                       ({"project_id": first["id"], "enterprise_id": firm, "entrepreneur_id": person}, "party_required"),
                       ({"project_id": first["id"], "entrepreneur_id": str(uuid.uuid4())}, "party_unknown")):
        assert refused(InvalidInput, sign, COUNTY, promotion["id"], body) == code
    by_firm, = sign(COUNTY, promotion["id"], {"project_id": first["id"], "enterprise_id": firm})["signings"]
    assert (by_firm["party_name"], by_firm["entrepreneur_id"], by_firm["signed_on"]) == (
        "双才镇柑橘专业合作社", person, promotion["held_on"])
    assert refused(InvalidState, sign, COUNTY, promotion["id"], {"project_id": first["id"], "entrepreneur_id": person}) \
        == "project_status"
    sign(COUNTY, promotion["id"], {"project_id": second["id"], "entrepreneur_id": person})
    published, = db.outbox("project_signed", project_id=first["id"])
    assert (published["enterprise_id"], published["entrepreneur_id"], published["promotion_event_id"]) == (
        firm, person, promotion["id"])
    assert len(rpc.projects.get_promotion_event(account, promotion["id"])["signings"]) == 2
    assert advance(rpc, COUNTY, first, "launch")["status"] == "launched"
    assert len(db.outbox("project_launched", project_id=first["id"])) == 1
    assert refused(InvalidState, rpc.projects.express_interest, account, second["id"]) == "project_status"


# ---- matching and the registry's facts ------------------------------------------------------


def test_officials_see_who_fits_a_project_and_entrepreneurs_see_what_fits_them(facts, rpc, db):
    project = listed(rpc, sector="农产品加工", investment_yuan="600000")
    account, person, _ = known_person(facts, db, firm={"industry": "食品加工", "investment_fen": 30_000_000})
    _, elsewhere, _ = known_person(facts, db, region="511024100201")
    matches = {m["entrepreneur_id"]: m for m in rpc.projects.project_matches(COUNTY, project["id"])["items"]}
    assert matches[person]["reasons"] == ["与项目在同一乡镇", "技能对口：分拣", "已在同行业经营：食品加工",
                                          "已投入资金达到项目所需的30%以上"]
    assert matches[person]["score"] == 11
    assert elsewhere not in matches  # outside the county official's region
    assert refused(Forbidden, rpc.projects.project_matches, account, project["id"]) == "official_required"
    mine = {m["id"]: m for m in rpc.projects.my_matches(account)["items"]}
    assert mine[project["id"]]["score"] == 11
    assert refused(InvalidState, rpc.projects.my_matches, entrepreneur()) == "entrepreneur_not_registered"


def test_registry_facts_build_the_read_model_once_each_even_when_a_verification_comes_first(
        projects, facts, rpc, db, infra):
    account = entrepreneur()
    person = registered_person(account["user_id"], skills=("分拣",))
    verified = facts.send(registry.EntrepreneurVerified(entrepreneur_id=person.entrepreneur_id,
                                                      region_code=person.region_code, verified_by="township",
                                                      verified_at=clock.utcnow()))
    retries = "evt-registry-entrepreneur_verified--projects.handle_entrepreneur_verified.retry.100"
    eventually(lambda: infra.queue(projects.vhost, retries), timeout=10,
               message="the verification failed (not yet known) and waits for a retry")
    registered = facts.send(person)
    firm = facts.send(registered_firm(person.entrepreneur_id, name="大佛村蔬菜专业合作社"))
    for envelope in (registered, firm):
        facts.resend(envelope)  # a redelivery changes nothing
    eventually(lambda: db.inbox(verified["event_id"]), timeout=10, message="the verification applied on a retry")
    eventually(lambda: projects.handled(registered["event_id"]) == projects.handled(firm["event_id"]) == 2,
               timeout=10, message="both deliveries of each registration handled")
    assert db.inbox(registered["event_id"]) == db.inbox(firm["event_id"]) == 1
    assert db.scalar("SELECT name FROM known_enterprises WHERE owner_entrepreneur_id = :p",
                     p=person.entrepreneur_id) == "大佛村蔬菜专业合作社"
    assert db.scalar("SELECT verified FROM known_entrepreneurs WHERE id = :p AND account_id = :a",
                     p=person.entrepreneur_id, a=account["user_id"]) is True
    project = listed(rpc)
    fit = {m["entrepreneur_id"]: m for m in rpc.projects.project_matches(COUNTY, project["id"])["items"]}
    assert fit[person.entrepreneur_id]["reasons"] == ["与项目在同一乡镇", "技能对口：分拣", "已投入资金达到项目所需的30%以上"]
    assert fit[person.entrepreneur_id]["score"] == 3 + 3 + 2 + 1  # and one more for being verified
