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
