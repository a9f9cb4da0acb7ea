"""The region picker in Chromium: each choice fills the next level, and the page still works without JavaScript."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.test_loan_journey import log_in

pytestmark = pytest.mark.browser


def test_a_county_official_chooses_a_township_then_its_village_and_a_new_township_starts_over(stack, desk):
    county = stack.create_user("official", region_code="511011", level="county")
    log_in(desk, stack.base_url, county, "/records/entrepreneurs/new")
    home = desk.get_by_role("group", name="现居住/创业所在地")
    expect(home.get_by_label("县（市、区）")).to_have_count(0)  # their county is not asked for
    village = home.get_by_label("村（社区）")
    expect(village).to_be_disabled()
    home.get_by_label("乡镇（街道）").select_option(label="郭北镇")
    village.select_option(label="景坡楼村")
    expect(village).to_have_value("511011101201")
    home.get_by_label("乡镇（街道）").select_option(label="双才镇")
    expect(village).to_have_value("")  # the village of the other township is gone ...
    village.select_option(label="二八村")  # ... and the new township's villages are there
    expect(village.locator("option", has_text="景坡楼村")).to_have_count(0)


def test_without_javascript_the_next_level_comes_with_the_page(stack, chromium):
    context = chromium.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, stack.base_url, stack.create_user("entrepreneur"), "/register")
        page.get_by_label("姓名").fill("无脚本")
        home = page.get_by_role("group", name="现居住/创业所在地")
        expect(home.get_by_label("乡镇（街道）")).to_be_disabled()
        home.get_by_label("县（市、区）").select_option(label="东兴区")
        home.get_by_role("button", name="显示下一级").click()
        home = page.get_by_role("group", name="现居住/创业所在地")
        home.get_by_label("乡镇（街道）").select_option(label="郭北镇")
        home.get_by_role("button", name="显示下一级").click()
        home = page.get_by_role("group", name="现居住/创业所在地")
        home.get_by_label("村（社区）").select_option(label="景坡楼村")
        expect(home.get_by_label("县（市、区）")).to_have_value("511011000000")
        expect(page.get_by_label("姓名")).to_have_value("无脚本")  # what was typed stays
        expect(page.get_by_role("alert")).to_have_count(0)  # choosing is not a refusal
    finally:
        context.close()
