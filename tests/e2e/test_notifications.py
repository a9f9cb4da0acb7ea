"""Every user is told what needs them (issue 15): messages in the app from the services' events, with
read marks, and text messages through the SMS gateway (the test's own SMTP mailbox), each sent once."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from services.escalation.domain.workdays import WorkCalendar
from shared import regions
from tests.borrowers import finance_knows, key, loan_request, make_borrower
from tests.e2e.test_finance_pages import browser_for
from tests.factories import entrepreneur_data, mobile
from tests.support.waiting import eventually

CALENDAR = WorkCalendar()


def code(response):
    return response.status_code, response.json()["error"]["code"] if response.status_code >= 400 else None


@pytest.fixture(scope="module")
def desk(stack, places):
    def official(region, level, head=False):
        return stack.client(stack.create_user("official", region_code=region, level=level, unit_head=head))

    return {"township": official(places.township, "township"),
            "township_head": official(places.township, "township", True),
            "other_township": official(places.neighbour_township, "township"),
            "county": official(places.county, "county"),
            "city": official(places.city, "city"),
            "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
            "other_bank": stack.client(stack.create_user("bank_liaison", bank_code="PSBC")),
            "admin": stack.client(stack.create_user("admin"))}


def messages(client, **params) -> list[dict]:
    answer = client.get("/api/v1/notifications", params={"per_page": 100, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def told(client, link: str, title: str) -> dict:
    """The message about `link` whose title holds `title`, once it has arrived."""
    def found():
        return next((m for m in messages(client) if m["link"] == link and title in m["title"]), None)

    eventually(lambda: found() is not None, timeout=30, message=f"no message {title} about {link}")
    return found()


def test_a_person_is_told_of_their_record_verified_in_the_app_and_once_by_sms(stack, desk, places):
    me = stack.client(stack.create_user("entrepreneur"))
    data = entrepreneur_data(region_code=places.village)
    person = me.post("/api/v1/entrepreneurs", json=data).json()
    link = f"/records/entrepreneurs/{person['id']}"

    # the township that holds the village is told of the new registration; a neighbour township is not
    waiting = told(desk["township"], link, "待核实")
    assert waiting["kind"] == "new_work" and waiting["read"] is False
    assert all(m["link"] != link for m in messages(desk["other_township"]))
    assert all(m["link"] != link for m in messages(desk["bank"]))

    assert desk["township"].post(f"/api/v1/entrepreneurs/{person['id']}/verify").status_code == 200
    verified = told(me, "/me", "已核实")
    assert verified["kind"] == "decision" and verified["read"] is False
    eventually(lambda: any("已核实" in text for text in stack.sms.texts_to(data["phone"])), timeout=90,
               message="no text message of the verification")

    listed = me.get("/api/v1/notifications").json()
    assert listed["unread"] == 1 and listed["total"] == 1
    assert me.get("/api/v1/notifications", params={"unread": "true"}).json()["total"] == 1
    read = me.post("/api/v1/notifications/read", json={"ids": [verified["id"]]})
    assert read.status_code == 200 and read.json() == {"unread": 0}
    assert me.get("/api/v1/notifications", params={"unread": "true"}).json()["items"] == []
    assert messages(me)[0]["read"] is True
    # another's message is not theirs to mark, and says so as one that does not exist
    assert code(desk["other_township"].post("/api/v1/notifications/read", json={"ids": [waiting["id"]]})) == (
        422, "notification_not_found")
    # one event, one message and one text, however long one waits
    assert [text for text in stack.sms.texts_to(data["phone"]) if "已核实" in text] and len(
        [text for text in stack.sms.texts_to(data["phone"]) if "已核实" in text]) == 1


def test_a_record_returned_tells_its_owner_why_and_the_resubmission_tells_the_township(stack, desk, places):
    me = stack.client(stack.create_user("entrepreneur"))
    data = entrepreneur_data(region_code=places.village)
    person = me.post("/api/v1/entrepreneurs", json=data).json()
    returned = desk["township"].post(f"/api/v1/entrepreneurs/{person['id']}/return",
                                     json={"reason": "请写明外出务工地点"})
    assert returned.status_code == 200, returned.text
    message = told(me, "/me", "退回修改")
    assert "请写明外出务工地点" in message["body"]
    eventually(lambda: any("退回" in text for text in stack.sms.texts_to(data["phone"])), timeout=90,
               message="no text message of the return")
    fixed = me.patch(f"/api/v1/entrepreneurs/{person['id']}", json={"previous_work_place": "广东省东莞市"})
    assert fixed.status_code == 200, fixed.text
    told(desk["township"], f"/records/entrepreneurs/{person['id']}", "已修改")


def test_a_bank_is_told_of_applications_waiting_for_it_and_the_borrower_of_its_decision(stack, desk, places):
    borrower = make_borrower(stack, desk["township"])
    applied = borrower.client.post("/api/v1/loans", json=loan_request(), headers=key())
    assert applied.status_code == 201, applied.text
    link = f"/loans/{applied.json()['id']}"
    told(desk["bank"], link, "待审核")
    assert all(m["link"] != link for m in messages(desk["other_bank"]))
    assert all(m["link"] != link for m in messages(desk["township"]))
    refused = desk["bank"].post(f"{'/api/v1'}{link}/reject", json={"reason": "经营计划不完整，请补充后再申请"})
    assert refused.status_code == 200, refused.text
    decided = told(borrower.client, link, "未获批准")
    assert "经营计划不完整" in decided["body"]


def test_a_unit_is_told_of_new_difficulties_and_reminded_of_their_time_limits_by_sms(stack, desk, places):
    work_phone = mobile()
    settings = desk["township"].put("/api/v1/notifications/settings", json={"sms": True, "phone": work_phone})
    assert settings.status_code == 200 and settings.json()["by_sms"] is True
    assert code(desk["township"].put("/api/v1/notifications/settings", json={"sms": True})) == (
        422, "phone_required")
    assert desk["township"].get("/api/v1/notifications/settings").json()["phone"] == work_phone

    borrower = make_borrower(stack, desk["township"], enterprise=True)
    reported = borrower.client.post("/api/v1/difficulties", json={
        "enterprise_id": borrower.enterprise_id, "category": "labour", "urgency": "normal",
        "description": "春节后招工困难，缺少熟练分拣工人二十名，影响订单交付"})
    assert reported.status_code == 201, reported.text
    difficulty = reported.json()
    link = f"/difficulties/{difficulty['id']}"
    new = told(desk["township"], link, "新的困难问题")
    assert new["due_on"] == difficulty["contact_due"]
    assert all(m["link"] != link for m in messages(desk["other_township"]))
    eventually(lambda: any(difficulty["reference"] in t for t in stack.sms.texts_to(work_phone)), timeout=90,
               message="no text to the township's work mobile")

    contact_due = dt.date.fromisoformat(difficulty["contact_due"])
    # only the programme city's own city level (or an administrator) runs the reminders at once
    assert code(desk["township"].post("/api/v1/notifications/reminders")) == (403, "city_level_required")
    with stack.today(contact_due):
        assert desk["city"].post("/api/v1/notifications/reminders").status_code == 200
        told(desk["township"], link, "今天到首次联系时限")
    with stack.today(CALENDAR.add(contact_due, 1)):
        assert desk["admin"].post("/api/v1/notifications/reminders").status_code == 200
        assert desk["admin"].post("/api/v1/notifications/reminders").status_code == 200  # once, all the same
        passed = told(desk["township"], link, "已超过首次联系时限")
        assert passed["kind"] == "deadline_passed"
    assert len([m for m in messages(desk["township"]) if m["link"] == link and "已超过" in m["title"]]) == 1
    eventually(lambda: any("已超过首次联系时限" in t for t in stack.sms.texts_to(work_phone)), timeout=90,
               message="no warning text")

    # the enterprise is told when its difficulty is answered; the head of the unit when it is accepted
    contacted = desk["township"].post(f"/api/v1{link}/contact", json={"note": "已电话联系企业负责人"})
    assert contacted.status_code == 200, contacted.text
    told(borrower.client, link, "已有工作人员联系")


def test_staff_may_turn_texts_off_and_an_entrepreneur_texts_only_to_the_phone_on_record(stack, desk):
    me = stack.client(stack.create_user("entrepreneur"))
    assert code(me.put("/api/v1/notifications/settings", json={"sms": True, "phone": mobile()})) == (
        422, "phone_on_record")
    assert me.put("/api/v1/notifications/settings", json={"sms": False}).json()["by_sms"] is False
    assert desk["county"].put("/api/v1/notifications/settings", json={"sms": False}).status_code == 200
    assert code(desk["admin"].put("/api/v1/notifications/settings", json={"sms": False})) == (
        403, "role_not_allowed")
    assert code(me.put("/api/v1/notifications/settings", json={"sms": "yes"}))[0] == 422


def test_a_claimed_record_brings_its_messages_to_the_person(stack, desk, places):
    township = desk["township"]
    data = entrepreneur_data(region_code=places.village)
    person = township.post("/api/v1/entrepreneurs", json=data).json()
    assert township.post(f"/api/v1/entrepreneurs/{person['id']}/verify").status_code == 200
    eventually(lambda: any("已核实" in text for text in stack.sms.texts_to(data["phone"])), timeout=90,
               message="the person registered at the counter is told by SMS")
    me = stack.client(stack.create_user("entrepreneur"))
    assert messages(me) == []
    def waiting_at_the_counter() -> int:  # counted in the service's own table: the township's list is long
        engine = sa.create_engine(stack.databases["notifications"].replace("postgresql://", "postgresql+psycopg2://"),
                                  poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                return connection.scalar(sa.text(
                    "SELECT count(*) FROM notifications WHERE link = '/records/claims' AND unit_region = :r"),
                    {"r": regions.normalize(places.township)})
        finally:
            engine.dispose()

    before = waiting_at_the_counter()
    asked = me.post("/api/v1/entrepreneurs/claim", json={"id_number": data["id_number"], "in_person": True})
    assert asked.status_code == 202, asked.text
    # the township that confirms in person is told, once however often the person asks
    assert me.post("/api/v1/entrepreneurs/claim", json={"id_number": data["id_number"], "in_person": True}
                   ).status_code == 202
    eventually(lambda: waiting_at_the_counter() == before + 1, timeout=30, message="the township is told")
    claim_id = asked.json()["id"]
    assert township.post(f"/api/v1/entrepreneur-claims/{claim_id}/approve", json={}).status_code == 200
    finance_knows(stack, "known_entrepreneurs", person["id"], "account_id IS NOT NULL", "notifications")
    told(me, "/me", "已核实")


def test_the_messages_page_lists_opens_and_marks_read_and_keeps_the_sms_settings(stack, desk, places):
    username = stack.create_user("entrepreneur")
    me = stack.client(username)
    person = me.post("/api/v1/entrepreneurs", json=entrepreneur_data(region_code=places.village)).json()
    assert desk["township"].post(f"/api/v1/entrepreneurs/{person['id']}/verify").status_code == 200
    told(me, "/me", "已核实")

    page = browser_for(stack, username)
    home = page.get("/")
    assert "您有 1 条未读消息" in home.text and 'href="/notifications"' in home.text
    listed = page.get("/notifications")
    assert listed.status_code == 200 and "您的创业者登记已核实" in listed.text and "未读" in listed.text
    opened = page.submit("/notifications", {"id": messages(me)[0]["id"], "open": "/me"}, action="/notifications/read")
    assert opened.status_code == 303 and opened.headers["Location"] == "/me"
    assert me.get("/api/v1/notifications").json()["unread"] == 0
    assert "您有" not in page.get("/").text
    # a page address from elsewhere is not followed
    away = page.submit("/notifications", {"all": "1", "open": "//example.com/"}, action="/notifications/read")
    assert away.headers["Location"] == "/notifications"

    staff = browser_for(stack, stack.create_user("official", region_code=places.township, level="township"))
    refused = staff.submit("/notifications", {"sms": "1", "phone": "12345"}, action="/notifications/settings")
    assert refused.status_code == 422 and "工作手机号" in refused.text and 'value="12345"' in refused.text
    saved = staff.submit("/notifications", {"sms": "1", "phone": "13912345678"}, action="/notifications/settings")
    assert saved.status_code == 303
    assert 'value="13912345678"' in staff.get("/notifications").text


NOTIFICATIONS_ACCESS_CASES = {
    ("GET", "/api/v1/notifications"): "test_a_person_is_told_of_their_record_verified_in_the_app_and_once_by_sms",
    ("POST", "/api/v1/notifications/read"): "test_a_person_is_told_of_their_record_verified_in_the_app_and_once_by_sms",
    ("GET", "/api/v1/notifications/settings"):
        "test_a_unit_is_told_of_new_difficulties_and_reminded_of_their_time_limits_by_sms",
    ("PUT", "/api/v1/notifications/settings"):
        "test_staff_may_turn_texts_off_and_an_entrepreneur_texts_only_to_the_phone_on_record",
    ("POST", "/api/v1/notifications/reminders"):
        "test_a_unit_is_told_of_new_difficulties_and_reminded_of_their_time_limits_by_sms",
}
