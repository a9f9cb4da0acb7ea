"""Corrections on pages (issue 15): 退回修改 on the official's record page, the owner's 修改并重新提交
from 我的档案, an official's 更正 with its reason, and the 变更记录 in Chinese."""

from __future__ import annotations

from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import registration_form
from tests.factories import credit_code, enterprise_data, entrepreneur_data

PERSON_FIELDS = ("name", "id_number", "phone", "household_region_code", "region_code", "return_date",
                 "previous_work_place", "previous_occupation", "education", "skills", "certificates", "categories")
FIRM_FIELDS = ("name", "kind", "credit_code", "industry", "region_code", "founded_on", "investment_yuan",
               "headcount", "poverty_hires")


def person_form(record: dict, **changes) -> dict:
    data = {key: record[key] or "" for key in PERSON_FIELDS}
    data["certificates"] = [{k: c[k] for k in ("name", "level", "issued_on")} for c in record["certificates"]]
    return registration_form({**data, **changes})


def test_an_official_returns_a_record_and_its_owner_corrects_it_on_the_pages(stack, places):
    owner = stack.create_user("entrepreneur")
    person = stack.client(owner).post("/api/v1/entrepreneurs", json=entrepreneur_data(
        region_code=places.village, previous_work_place="广东")).json()
    township = stack.create_user("official", region_code=places.township, level="township")
    desk = browser_for(stack, township)
    record_page = f"/records/entrepreneurs/{person['id']}"

    refused = desk.submit(record_page, {"reason": "", "expected_version": person["version"]},
                          f"{record_page}/return")
    assert refused.status_code == 422
    assert 'id="f-return-reason-error"' in refused.text and "退回原因" in refused.text
    returned = desk.submit(record_page, {"reason": "外出务工地点请写明省市县", "expected_version": person["version"]},
                           f"{record_page}/return")
    assert returned.status_code == 303
    text = desk.get(returned.headers["Location"]).text
    assert "退回修改" in text and "外出务工地点请写明省市县" in text and "变更记录" in text

    me = browser_for(stack, owner)
    mine = me.get("/me").text
    assert "外出务工地点请写明省市县" in mine and 'href="/me/edit"' in mine
    form = me.get("/me/edit").text
    assert f'value="{person["name"]}"' in form and "重新提交" in form
    saved = me.submit("/me/edit", person_form(person, previous_work_place="广东省东莞市长安镇",
                                              expected_version=person["version"] + 1))
    assert saved.status_code == 303, saved.text
    assert "已退回" not in me.get("/me").text
    again = stack.client(township).get(f"/api/v1/entrepreneurs/{person['id']}").json()
    assert again["status"] == "registered" and again["previous_work_place"] == "广东省东莞市长安镇"

    # verified, then corrected by the official, who must say why
    assert stack.client(township).post(f"/api/v1/entrepreneurs/{person['id']}/verify").status_code == 200
    edit = f"{record_page}/edit"
    assert "更正原因" in desk.get(edit).text
    verified = stack.client(township).get(f"/api/v1/entrepreneurs/{person['id']}").json()
    no_reason = desk.submit(edit, person_form(verified, previous_occupation="电子厂车间主任"))
    assert no_reason.status_code == 422 and "更正已核实的记录，请填写更正原因" in no_reason.text
    assert 'value="电子厂车间主任"' in no_reason.text  # what was typed is kept
    done = desk.submit(edit, person_form(verified, previous_occupation="电子厂车间主任", reason="本人当面说明"))
    assert done.status_code == 303
    history = desk.get(record_page).text
    history = history[history.index('id="history"'):]
    for words in ("更正", "本人当面说明", "原从事工种", "电子厂车间主任", "修改后重新提交", "外出务工地",
                  "广东省东莞市长安镇"):
        assert words in history, words
    assert "previous_occupation" not in history


def test_an_owner_edits_an_enterprise_before_it_is_verified(stack, places):
    owner = stack.create_user("entrepreneur")
    client = stack.client(owner)
    client.post("/api/v1/entrepreneurs", json=entrepreneur_data(region_code=places.village))
    firm = client.post("/api/v1/enterprises", json=enterprise_data(
        region_code=places.village, credit_code=credit_code(places.village))).json()
    me = browser_for(stack, owner)
    assert f'href="/enterprises/{firm["id"]}/edit"' in me.get("/me").text
    values = {key: firm[key] for key in FIRM_FIELDS}
    wrong = me.submit(f"/enterprises/{firm['id']}/edit", {**values, "poverty_hires": firm["headcount"] + 1})
    assert wrong.status_code == 422 and "脱贫人口用工数不能超过从业人数" in wrong.text
    saved = me.submit(f"/enterprises/{firm['id']}/edit", {**values, "industry": "农产品初加工"})
    assert saved.status_code == 303, saved.text
    assert client.get(f"/api/v1/enterprises/{firm['id']}").json()["industry"] == "农产品初加工"
