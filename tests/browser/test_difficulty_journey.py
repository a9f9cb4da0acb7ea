"""An enterprise reports a difficulty on a phone; the township contacts and answers; the enterprise
rejects the first answer and accepts the second; the head of the township signs it off."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.borrowers import finance_knows, make_borrower
from tests.browser.test_loan_journey import log_in, log_out
from tests.e2e.test_difficulties_api import LIAISONS

pytestmark = pytest.mark.browser


def badge(page: Page):
    return page.locator(".record-head .badge")


def test_a_difficulty_from_report_to_sign_off_in_the_browser(stack, phone, desk, screenshots):
    base = stack.base_url
    township_user = stack.create_user("official", region_code="511011101", level="township")
    head_user = stack.create_user("official", region_code="511011101", level="township", unit_head=True)
    township = stack.client(township_user)
    borrower = make_borrower(stack, township, enterprise=True)
    stack.client(stack.create_user("official", region_code="511011", level="county")).put(
        f"/api/v1/enterprises/{borrower.enterprise_id}/liaisons", json=LIAISONS)
    finance_knows(stack, "known_enterprises", borrower.enterprise_id, "liaisons::text <> '[]'", "escalation")

    # the enterprise reports on a phone
    log_in(phone, base, borrower.username, "/difficulties/new")
    phone.get_by_label("问题类别").select_option(label="用工")
    phone.get_by_label("紧急程度").select_option(label="紧急")
    phone.get_by_label("问题描述").fill("春节后招不到熟练的分拣工人，二十个岗位空缺，订单交付困难")
    phone.get_by_role("button", name="提交").click()
    expect(badge(phone)).to_have_text("已受理")
    expect(phone.locator("dl.facts")).to_contain_text("周政务 · 双才镇便民服务中心")
    difficulty_url = phone.url.split("?")[0]
    phone.locator("#f-file").set_input_files(files=[{"name": "缺工情况.png", "mimeType": "image/png",
                                                     "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 128}])
    phone.get_by_role("button", name="上传", exact=True).click()
    expect(phone.get_by_role("link", name="缺工情况.png")).to_be_visible()
    phone.screenshot(path=screenshots / "difficulty-reported-phone.png", full_page=True)

    # the township contacts the enterprise and answers
    log_in(desk, base, township_user, "/difficulties")
    desk.goto(difficulty_url)
    desk.get_by_label("联系情况").fill("电话联系了负责人，了解用工缺口")
    desk.get_by_role("button", name="已与企业联系").click()
    expect(badge(desk)).to_have_text("已联系")
    desk.get_by_label("答复内容").fill("已请镇劳务站推荐本地务工人员")
    desk.get_by_role("button", name="提交书面答复").click()
    expect(badge(desk)).to_have_text("已答复，待企业确认")

    # not satisfied: it reopens at the same level
    phone.goto(difficulty_url)
    phone.get_by_label("不满意的理由").fill("推荐的人员不会分拣，仍然缺人")
    phone.get_by_role("button", name="不满意，退回重办").click()
    expect(badge(phone)).to_have_text("已联系")

    # a second answer, accepted
    desk.goto(difficulty_url)
    desk.get_by_label("答复内容").fill("联系县就业局为企业定向培训分拣工二十名，下周开班")
    desk.get_by_role("button", name="提交书面答复").click()
    expect(badge(desk)).to_have_text("已答复，待企业确认")

    # the enterprise's home page says what waits for it, fits the phone, and leads there
    phone.goto(base + "/")
    waiting = phone.locator("section.todo")
    expect(waiting).to_contain_text("答复待企业确认")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=screenshots / "todo-entrepreneur-phone.png", full_page=True)
    waiting.get_by_role("link", name=re.compile("答复待企业确认")).click()
    expect(phone).to_have_url(re.compile(r"/difficulties$"))
    phone.goto(difficulty_url)
    phone.get_by_role("button", name="满意，确认答复").click()
    expect(badge(phone)).to_have_text("企业已确认，待销号")

    # the officer cannot sign off; the head of the township does
    desk.goto(difficulty_url)
    expect(desk.get_by_text("待本级单位负责人签字销号")).to_be_visible()
    log_out(desk)
    log_in(desk, base, head_user, "/")
    expect(desk.locator("section.todo")).to_contain_text("企业已确认，待单位负责人销号")
    desk.screenshot(path=screenshots / "todo-unit-head-desk.png", full_page=True)
    desk.goto(difficulty_url)
    desk.get_by_role("button", name="签字销号").click()
    expect(badge(desk)).to_have_text("已销号")
    desk.screenshot(path=screenshots / "difficulty-closed-desk.png", full_page=True)

    phone.goto(difficulty_url)
    expect(badge(phone)).to_have_text("已销号")
    for step in ("企业反映", "首次联系", "答复", "企业不满意，重新办理", "企业确认", "销号"):
        expect(phone.locator("ol.timeline")).to_contain_text(step)
