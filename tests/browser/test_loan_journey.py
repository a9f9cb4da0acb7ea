"""A returnee applies for a guaranteed loan on a phone; the bank approves (with a second liaison
confirming above its amount), lends and records a repayment; the returnee sees every step."""

import pytest
from playwright.sync_api import Page, expect

from tests.borrowers import key, make_borrower
from tests.stack import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Page, base_url: str, username: str, next_path: str) -> None:
    page.goto(f"{base_url}/login?next={next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base_url}{next_path}")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()


def status_seen_by(page: Page, loan_url: str, expected: str) -> None:
    page.goto(loan_url)
    expect(page.locator(".record-head .badge")).to_have_text(expected)


def test_a_loan_from_application_to_repayment_in_the_browser(stack, phone, desk, screenshots):
    base = stack.base_url
    township = stack.client(stack.create_user("official", region_code="511011101", level="township"))
    stack.client(stack.create_user("official", region_code="511000", level="city")).post(
        "/api/v1/fund/contributions", headers=key(), json={"account": "fund:guarantee", "amount_yuan": "10000000"})
    maker = stack.create_user("bank_liaison", bank_code="NJRCB")
    checker = stack.create_user("bank_liaison", bank_code="NJRCB")
    borrower = make_borrower(stack, township)

    # the returnee applies on a phone: above NJRCB's 300,000 yuan, so two liaisons must agree
    log_in(phone, base, borrower.username, "/loans/new")
    phone.get_by_label("申请主体").select_option(label="个人（本人名义）")
    phone.get_by_label("合作银行").select_option(label="内江农村商业银行")
    phone.get_by_label("申请金额（元）").fill("400000")
    phone.get_by_label("贷款期限（月）").fill("36")
    phone.get_by_label("贷款用途").fill("扩建柑橘冷库，购置分选设备")
    phone.get_by_label("还款方式").select_option(label="等额本息（每月等额还款）")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator(".record-head .badge")).to_have_text("银行审核中")
    loan_url = phone.url.split("?")[0]
    phone.screenshot(path=screenshots / "loan-applied-phone.png", full_page=True)

    # the first liaison approves from the queue; it waits for a second liaison
    log_in(desk, base, maker, "/loans")
    desk.get_by_role("link", name=borrower_name(phone)).first.click()
    desk.get_by_label("利率加点（基点）").fill("50")
    desk.get_by_role("button", name="批准").click()
    expect(desk.locator(".record-head .badge")).to_have_text("待复核")
    expect(desk.get_by_text("须由本行另一位联络员复核")).to_be_visible()
    expect(desk.get_by_role("button", name="复核通过")).to_have_count(0)
    status_seen_by(phone, loan_url, "待复核")

    # a second liaison of the same bank confirms
    log_out(desk)
    log_in(desk, base, checker, "/loans")
    desk.goto(loan_url)
    desk.get_by_role("button", name="复核通过").click()
    expect(desk.locator(".record-head .badge")).to_have_text("已审批")
    status_seen_by(phone, loan_url, "已审批")
    expect(phone.get_by_text("年利率 3.50%")).to_be_visible()

    # the first liaison lends and records the first instalment
    log_out(desk)
    log_in(desk, base, maker, "/loans")
    desk.goto(loan_url)
    desk.get_by_role("button", name="确认放款").click()
    expect(desk.locator(".record-head .badge")).to_have_text("已放款")
    status_seen_by(phone, loan_url, "已放款")
    expect(phone.get_by_role("heading", name="还款计划")).to_be_visible()
    # on the phone every column of the schedule is on the screen, the paid amount and state included
    width = phone.evaluate("window.innerWidth")
    for label in ("已还（元）", "状态"):
        cell = phone.locator(f'table.stack td[data-label="{label}"]').first
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, (label, box, width)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    desk.get_by_label("还款金额（元）").fill("2000")
    desk.get_by_role("button", name="登记还款").click()
    expect(desk.locator(".record-head .badge")).to_have_text("还款中")
    desk.screenshot(path=screenshots / "loan-repaid-desk.png", full_page=True)

    status_seen_by(phone, loan_url, "还款中")
    expect(phone.get_by_role("heading", name="还款记录")).to_be_visible()
    expect(phone.locator("table").last).to_contain_text("2,000.00")
    expect(phone.locator("ol.timeline")).to_contain_text("复核通过")
    phone.screenshot(path=screenshots / "loan-repaying-phone.png", full_page=True)


def borrower_name(page: Page) -> str:
    return page.locator(".record-head h1").inner_text()
