"""A form refused on a page of several (issue 15, item 1): the page says so at the top, the reader is
taken to the refused field of the form they sent, what they typed is still there, and the page's
other forms lose nothing."""

import pytest
from playwright.sync_api import expect

from tests.borrowers import make_borrower
from tests.browser.test_loan_journey import log_in
from tests.places import PLACES

pytestmark = pytest.mark.browser


def test_a_refused_headcount_report_takes_the_reader_to_its_field_with_what_they_typed(stack, phone):
    township = stack.client(stack.create_user("official", region_code=PLACES.township, level="township"))
    borrower = make_borrower(stack, township, enterprise=True)
    log_in(phone, stack.base_url, borrower.username, "/me")
    phone.get_by_text("季度用工填报").first.click()
    form = phone.locator("form[action$='/headcount']").first
    form.get_by_label("从业人数").fill("5")
    form.get_by_label("其中脱贫人口").fill("0")
    form.get_by_label("本季度新增用工").fill("9")
    form.get_by_role("button", name="提交本季度用工情况").click()

    expect(phone.get_by_role("alert").first).to_contain_text("提交未成功")
    refused = phone.locator("form[action$='/headcount']").first
    expect(refused.get_by_text("新增用工数不能超过从业人数")).to_be_visible()
    expect(refused.get_by_label("本季度新增用工")).to_be_focused()
    expect(refused.get_by_label("本季度新增用工")).to_be_in_viewport()
    expect(refused.get_by_label("从业人数")).to_have_value("5")
    # the address is the page's again, not the address the form posted to
    assert phone.url.split("#")[0].endswith("/me"), phone.url
