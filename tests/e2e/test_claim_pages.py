"""认领登记信息 on pages (issue 15): the person claims by the texted code or asks to be seen at the
counter; the official confirms; a registration refused as a duplicate leads to the claim."""

from __future__ import annotations

from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import registration_form
from tests.factories import entrepreneur_data


def registered_for(stack, places):
    township = stack.create_user("official", region_code=places.township, level="township")
    data = entrepreneur_data(region_code=places.village)
    person = stack.client(township).post("/api/v1/entrepreneurs", json=data)
    assert person.status_code == 201, person.text
    return township, data, person.json()


def test_a_person_claims_their_record_with_the_texted_code(stack, places):
    _, data, person = registered_for(stack, places)
    owner = stack.create_user("entrepreneur")
    page = browser_for(stack, owner)
    assert 'href="/me/claim"' in page.get("/me").text

    # the registration form says the record exists and leads to the claim
    refused = page.submit("/register", registration_form(data))
    assert refused.status_code == 409
    assert 'href="/me/claim"' in refused.text and "已由工作人员代为登记" in refused.text

    sent = page.submit("/me/claim", {"id_number": data["id_number"]}, "/me/claim/code")
    assert sent.status_code == 200, sent.text
    assert f"{data['phone'][:3]}****{data['phone'][-4:]}" in sent.text and 'name="code"' in sent.text
    texted = stack.sms.code_for(data["phone"])
    wrong = page.submit("/me/claim", {"id_number": data["id_number"], "code": "000000" if texted != "000000" else "111111"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.text and 'id="f-code-error"' in wrong.text
    claimed = page.submit("/me/claim", {"id_number": data["id_number"], "code": texted})
    assert claimed.status_code == 303 and claimed.headers["Location"] == "/me?notice=claimed"
    mine = page.get(claimed.headers["Location"]).text
    assert person["name"] in mine and "认领成功" in mine


def test_an_official_confirms_at_the_counter(stack, places):
    township, data, person = registered_for(stack, places)
    owner = stack.create_user("entrepreneur")
    page = browser_for(stack, owner)
    asked = page.submit("/me/claim", {"id_number": data["id_number"], "in_person": "1", "note": "手机号已停用"})
    assert asked.status_code == 303
    waiting = page.get(asked.headers["Location"]).text
    assert "申请已提交" in waiting and "待确认" in waiting

    desk = browser_for(stack, township)
    listed = desk.get("/records/claims").text
    assert person["name"] in listed and "手机号已停用" in listed
    claim_id = stack.client(owner).get("/api/v1/entrepreneur-claims").json()["items"][0]["id"]
    no_reason = desk.submit("/records/claims", {"note": ""}, f"/records/claims/{claim_id}/reject")
    assert no_reason.status_code == 422 and "请写明未通过的原因" in no_reason.text
    approved = desk.submit("/records/claims", {"note": "已核对身份证原件"}, f"/records/claims/{claim_id}/approve")
    assert approved.status_code == 303
    assert "已认领" in desk.get("/records/claims?status=approved").text
    assert person["name"] in page.get("/me").text
