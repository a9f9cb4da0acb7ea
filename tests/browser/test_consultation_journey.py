"""The city holds the quarterly difficulty consultation in the browser: it opens 2024Q3, adds a calm
enterprise with a reason, records the meeting, assigns a resolution, records progress, closes the
quarter, reads the bulletin and downloads its spreadsheet; the county follows it on a phone."""

import datetime as dt

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.borrowers import make_borrower
from tests.browser.test_loan_journey import log_in
from tests.e2e.test_quarter_pages import consultation_knows, troubled_enterprise
from tests.quarters import Quarter

pytestmark = pytest.mark.browser

CODE = "2024Q3"
TOWNSHIP, COUNTY = "511083100", "511083"  # 隆昌市金鹅街道: no other browser journey writes there


def test_the_city_holds_a_quarter_from_opening_to_the_bulletin(stack, desk, phone, screenshots, tmp_path):
    base = stack.base_url
    city_user = stack.create_user("official", region_code="511000", level="city")
    county_user = stack.create_user("official", region_code=COUNTY, level="county")
    township = stack.client(stack.create_user("official", region_code=TOWNSHIP, level="township"))
    with stack.today(dt.date(2024, 8, 6)):
        _, trouble = troubled_enterprise(stack, township, stack.client(county_user), TOWNSHIP, Quarter(2024, 3))
        calm = make_borrower(stack, township, region=TOWNSHIP, enterprise=True, founded_on="2024-03-01",
                             quarter="2024Q1")
        consultation_knows(stack, calm.enterprise_id, "enterprise_registered")
    calm_name = calm.client.get(f"/api/v1/enterprises/{calm.enterprise_id}").json()["name"]

    with stack.today(dt.date(2024, 9, 30)):  # the quarter's last day: its cut-off
        # the city opens the quarter: the form offers the quarter of the day
        log_in(desk, base, city_user, "/quarters")
        expect(desk.get_by_label("季度")).to_have_value(CODE)
        desk.get_by_role("button", name="开启").click()
        expect(desk).to_have_url(f"{base}/quarters/{CODE}?notice=quarter_opened")
        roster = desk.locator("#roster")
        expect(roster).to_contain_text(f"困难问题{trouble['reference']}已上报至市级")
        expect(roster).not_to_contain_text(calm_name)

        # and adds the calm enterprise, with a reason
        adding = desk.locator("#roster-add")
        adding.get_by_label("经营主体").fill(calm_name)  # found by its name in the official's region
        adding.get_by_label("增列理由").fill("主要客户停止合作，订单骤减")
        adding.get_by_role("button", name="增列").click()
        expect(desk.get_by_role("status")).to_have_text("已增列入会商名单；其未办结的困难问题（如有）已列入议程。")
        expect(roster.get_by_role("link", name=calm_name)).to_be_visible()
        expect(roster).to_contain_text("工作人员增列：主要客户停止合作，订单骤减")

        # the meeting
        meeting = desk.locator("#meeting")
        meeting.get_by_label("会商日期").fill("2024-09-27")
        meeting.get_by_label("主持人").fill("市政府分管副市长")
        for present in ("市人社局", "市经信局", "市自然资源规划局"):  # ticked from the department list
            meeting.get_by_label(present, exact=True).check()
        meeting.get_by_label("会议纪要").fill("会议逐户听取了困难企业的诉求，研究确定了各事项的牵头单位和完成时限。")
        meeting.get_by_role("button", name="保存会议记录").click()
        expect(meeting.locator("dl.facts")).to_contain_text(
            "内江市人力资源和社会保障局、内江市经济和信息化局、内江市自然资源和规划局")

        # a resolution for the troubled enterprise's difficulty
        item = desk.locator(".agenda-item", has_text=trouble["reference"])
        expect(item.locator(".badge", has_text="办理中")).to_be_visible()
        item.locator("summary", has_text="交办").click()
        item.get_by_label("牵头单位").select_option("511000-econ")
        item.get_by_label("隆昌市政府", exact=True).check()
        item.get_by_label("市自然资源规划局", exact=True).check()
        item.get_by_label("措施").fill("协调办理厂房扩建规划许可")
        item.get_by_label("完成时限").fill("2024-10-31")
        item.get_by_role("button", name="确认交办").click()
        expect(item).to_contain_text("牵头单位 内江市经济和信息化局；配合单位 内江市自然资源和规划局、隆昌市人民政府")
        expect(item.locator("progress")).to_have_attribute("value", "0")

        # progress on it
        item.locator("summary", has_text="登记进度").click()
        item.get_by_label("办理进度（%）").fill("60")
        item.get_by_label("进展说明").fill("规划方案已报市自然资源和规划局审查")
        item.get_by_role("button", name="提交进度").click()
        expect(item.locator("progress")).to_have_attribute("value", "60")
        expect(item.locator("ol.timeline")).to_contain_text("60%：规划方案已报市自然资源和规划局审查")
        desk.screenshot(path=screenshots / "quarter-open-desk.png", full_page=True)

        # closing asks for a confirmation first
        closing = desk.locator("#close")
        closing.get_by_role("button", name="结束本季度会商").click()
        expect(desk.locator("#close .error")).to_have_text("请勾选确认后再结束本季度会商")
        desk.locator("#close").get_by_label("我已核对本季度会商情况，确认结束").check()
        desk.locator("#close").get_by_role("button", name="结束本季度会商").click()
        expect(desk.locator(".record-head .badge")).to_have_text("已结束")
        expect(desk.locator("#roster-add")).to_have_count(0)

    # the county follows the quarter on a phone
    log_in(phone, base, county_user, f"/quarters/{CODE}")
    expect(phone.locator("#roster")).to_contain_text(calm_name)
    expect(phone.locator(".agenda-item", has_text=trouble["reference"]).locator("progress")).to_have_attribute(
        "value", "60")
    phone.screenshot(path=screenshots / "quarter-closed-phone.png", full_page=True)

    # the bulletin, and its spreadsheet
    desk.get_by_role("link", name="季度通报").click()
    expect(desk.locator(".bulletin h1")).to_contain_text("返乡创业企业困难会商季度通报")
    expect(desk.locator(".bulletin table").first).to_contain_text("隆昌市")
    desk.screenshot(path=screenshots / "bulletin-desk.png", full_page=True)
    with desk.expect_download() as downloading:
        desk.get_by_role("link", name="下载表格（Excel）").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".xlsx") and CODE in download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    counties = openpyxl.load_workbook(saved).worksheets[1]
    rows = {row[0]: row for row in counties.iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(rows) == {"隆昌市", "合计"}
    assert rows["隆昌市"][2] == 2  # the two enterprises registered in the quarter
