"""Enterprise difficulties through the HTTP API: routing, the whole climb on a controllable clock,
reject and reopen, sign-off, consultation decisions and the public view."""

import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher

from services.escalation.domain.workdays import WorkCalendar
from shared import events, regions
from shared.contracts.escalation import ResolutionAssigned
from tests.borrowers import finance_knows, make_borrower
from tests.support.waiting import eventually
from tests.unit.test_photos import photo

CALENDAR = WorkCalendar()
LIAISONS = {"liaisons": [
    {"kind": "government_affairs", "name": "周政务", "phone": "13900000011", "organisation": "双才镇便民服务中心",
     "level": "township", "official_username": "township_x"},
    {"kind": "finance", "name": "钱金融", "phone": "13900000012", "organisation": "东兴区农商银行",
     "level": "county"},
]}


@pytest.fixture(scope="module")
def people(stack, places):
    def official(region, level, head=False):
        return stack.client(stack.create_user("official", region_code=region, level=level, unit_head=head))

    return {"township": official(places.township, "township"),
            "township_head": official(places.township, "township", True),
            "county": official(places.county, "county"), "county_head": official(places.county, "county", True),
            "city": official(places.city, "city"), "city_head": official(places.city, "city", True),
            "other_township": official(places.neighbour_township, "township")}


def enterprise_with_liaisons(stack, people):
    borrower = make_borrower(stack, people["township"], enterprise=True)
    assert people["county"].put(f"/api/v1/enterprises/{borrower.enterprise_id}/liaisons",
                                json=LIAISONS).status_code == 200
    finance_knows(stack, "known_enterprises", borrower.enterprise_id, "liaisons::text <> '[]'", "escalation")
    return borrower


def report(borrower, category="labour", **extra):
    response = borrower.client.post("/api/v1/difficulties", json={
        "enterprise_id": borrower.enterprise_id, "category": category, "urgency": "normal",
        "description": "春节后招工困难，缺少熟练分拣工人二十名，影响订单交付", **extra})
    assert response.status_code == 201, response.text
    return response.json()


def act(client, record, action, **body):
    return client.post(f"/api/v1/difficulties/{record['id']}/{action}", json=body)


def test_a_difficulty_goes_to_the_liaison_of_its_kind_at_the_lowest_level(stack, people):
    borrower = enterprise_with_liaisons(stack, people)
    labour = report(borrower)
    assert (labour["level"], labour["status"], labour["liaison"]["name"]) == ("township", "assigned", "周政务")
    today = dt.date.fromisoformat(labour["reported_on"])
    assert labour["contact_due"] == CALENDAR.add(today, 2).isoformat()
    assert labour["resolve_due"] == CALENDAR.add(today, 10).isoformat()
    assert labour["reference"].startswith(f"KN{today.year}-")
    money = report(borrower, "financing")
    assert money["level"] == "township" and money["liaison"] is None  # its finance liaison sits at county
    queue = people["township"].get("/api/v1/difficulties", params={"queue": "true", "per_page": 100}).json()
    assert labour["id"] in {item["id"] for item in queue["items"]}
    dues = [item["resolve_due"] for item in queue["items"]]
    assert dues == sorted(dues)


def test_resolve_reject_reopen_resolve_accept_and_the_head_signs_off(stack, people):
    borrower = enterprise_with_liaisons(stack, people)
    record = report(borrower)
    assert act(people["township"], record, "contact", note="电话联系了负责人").json()["status"] == "contacted"
    assert act(people["township"], record, "resolve", resolution="已联系镇劳务站推荐熟练工").json()["status"] == "resolved"
    reopened = act(borrower.client, record, "reject", reason="推荐的工人不会分拣").json()
    assert (reopened["status"], reopened["level"]) == ("contacted", "township")
    assert act(borrower.client, record, "accept").json()["error"]["code"] == "difficulty_status"
    act(people["township"], record, "resolve", resolution="联系县就业局组织定向培训二十人")
    assert act(people["township_head"], record, "sign-off").json()["error"]["code"] == "difficulty_status"
    assert act(borrower.client, record, "accept", note="满意").json()["status"] == "accepted"
    assert act(people["township"], record, "sign-off").json()["error"]["code"] == "unit_head_required"
    assert act(people["county_head"], record, "sign-off").json()["error"]["code"] == "not_handling_level"
    closed = act(people["township_head"], record, "sign-off").json()
    assert (closed["status"], closed["signed_off_by"]) == ("closed", people["township_head"].username)
    steps = [step["action"] for step in closed["timeline"]]
    assert steps == ["reported", "assigned", "contacted", "resolved", "reopened", "resolved", "accepted", "closed"]


def test_an_official_escalates_earlier_only_with_a_reason(stack, people):
    record = report(enterprise_with_liaisons(stack, people), "permits")
    refused = act(people["township"], record, "escalate", reason="")
    assert refused.status_code == 422
    assert act(people["county"], record, "escalate", reason="县级来办").json()["error"]["code"] == "not_handling_level"
    up = act(people["township"], record, "escalate", reason="涉及县级审批权限").json()
    assert (up["level"], up["status"]) == ("county", "assigned")
    assert up["timeline"][-2]["note"].endswith("涉及县级审批权限")


def escalations(stack, difficulty_id) -> int:
    engine = sa.create_engine(stack.databases["escalation"].replace("postgresql://", "postgresql+psycopg2://"),
                              poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        count = connection.scalar(sa.text(
            "SELECT count(*) FROM outbox WHERE event_type = 'difficulty_escalated'"
            " AND envelope->'payload'->>'difficulty_id' = :id"), {"id": difficulty_id})
    engine.dispose()
    return count


def test_unresolved_it_climbs_township_county_city_once_per_step_with_two_sweeps_at_once(stack, people):
    borrower = enterprise_with_liaisons(stack, people)
    start = dt.date(2026, 9, 25)  # the National Day week falls inside the township's ten days
    with stack.today(start):
        record = report(borrower, "land")
    township_due = CALENDAR.add(start, 10)
    # 28-30 Sep, 8-9 Oct, Sat 10 Oct (made up), 12-15 Oct: ten working days around 1-7 October
    assert record["resolve_due"] == township_due.isoformat() == "2026-10-15"

    def both_sweep():
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(lambda _: people["city"].post("/api/v1/difficulties/sweep").json(), range(2)))

    with stack.today(township_due):
        both_sweep()
        assert people["city"].get(f"/api/v1/difficulties/{record['id']}").json()["level"] == "township"
    with stack.today(township_due + dt.timedelta(days=1)):
        both_sweep()
        at_county = people["city"].get(f"/api/v1/difficulties/{record['id']}").json()
    assert (at_county["level"], at_county["late_contact"]) == ("county", False)
    county_due = dt.date.fromisoformat(at_county["resolve_due"])
    assert county_due == CALENDAR.add(township_due + dt.timedelta(days=1), 20)
    with stack.today(county_due + dt.timedelta(days=1)):
        both_sweep()
        both_sweep()
        at_city = people["city"].get(f"/api/v1/difficulties/{record['id']}").json()
    assert at_city["level"] == "city"
    assert escalations(stack, record["id"]) == 2
    assert [s["action"] for s in at_city["timeline"]].count("escalated") == 2
    assert at_city["timeline"][2]["actor"] == "系统（时限检查）"


def test_a_late_first_contact_is_flagged_once(stack, people):
    with stack.today(dt.date(2026, 11, 2)):
        record = report(enterprise_with_liaisons(stack, people), "market")
    with stack.today(dt.date(2026, 11, 5)):
        people["city"].post("/api/v1/difficulties/sweep")
        people["city"].post("/api/v1/difficulties/sweep")
        flagged = people["township"].get(f"/api/v1/difficulties/{record['id']}").json()
    assert flagged["late_contact"] is True
    assert [s["action"] for s in flagged["timeline"]].count("late_contact") == 1


def test_a_consultation_decision_attaches_to_its_difficulty_once(stack, people, quarters):
    record = report(enterprise_with_liaisons(stack, people), "financing")
    decision = events.make_event(ResolutionAssigned(
        resolution_id=str(uuid.uuid4()), quarter=quarters.current.code, difficulty_id=record["id"],
        enterprise_id=record["enterprise_id"], lead_department="市财政局", co_departments=["人民银行内江市分行"],
        measure="协调担保贷款展期", deadline=dt.date(2027, 1, 31))).model_dump(mode="json")
    dispatch = event_dispatcher({"AMQP_URI": stack.amqp_uri, "serializer": "json"})
    dispatch("consultation", "resolution_assigned", decision)
    dispatch("consultation", "resolution_assigned", decision)

    def attached():
        found = people["township"].get(f"/api/v1/difficulties/{record['id']}").json()
        return found if found["decisions"] else None

    found = eventually(attached)
    assert [d["lead_department"] for d in found["decisions"]] == ["市财政局"]
    assert found["timeline"][-1]["action"] == "decision" and "协调担保贷款展期" in found["timeline"][-1]["note"]


def test_the_public_view_by_reference_tells_status_but_nothing_personal(stack, people, places):
    borrower = enterprise_with_liaisons(stack, people)
    record = report(borrower, "legal")
    view = stack.client().get(f"/api/v1/difficulties/public/{record['reference']}")
    assert view.status_code == 200
    public = view.json()
    assert public["service_request_id"] == record["reference"] and public["status"] == "open"
    assert public["service_name"] == "法律" and regions.name_of(places.township) in public["agency_responsible"]
    text = view.text
    for private in (record["enterprise_name"], "招工困难", record["enterprise_id"], record["id"]):
        assert private not in text
    assert stack.client().get("/api/v1/difficulties/public/KN2026-999999").status_code == 404
    assert public["status_notes"] == "乡镇级办理中，待联系企业"


def test_a_reference_is_found_however_it_is_typed_and_an_escalated_case_says_where_it_is(stack, people):
    record = report(enterprise_with_liaisons(stack, people), "permits")
    year, number = record["reference"][2:6], record["reference"].split("-")[1]
    typed = (record["reference"].lower(), f"KN{year}{number}", f"kn{year}{int(number)}",
             f" KN {year} - {number} ", "".join(chr(ord(c) + 0xFEE0) for c in record["reference"]))  # full width
    for text in typed:
        found = stack.client().get(f"/api/v1/difficulties/public/{text}")
        assert found.status_code == 200 and found.json()["service_request_id"] == record["reference"], text
    assert act(people["township"], record, "escalate", reason="涉及县级审批权限").status_code == 200
    public = stack.client().get(f"/api/v1/difficulties/public/{record['reference']}").json()
    assert public["status_notes"] == "已上报至县（区）级办理中，待联系企业"


def test_a_year_without_a_published_schedule_is_warned_about_and_an_administrator_fixes_it(stack, people):
    with stack.today(dt.date(2026, 12, 24)):
        record = report(enterprise_with_liaisons(stack, people), "other")
    assert any("2027年" in warning for warning in record["warnings"])
    admin = stack.client(stack.create_user("admin"))
    published = admin.put("/api/v1/calendar/2027", json={
        "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"], "workdays": []})
    assert published.status_code == 200, published.text
    assert people["township"].get(f"/api/v1/difficulties/{record['id']}").json()["warnings"] == []


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def test_attachments_are_checked_by_their_content_and_size_and_come_back_as_downloads(stack, people):
    borrower = enterprise_with_liaisons(stack, people)
    record = report(borrower)
    path = f"/api/v1/difficulties/{record['id']}/attachments"
    disguised = borrower.client.post(path, files={"file": ("合同.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert (disguised.status_code, disguised.json()["error"]["code"]) == (422, "file_type")
    big = borrower.client.post(path, files={"file": ("scan.png", PNG + b"\x00" * (2 * 1024 * 1024), "image/png")})
    assert (big.status_code, big.json()["error"]["code"]) == (422, "file_too_large")
    huge = borrower.client.post(path, files={"file": ("scan.png", PNG + b"\x00" * (17 * 1024 * 1024), "image/png")})
    assert huge.status_code == 413 and "16MB" in huge.json()["error"]["message"]
    taken = borrower.client.post(path, files={"file": ("IMG_0001.JPG", photo(2000, 1500), "image/jpeg")})
    assert taken.status_code == 201, taken.text  # a phone's photo over 2 MB, scaled down
    shrunk = taken.json()["attachments"][0]
    assert shrunk["filename"] == "IMG_0001.jpg" and shrunk["size"] <= 2 * 1024 * 1024
    missing = borrower.client.post(path, files={})
    assert missing.json()["error"]["code"] == "file_missing"
    added = borrower.client.post(path, files={"file": ("../../现场照片.exe.png", PNG, "image/png")})
    assert added.status_code == 201, added.text
    attachment = added.json()["attachments"][-1]
    assert (attachment["filename"], attachment["content_type"]) == ("现场照片.exe.png", "image/png")
    download = people["township"].get(f"{path}/{attachment['id']}")
    assert download.content == PNG and download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert people["other_township"].get(f"{path}/{attachment['id']}").status_code == 404
