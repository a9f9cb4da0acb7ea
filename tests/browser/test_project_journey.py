"""A returnee finds a project in the library on a phone and says they are interested; the county
presents it at a promotion event and signs it with them; the returnee sees it signed."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.borrowers import finance_knows, make_borrower
from tests.browser.test_loan_journey import log_in
from tests.e2e.test_projects_api import project_data

pytestmark = pytest.mark.browser


def test_browse_interest_and_sign_in_the_browser(stack, phone, desk, screenshots):
    base = stack.base_url
    county_user = stack.create_user("official", region_code="511011", level="county")
    county = stack.client(county_user)
    word = f"稻虾共养{uuid.uuid4().hex[:3]}"
    project = county.post("/api/v1/projects", json=project_data(title=f"{word}示范基地", sector="养殖业")).json()
    for step in ("review", "list"):
        county.post(f"/api/v1/projects/{project['id']}/{step}")
    township = stack.client(stack.create_user("official", region_code="511011101", level="township"))
    borrower = make_borrower(stack, township)
    finance_knows(stack, "known_entrepreneurs", borrower.entrepreneur_id, "verified", "projects")

    log_in(phone, base, borrower.username, "/projects")
    phone.get_by_placeholder("搜索项目，如：柑橘、民宿").fill(word)
    phone.get_by_role("button", name="搜索").click()
    expect(phone.locator(".result-count")).to_have_text("共 1 个项目")
    # a filter applies as soon as it is chosen, without pressing 搜索
    phone.get_by_label("行业").select_option("种植业")
    expect(phone).to_have_url(re.compile(r"sector="))
    expect(phone.locator(".result-count")).to_have_text("共 0 个项目")
    phone.get_by_label("行业").select_option("养殖业")
    expect(phone.locator(".result-count")).to_have_text("共 1 个项目")
    phone.locator(".record-list a").first.click()
    phone.get_by_role("button", name="我有意向").click()
    expect(phone.get_by_text("您已表达意向")).to_be_visible()
    project_url = phone.url.split("?")[0]

    log_in(desk, base, county_user, "/library?status=listed")
    desk.get_by_label("推介会名称", exact=True).fill("东兴区返乡创业项目推介会")
    desk.get_by_label("地点", exact=True).fill("东兴区会展中心")
    desk.get_by_label(f"{word}示范基地").check()
    desk.get_by_role("button", name="创建推介会").click()
    expect(desk.get_by_role("heading", name="东兴区返乡创业项目推介会")).to_be_visible()
    desk.get_by_label(f"{word}示范基地：签约创业者").select_option(index=1)
    desk.get_by_role("button", name="登记签约").click()
    expect(desk.locator("#signings")).to_contain_text(f"{word}示范基地")
    desk.screenshot(path=screenshots / "promotion-event-desk.png", full_page=True)

    phone.goto(project_url)
    expect(phone.locator(".record-head .badge")).to_have_text("已签约")
    phone.screenshot(path=screenshots / "project-signed-phone.png", full_page=True)
