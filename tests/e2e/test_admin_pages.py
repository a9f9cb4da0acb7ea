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


# ---- 政策数据: new policy versions, four eyes --------------------------------------------------


def test_an_administrator_proposes_a_new_lpr_on_the_page_and_another_approves_it(stack):
    from tests.e2e.test_policies_api import policy_day

    first, second = (browser_for(stack, stack.create_user("admin")) for _ in range(2))
    page = first.get("/admin/policies")
    assert page.status_code == 200 and "各类政策的版本" in page.text
    assert "川办规〔2025〕6号" in page.text and "一年期LPR 3%" in page.text and "现行" in page.text
    past = first.submit("/admin/policies", {"effective_from": "2020-01-01", "rate_percent": "2.9",
                                            "reason": "测试"}, action="/admin/policies/propose/lpr")
    assert past.status_code == 422 and "生效日期不能早于今天" in past.text and 'value="2.9"' in past.text
    assert 'id="f-l-effective_from-error"' in past.text  # beside the field
    typo = first.submit("/admin/policies", {"effective_from": policy_day().isoformat(), "rate_percent": "两点九",
                                            "reason": "测试"}, action="/admin/policies/propose/lpr")
    assert typo.status_code == 422 and 'id="f-l-rate_percent-error"' in typo.text

    day = policy_day()
    made = first.submit("/admin/policies", {"effective_from": day.isoformat(), "rate_percent": "2.95",
                                            "reason": "全国银行间同业拆借中心公布的一年期LPR"},
                        action="/admin/policies/propose/lpr")
    assert made.status_code == 303, made.text
    pending = first.get("/admin/policies")
    assert "须由另一位管理员批准" in pending.text and "一年期LPR 2.95%" in pending.text
    proposal_id = next(p["id"] for p in stack.client(stack.create_user("admin")).get(
        "/api/v1/policies/proposals", params={"status": "proposed"}).json()["items"]
        if p["effective_from"] == day.isoformat())
    assert f"/admin/policies/proposals/{proposal_id}/approve" not in pending.text
    own = first.submit("/admin/policies", {}, action=f"/admin/policies/proposals/{proposal_id}/approve")
    assert own.status_code == 403 and "须由另一位管理员审批" in own.text

    approved = second.submit("/admin/policies", {}, action=f"/admin/policies/proposals/{proposal_id}/approve")
    assert approved.status_code == 303, approved.text
    after = second.get("/admin/policies?notice=policy_approved")
    assert "已批准，新版本自生效日期起适用" in after.text and "待生效" in after.text
    assert day.isoformat() in after.text


def test_a_citys_travel_amounts_are_typed_per_county_and_a_retired_code_is_never_offered(stack):
    from tests.e2e.test_policies_api import policy_day

    admin = browser_for(stack, stack.create_user("admin"))
    page = admin.get("/admin/policies?city=511000")
    assert "隆昌市" in page.text and 'name="county.511028.amount_yuan"' not in page.text
    refused = admin.submit("/admin/policies?city=511000", {
        "city_code": "511000", "code": "内江市交通补助测试", "effective_from": policy_day().isoformat(),
        "categories": "lifted_out_of_poverty", "trips_per_year": "1", "reason": "调整标准",
        "county.511011.amount_yuan": "350", "county.511011.source": ""}, action="/admin/policies/propose/travel")
    assert refused.status_code == 422 and 'id="f-t-county-511011-source-error"' in refused.text


def test_a_loan_policy_version_is_typed_in_yuan_and_percent_from_the_version_in_force(stack):
    from tests.e2e.test_policies_api import policy_day

    admin = browser_for(stack, stack.create_user("admin"))
    page = admin.get("/admin/policies")
    assert 'name="individual_cap_yuan" type="text" value="500000"' in page.text  # 川办规〔2025〕6号's cap
    form = {"code": f"川办规测试{policy_day().isoformat()}", "effective_from": policy_day().isoformat(),
            "individual_cap_yuan": "600000", "enterprise_cap_yuan": "6000000", "individual_term_months": "36",
            "enterprise_term_months": "24", "lifetime_loans": "3", "hiring_share_percent": "10",
            "hiring_share_large_percent": "5", "large_enterprise_staff": "100", "subsidy_method": "share_of_rate",
            "subsidy_share_percent": "0", "enterprise_kinds": ["small_micro", "cooperative"], "reason": "提高个人额度"}
    refused = admin.submit("/admin/policies", form, action="/admin/policies/propose/loan")
    assert refused.status_code == 422 and 'id="f-n-subsidy_share_percent-error"' in refused.text
    assert 'value="600000"' in refused.text  # what was typed is kept
    made = admin.submit("/admin/policies", {**form, "subsidy_share_percent": "50"}, action="/admin/policies/propose/loan")
    assert made.status_code == 303, made.text
    assert "个人600,000元/36个月" in admin.get("/admin/policies").text


def test_only_the_administrator_opens_policy_data(stack, places):
    for role, extra in (("entrepreneur", {}), ("official", {"region_code": places.city, "level": "city"}),
                        ("bank_liaison", {"bank_code": "NJRCB"})):
        browser = browser_for(stack, stack.create_user(role, **extra))
        assert browser.get("/admin/policies").status_code == 403
        assert browser.submit("/", {"rate_percent": "2"}, action="/admin/policies/propose/lpr").status_code == 403
