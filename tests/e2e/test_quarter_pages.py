"""The quarterly consultation's pages through plain HTTP: opening 2024Q4, each county's roster, forms
that keep what was typed and name the problem beside its field, closing, the bulletin and its sheet.

The story is set in 隆昌市 (511083) and 市中区 (511002) at the end of 2024, where no other test writes,
so the quarter's roster and figures are ours alone.
"""

import datetime as dt
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from services.consultation.domain.bulletin_file import XLSX_TYPE
from tests.borrowers import make_borrower
from tests.e2e.test_difficulties_api import act, report
from tests.e2e.test_finance_pages import browser_for
from tests.support.waiting import eventually

CODE = "2024Q4"
PAGE = f"/quarters/{CODE}"
LONGCHANG, SHIZHONG = ("511083", "511083100"), ("511002", "511002100")
SETUP_DAY, CUTOFF_DAY, MEETING_DAY = dt.date(2024, 11, 12), dt.date(2024, 12, 31), dt.date(2025, 1, 6)


def consultation_knows(stack, enterprise_id: str, event_type: str, count: int = 1) -> None:
    """Wait until consultation has stored `count` facts of this type about the enterprise."""
    engine = sa.create_engine(stack.databases["consultation"].replace("postgresql://", "postgresql+psycopg2://"),
                              poolclass=sa.pool.NullPool)
    query = sa.text("SELECT count(*) FROM facts WHERE event_type = :t AND enterprise_id = :e")

    def arrived():
        with engine.connect() as connection:
            return connection.scalar(query, {"t": event_type, "e": enterprise_id}) >= count
    try:
        eventually(arrived, timeout=30)
    finally:
        engine.dispose()


def troubled_enterprise(stack, township, county, region: str):
    """An enterprise whose difficulty went up to the city: the rules put it on the roster."""
    borrower = make_borrower(stack, township, region=region, enterprise=True, founded_on="2024-03-01", quarter="2024Q1")
    record = report(borrower)
    assert act(township, record, "escalate", reason="需县级协调").status_code == 200
    assert act(county, record, "escalate", reason="涉及市级审批权限，需市级协调").status_code == 200
    consultation_knows(stack, borrower.enterprise_id, "difficulty_escalated", 2)
    return borrower, record


def message_beside(html: str, field_id: str, message: str) -> bool:
    """The field's own block holds the message (not a list somewhere else on the page)."""
    block = re.search(rf'<div class="field has-error[^"]*">(?:(?!<div class="field).)*?id="{field_id}"'
                      rf'(?:(?!<div class="field).)*?<p class="error" id="{field_id}-error">([^<]*)</p>', html, re.S)
    return bool(block) and block.group(1) == message


def value_of(html: str, field_id: str) -> str:
    found = re.search(rf'<input id="{field_id}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<textarea id="{field_id}"[^>]*>([^<]*)</textarea>', html)
    return found.group(1) if found else ""


@pytest.fixture(scope="module")
def quarter(stack):
    names = {"city": stack.create_user("official", region_code="511000", level="city"),
             "county": stack.create_user("official", region_code=LONGCHANG[0], level="county"),
             "other_county": stack.create_user("official", region_code=SHIZHONG[0], level="county"),
             "entrepreneur": stack.create_user("entrepreneur")}
    clients = {who: stack.client(stack.create_user("official", region_code=region, level=level))
               for who, region, level in (("township", LONGCHANG[1], "township"), ("county", LONGCHANG[0], "county"),
                                          ("other_township", SHIZHONG[1], "township"),
                                          ("other_county", SHIZHONG[0], "county"))}
    with stack.today(SETUP_DAY):
        troubled, trouble = troubled_enterprise(stack, clients["township"], clients["county"], LONGCHANG[1])
        elsewhere, _ = troubled_enterprise(stack, clients["other_township"], clients["other_county"], SHIZHONG[1])
        calm = make_borrower(stack, clients["township"], region=LONGCHANG[1], enterprise=True,
                             founded_on="2024-03-01", quarter="2024Q1")
        consultation_knows(stack, calm.enterprise_id, "enterprise_registered")
    city = browser_for(stack, names["city"])
    with stack.today(CUTOFF_DAY):
        opened = city.submit("/quarters", {"quarter": CODE}, action="/quarters/open")
    assert opened.status_code == 303 and opened.headers["Location"] == f"{PAGE}?notice=quarter_opened", opened.text
    return {"names": names, "city": city, "troubled": troubled, "trouble": trouble, "elsewhere": elsewhere,
            "calm": calm, "county": browser_for(stack, names["county"])}


def item_id_of(stack, quarter) -> str:
    agenda = stack.client(quarter["names"]["city"]).get(f"/api/v1/quarters/{CODE}/agenda").json()
    return next(item["id"] for group in agenda["enterprises"] for category in group["categories"]
                for item in category["items"] if item["reference"] == quarter["trouble"]["reference"])


def test_the_city_opens_the_quarter_and_finds_it_among_the_recent_ones(stack, quarter):
    with stack.today(dt.date(2025, 1, 10)):
        listing = quarter["city"].get("/quarters").text
        refused = quarter["city"].submit("/quarters", {"quarter": "2024Q5"}, action="/quarters/open")
    assert "开启季度会商" in listing and value_of(listing, "f-quarter") == "2025Q1"  # the quarter of the day
    assert f'href="{PAGE}"' in listing and "2024年第4季度" in listing and "未开启" in listing
    assert refused.status_code == 422 and message_beside(refused.text, "f-quarter", "格式不正确")
    assert value_of(refused.text, "f-quarter") == "2024Q5"
    assert "开启季度会商" not in quarter["county"].get("/quarters").text  # only the city opens one
    page = quarter["city"].get(f"{PAGE}?notice=quarter_opened").text
    assert "季度会商已开启" in page and "2024-12-31" in page and "进行中" in page


def test_a_county_official_sees_the_roster_of_their_county_only(stack, quarter):
    mine, theirs = quarter["troubled"].enterprise_id, quarter["elsewhere"].enterprise_id
    page = quarter["county"].get(PAGE)
    assert page.status_code == 200
    assert f'href="/enterprises/{mine}/timeline"' in page.text and theirs not in page.text
    assert f"困难问题{quarter['trouble']['reference']}已上报至市级" in page.text and "隆昌市金鹅街道" in page.text
    assert "增列经营主体" in page.text and "移出名单" in page.text
    other = browser_for(stack, quarter["names"]["other_county"]).get(PAGE).text
    assert theirs in other and mine not in other
    city = quarter["city"].get(PAGE).text
    assert mine in city and theirs in city


def test_an_entrepreneur_gets_the_refusal_page(stack, quarter):
    entrepreneur = browser_for(stack, quarter["names"]["entrepreneur"])
    for path in ("/quarters", PAGE, f"{PAGE}/bulletin", f"{PAGE}/bulletin.xlsx"):
        refused = entrepreneur.get(path)
        assert refused.status_code == 403 and "无权" in refused.text, path


def test_adding_without_a_reason_names_the_reason_and_keeps_the_id(quarter):
    county, calm = quarter["county"], quarter["calm"].enterprise_id
    refused = county.submit(PAGE, {"enterprise_id": calm, "reason": "  "}, action=f"{PAGE}/roster")
    assert refused.status_code == 422 and message_beside(refused.text, "f-n-reason", "此项必填")
    assert value_of(refused.text, "f-n-enterprise_id") == calm
    added = county.submit(PAGE, {"enterprise_id": calm, "reason": "订单骤减，资金链紧张"}, action=f"{PAGE}/roster")
    assert added.status_code == 303 and added.headers["Location"] == f"{PAGE}?notice=roster_added#roster"
    assert "工作人员增列：订单骤减，资金链紧张" in county.get(PAGE).text
    removed = county.submit(PAGE, {"enterprise_id": calm, "reason": "资金已到位，经核实不再困难"},
                            action=f"{PAGE}/roster/remove")
    assert removed.status_code == 303
    page = county.get(PAGE).text
    assert "已移出名单：资金已到位，经核实不再困难" in page and "<del><a" in page


def test_the_meeting_and_a_resolution_with_a_past_deadline_named_beside_their_fields(stack, quarter):
    city, item = quarter["city"], item_id_of(stack, quarter)
    with stack.today(MEETING_DAY):
        early = city.submit(PAGE, {"held_on": "2025-01-07", "chair": "市政府分管副市长", "departments": "市财政局",
                                   "minutes": "会议逐户听取了困难企业的诉求并研究交办。"}, action=f"{PAGE}/meeting")
        assert early.status_code == 422 and message_beside(early.text, "f-m-held_on", "会商日期不能晚于今天")
        assert value_of(early.text, "f-m-chair") == "市政府分管副市长"
        met = city.submit(PAGE, {"held_on": "2025-01-05", "chair": "市政府分管副市长",
                                 "departments": "市人力资源和社会保障局、市经济和信息化局\n市自然资源和规划局",
                                 "minutes": "会议逐户听取了困难企业的诉求，研究确定了牵头单位和完成时限。"},
                          action=f"{PAGE}/meeting")
        assert met.status_code == 303, met.text
        assert "市人力资源和社会保障局、市经济和信息化局、市自然资源和规划局" in city.get(PAGE).text
        measure = "协调办理厂房扩建规划许可"
        late = city.submit(PAGE, {"item_id": item, "lead_department": "市经济和信息化局", "co_departments": "隆昌市人民政府",
                                  "measure": measure, "deadline": "2025-01-02"}, action=f"{PAGE}/resolutions")
        assert late.status_code == 422, late.text
        assert message_beside(late.text, f"f-a-{item}-deadline", "完成时限须晚于今天")
        assert value_of(late.text, f"f-a-{item}-measure") == measure
        assert value_of(late.text, f"f-a-{item}-deadline") == "2025-01-02"
        assigned = city.submit(PAGE, {"item_id": item, "lead_department": "市经济和信息化局",
                                      "co_departments": "隆昌市人民政府", "measure": measure, "deadline": "2025-02-28"},
                               action=f"{PAGE}/resolutions")
        assert assigned.status_code == 303, assigned.text
        assert "<progress" in city.get(PAGE).text


def test_the_county_records_progress_and_a_late_resolution_is_marked_overdue(stack, quarter):
    county = quarter["county"]
    resolution = stack.client(quarter["names"]["county"]).get(f"/api/v1/quarters/{CODE}/resolutions").json()["items"][0]
    path = f"/resolutions/{resolution['id']}/progress"
    with stack.today(dt.date(2025, 1, 20)):
        too_much = county.submit(PAGE, {"quarter": CODE, "progress": "150", "note": "规划方案已报审"}, action=path)
        assert too_much.status_code == 422
        assert message_beside(too_much.text, f"f-p-{resolution['id']}-progress", "数值过大")
        assert value_of(too_much.text, f"f-p-{resolution['id']}-note") == "规划方案已报审"
        noted = county.submit(PAGE, {"quarter": CODE, "progress": "40", "note": "规划方案已报审"}, action=path)
        assert noted.status_code == 303
        assert noted.headers["Location"] == f"{PAGE}?notice=progress_recorded#r-{resolution['id']}"
        page = county.get(PAGE).text
        assert 'value="40"' in page and "规划方案已报审" in page and "逾期" not in page
        assert "结束本季度会商" not in page  # only the city closes it
    with stack.today(dt.date(2025, 3, 5)):
        assert "逾期" in county.get(PAGE).text


def test_closing_asks_for_confirmation_then_the_bulletin_and_its_sheet(stack, quarter):
    city, county = quarter["city"], quarter["county"]
    with stack.today(dt.date(2025, 1, 10)):
        unconfirmed = city.submit(PAGE, {}, action=f"{PAGE}/close")
        assert unconfirmed.status_code == 422 and "请勾选确认后再结束本季度会商" in unconfirmed.text
        closed = city.submit(PAGE, {"confirm": "yes"}, action=f"{PAGE}/close")
    assert closed.status_code == 303 and closed.headers["Location"] == f"{PAGE}?notice=quarter_closed"
    page = city.get(PAGE).text
    assert "已结束" in page and "增列经营主体" not in page and 'href="/quarters/2024Q4/bulletin.xlsx"' in page
    bulletin = county.get(f"{PAGE}/bulletin")
    assert bulletin.status_code == 200 and "隆昌市返乡创业工作专报" in bulletin.text
    assert "<td>隆昌市</td>" in bulletin.text and "市中区" not in bulletin.text
    assert f'href="{PAGE}/bulletin.xlsx"' in bulletin.text
    download = county.get(f"{PAGE}/bulletin.xlsx")
    assert download.status_code == 200 and download.headers["Content-Type"] == XLSX_TYPE
    assert download.headers["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    counties = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert counties == ["隆昌市", "合计"]
