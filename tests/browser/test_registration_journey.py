"""A returnee registers on a phone, an official verifies at the counter, the returnee sees it."""

import random
import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import credit_code, mobile, resident_id, wrong_checksum
from tests.stack import PASSWORD

pytestmark = pytest.mark.browser

SURNAMES, GIVEN = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨", "春夏秋冬山川河海松竹梅兰雁归乡"


def unique_name() -> str:
    return random.choice(SURNAMES) + "".join(random.choices(GIVEN, k=2)) + random.choice("甲乙丙丁")


def sign_up(page: Page, base_url: str, name: str) -> None:
    page.goto(base_url + "/signup")
    page.get_by_label("手机号码").fill(mobile())
    page.get_by_label("姓名").fill(name)
    page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册并填写登记表").click()
    expect(page).to_have_url(f"{base_url}/register?notice=signed_up")


def choose_region(page: Page, field: str, *steps: tuple[str, str]) -> None:
    """County, then township, then village: each choice fills the next select (site.js)."""
    group = page.get_by_role("group", name=field)
    for level, name in steps:
        group.get_by_label(level).select_option(label=name)  # waits for the option to arrive


def fill_registration(page: Page, id_number: str) -> None:
    page.get_by_label("身份证号码").fill(id_number)
    household = page.get_by_role("group", name="户籍所在地")
    expect(household.get_by_label("市（州）")).to_have_value("511000000000")  # the programme's city first
    choose_region(page, "户籍所在地", ("县（市、区）", "东兴区"), ("乡镇（街道）", "双才镇"))
    choose_region(page, "现居住/创业所在地", ("县（市、区）", "东兴区"), ("乡镇（街道）", "郭北镇"),
                  ("村（社区）", "景坡楼村"))
    page.get_by_label("返乡日期").fill("2025-03-01")
    page.get_by_label("外出务工地").fill("广东省东莞市")
    page.get_by_label("原从事工种").fill("电子厂装配工")
    page.get_by_label("文化程度").select_option(label="高中")
    page.get_by_label("技能").fill("电工、焊工")
    page.locator("#f-certificates-0-name").fill("电工")
    page.locator("#f-certificates-0-level").select_option(label="中级工")
    page.locator("#f-certificates-0-issued_on").fill("2024-06-01")
    page.get_by_role("button", name="再添加一个证书").click()  # the second row comes from site.js
    page.locator("#f-certificates-1-name").fill("焊工")
    page.locator("#f-certificates-1-level").select_option(label="初级工")
    page.locator("#f-certificates-1-issued_on").fill("2023-09-15")
    page.get_by_label("返乡农民工").check()
    page.get_by_label("脱贫人口").check()


def register_enterprise(page: Page, name: str) -> None:
    page.get_by_role("link", name="登记经营主体").click()
    page.get_by_label("经营主体名称").fill(name)
    page.get_by_label("类型").select_option(label="农民专业合作社")
    page.get_by_label("统一社会信用代码").fill(credit_code("511011"))
    page.get_by_label("所属行业").fill("种植业")
    page.get_by_label("成立日期").fill("2025-06-01")
    page.get_by_label("投资额（元）").fill("350000")
    page.get_by_label("从业人数").fill("12")
    page.get_by_label("其中脱贫人口").fill("3")
    page.get_by_role("button", name="提交登记").click()


def official_verifies(page: Page, base_url: str, username: str, name: str) -> None:
    page.goto(base_url + "/records/entrepreneurs")
    expect(page).to_have_url(f"{base_url}/login?next=/records/entrepreneurs")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("searchbox").fill(name)
    page.get_by_role("button", name="搜索").click()
    expect(page.locator(".result-count")).to_contain_text("共 1 人")
    page.get_by_role("link", name=name).click()
    expect(page.locator(".record-head .badge")).to_have_text("待核实")
    page.get_by_role("button", name="核实").click()
    expect(page.locator(".record-head .badge")).to_have_text("已核实")
    expect(page.get_by_role("button", name="核实")).to_have_count(0)


def test_a_returnee_registers_on_a_phone_and_an_official_verifies_it(stack, phone, desk, screenshots):
    name, requested = unique_name(), []
    phone.on("request", lambda request: requested.append(request.url))
    sign_up(phone, stack.base_url, name)
    expect(phone.get_by_label("姓名")).to_have_value(name)  # taken from the new account

    good_id = resident_id("511011")
    fill_registration(phone, wrong_checksum(good_id))
    phone.get_by_role("button", name="提交登记").click()
    expect(phone.locator("#f-id_number-error")).to_contain_text("身份证号码校验位错误")
    expect(phone.get_by_label("外出务工地")).to_have_value("广东省东莞市")
    home = phone.get_by_role("group", name="现居住/创业所在地")
    expect(home.get_by_label("村（社区）")).to_have_value("511011101201")  # each level kept as chosen
    expect(home.get_by_label("乡镇（街道）")).to_have_value("511011101000")
    expect(phone.get_by_role("button", name="显示下一级")).to_have_count(0)  # site.js fills the levels itself
    expect(phone.get_by_label("脱贫人口")).to_be_checked()
    expect(phone.locator("#f-certificates-1-name")).to_have_value("焊工")
    phone.screenshot(path=screenshots / "registration-error-phone.png", full_page=True)

    phone.get_by_label("身份证号码").fill(good_id)
    phone.get_by_role("button", name="提交登记").click()
    expect(phone).to_have_url(f"{stack.base_url}/me?notice=registered")
    record = phone.locator("section.record").first
    expect(record).to_contain_text(name)
    expect(record).to_contain_text(good_id)
    expect(record.locator(".badge")).to_have_text("待核实")

    firm = f"{name}柑橘专业合作社"
    register_enterprise(phone, firm)
    expect(phone.locator(f"section.record:has-text('{firm}') .badge")).to_have_text("待核实")

    official = stack.create_user("official", region_code="511011101", level="township")
    official_verifies(desk, stack.base_url, official, name)

    phone.reload()
    expect(phone.locator("section.record").first.locator(".badge")).to_have_text("已核实")
    phone.screenshot(path=screenshots / "me-verified-phone.png", full_page=True)
    # the pages work offline: every stylesheet, script and image comes from the gateway
    assert {url.split("/")[2] for url in requested if not url.startswith("data:")} == {
        stack.base_url.split("/")[2]}
    assert any("/static/site.css" in url for url in requested)
    assert any("/api/v1/regions?parent=511011101000" in url for url in requested)  # the villages of 郭北镇
