"""The administrator opens staff accounts on a page; nobody else may."""

import uuid

from shared import regions
from tests.e2e.test_finance_pages import browser_for


def test_an_administrator_opens_an_official_account_and_the_new_official_signs_in(stack, places):
    admin = browser_for(stack, stack.create_user("admin"))
    page = admin.get("/admin/users")
    assert page.status_code == 200 and "开设工作人员或银行联络员账号" in page.text
    username, display_name = f"head_{uuid.uuid4().hex[:6]}", f"{regions.name_of(places.township)} 周镇长"
    mismatch = admin.submit("/admin/users", {"role": "official", "username": username, "display_name": display_name,
                                             "password": "long-enough-1", "level": "county",
                                             "region_code": places.township})
    assert mismatch.status_code == 422 and "层级与行政区划代码的级别不一致" in mismatch.text
    made = admin.submit("/admin/users", {"role": "official", "username": username, "display_name": display_name,
                                         "password": "long-enough-1", "level": "township",
                                         "region_code": places.township, "unit_head": "yes"})
    assert made.status_code == 303, made.text
    assert username in admin.get("/admin/users").text
    official = stack.client()
    official.login(username, "long-enough-1")
    me = official.get("/api/v1/me").json()
    assert (me["level"], me["unit_head"]) == ("township", True)
    taken = admin.submit("/admin/users", {"role": "official", "username": username, "display_name": "重复",
                                          "password": "long-enough-1", "level": "township",
                                          "region_code": places.township})
    assert taken.status_code == 409 and "该用户名已被使用" in taken.text


def test_only_the_administrator_manages_accounts_on_pages(stack, places):
    for role, extra in (("entrepreneur", {}), ("official", {"region_code": places.city, "level": "city"}),
                        ("bank_liaison", {"bank_code": "NJRCB"})):
        assert browser_for(stack, stack.create_user(role, **extra)).get("/admin/users").status_code == 403


ORIGIN = "guiyan.test.parking-origin"  # stands for a consumer's queue


def _park(stack, body, **publish) -> None:
    from kombu import Connection, Queue

    from shared.messaging import park

    with Connection(stack.amqp_uri) as connection:
        Queue(ORIGIN, durable=True)(connection.channel()).declare()
    park(stack.amqp_uri, body, {"x-guiyan-origin-queue": ORIGIN}, "ValueError: made up for the page", **publish)


def _arrived(stack) -> list[dict]:
    from kombu import Connection, Queue

    with Connection(stack.amqp_uri) as connection:
        queue = Queue(ORIGIN, durable=True)(connection.channel())
        found = []
        while (message := queue.get(no_ack=True)) is not None:
            found.append(message.decode())
    return found


def test_the_administrator_sees_parked_messages_replays_one_and_discards_what_cannot_be_read(stack):
    event_id = str(uuid.uuid4())
    _park(stack, {"event_id": event_id, "event_type": "entrepreneur_registered", "payload": {}})
    _park(stack, b"\xff not json", content_type="application/json", content_encoding="binary")
    admin = browser_for(stack, stack.create_user("admin"))
    page = admin.get("/admin/parking")
    assert page.status_code == 200 and "待人工处理的消息" in page.text
    assert event_id in page.text and "无法解读的消息" in page.text and "made up for the page" in page.text

    replayed = admin.submit("/admin/parking", {"parking_id": event_id}, action="/admin/parking/replay")
    assert replayed.status_code == 303 and "parking_replay" in replayed.headers["Location"]
    assert event_id not in admin.get("/admin/parking").text
    assert [item["event_id"] for item in _arrived(stack)] == [event_id]  # back in its consumer's queue
    unreadable = [item for item in parking_items(stack) if item["event_type"] is None]
    for item in unreadable:
        discarded = admin.submit("/admin/parking", {"parking_id": item["parking_id"]}, action="/admin/parking/discard")
        assert discarded.status_code == 303
    assert "无法解读的消息（" not in admin.get("/admin/parking").text
    gone = admin.submit("/admin/parking", {"parking_id": unreadable[0]["parking_id"]}, action="/admin/parking/discard")
    assert gone.status_code == 404 and "已不在待处理列表中" in gone.text


def parking_items(stack):
    from shared import parking

    return parking.list_parked(stack.amqp_uri)


def test_only_the_administrator_sees_or_moves_parked_messages(stack, places):
    for role, extra in (("entrepreneur", {}), ("official", {"region_code": places.city, "level": "city"}),
                        ("bank_liaison", {"bank_code": "NJRCB"})):
        browser = browser_for(stack, stack.create_user(role, **extra))
        assert browser.get("/admin/parking").status_code == 403
        assert browser.submit("/", {}, action="/admin/parking/replay").status_code == 403
        assert browser.submit("/", {"parking_id": "x"}, action="/admin/parking/discard").status_code == 403
