"""A county official reads the county's bulletin for a period on a phone: this year to date first,
then last year's whole, chosen from the page's own links; the area table scrolls inside its frame."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from services.consultation.domain import periods
from tests.browser.test_loan_journey import log_in
from tests.quarters import programme_day

pytestmark = pytest.mark.browser

COUNTY = "511083"  # 隆昌市


def test_a_county_reads_its_bulletin_for_a_period_on_a_phone(stack, phone, screenshots):
    county_user = stack.create_user("official", region_code=COUNTY, level="county")
    today = programme_day(stack)
    year = today.year
    log_in(phone, stack.base_url, county_user, "/bulletins")
    so_far = periods.period_name(dt.date(year, 1, 1), today, today)  # 今年以来, as the page names it
    expect(phone.locator(".bulletin h1")).to_have_text(f"隆昌市{so_far}返乡创业工作情况通报")
    expect(phone.locator(".bulletin table").first).to_contain_text("返乡创业人员（已核实，人）")
    expect(phone.locator(".bulletin table").nth(1)).to_contain_text("合计")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=screenshots / "bulletin-period-phone.png", full_page=True)
    phone.get_by_role("link", name=f"{year - 1}年全年").click()
    expect(phone.locator(".bulletin h1")).to_have_text(f"隆昌市{year - 1}年全年返乡创业工作情况通报")
    expect(phone.get_by_label("起始月份")).to_have_value(f"{year - 1}-01")
    # a period across two years is refused beside the field, the choice kept
    phone.get_by_label("起始月份").fill(f"{year - 1}-12")
    phone.get_by_label("截止月份").fill(f"{year}-01")
    phone.get_by_role("button", name="生成通报").click()
    expect(phone.locator("#f-to-error")).to_have_text("通报按年度编制：起止月份须在同一年")
    expect(phone.get_by_label("起始月份")).to_have_value(f"{year - 1}-12")
