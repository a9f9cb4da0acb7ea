"""The quarterly consultation's pages through plain HTTP: opening a quarter, each county's roster,
forms that keep what was typed and name the problem beside its field, closing, the bulletin and its
sheet.

The story is set in two quiet counties of tests/places (市中区 and 隆昌市), where no other module
writes, in a fourth quarter of the year that the quarter book hands out (2024Q4), so the quarter's
roster and figures are ours alone.
"""

import datetime as dt
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from services.consultation.domain.bulletin_file import XLSX_TYPE
from services.consultation.domain.department_data import DEPARTMENTS
from services.consultation.domain.departments import Directory
from shared import regions
from tests.borrowers import founded_in, make_borrower
from tests.e2e.test_difficulties_api import act, report
from tests.e2e.test_finance_pages import browser_for
from tests.support.waiting import eventually

LISTED = Directory(list(DEPARTMENTS))  # the list as the migration seeds it


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


def founded(stack, township, region: str, quarter):
    """An enterprise founded three quarters before the story's, set up on a day of it."""
    return make_borrower(stack, township, region=region, enterprise=True, **founded_in(quarter.shifted(-3)))


def troubled_enterprise(stack, township, county, region: str, quarter):
    """An enterprise whose difficulty went up to the city: the rules put it on the roster."""
    borrower = founded(stack, township, region, quarter)
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
def q(quarters):
    """The story's quarter: set up in its second month, opened on its last day, met after it."""
    return quarters.story(__name__, season=4)


@pytest.fixture(scope="module")
def page(q):
    return f"/quarters/{q}"


@pytest.fixture(scope="module")
def ours(places):
    return places.quiet(__name__)


@pytest.fixture(scope="module")
def theirs(places):
    return places.quiet(__name__)


@pytest.fixture(scope="module")
def quarter(stack, places, ours, theirs, q, page):
    names = {"city": stack.create_user("official", region_code=places.city, level="city"),
             "county": stack.create_user("official", region_code=ours.county, level="county"),
             "other_county": stack.create_user("official", region_code=theirs.county, level="county"),
             "entrepreneur": stack.create_user("entrepreneur")}
    clients = {who: stack.client(stack.create_user("official", region_code=region, level=level))
               for who, region, level in (("township", ours.township, "township"), ("county", ours.county, "county"),
                                          ("other_township", theirs.township, "township"),
                                          ("other_county", theirs.county, "county"))}
    with stack.today(q.day(2, 12)):
        troubled, trouble = troubled_enterprise(stack, clients["township"], clients["county"], ours.place, q)
        elsewhere, _ = troubled_enterprise(stack, clients["other_township"], clients["other_county"], theirs.place, q)
        calm = founded(stack, clients["township"], ours.place, q)
        consultation_knows(stack, calm.enterprise_id, "enterprise_registered")
    city = browser_for(stack, names["city"])
    with stack.today(q.last):
        opened = city.submit("/quarters", {"quarter": q.code}, action="/quarters/open")
    assert opened.status_code == 303 and opened.headers["Location"] == f"{page}?notice=quarter_opened", opened.text
    return {"names": names, "city": city, "troubled": troubled, "trouble": trouble, "elsewhere": elsewhere,
            "calm": calm, "county": browser_for(stack, names["county"])}


def item_id_of(stack, quarter, q) -> str:
    agenda = stack.client(quarter["names"]["city"]).get(f"/api/v1/quarters/{q}/agenda").json()
    return next(item["id"] for group in agenda["enterprises"] for category in group["categories"]
                for item in category["items"] if item["reference"] == quarter["trouble"]["reference"])


def test_the_city_opens_the_quarter_and_finds_it_among_the_recent_ones(stack, quarter, q, page):
    with stack.today(q.next.day(1, 10)):
        listing = quarter["city"].get("/quarters").text
        refused = quarter["city"].submit("/quarters", {"quarter": "2024Q5"}, action="/quarters/open")
    assert "开启季度会商" in listing and value_of(listing, "f-quarter") == q.next.code  # the quarter of the day
    assert f'href="{page}"' in listing and f"{q.year}年第{q.number}季度" in listing and "未开启" in listing
    assert refused.status_code == 422 and message_beside(refused.text, "f-quarter", "格式不正确")
    assert value_of(refused.text, "f-quarter") == "2024Q5"
    county_list = quarter["county"].get("/quarters").text  # the county opens its own round, not the city's
    assert county_list.count('action="/quarters/open"') == 1 and 'name="region" value="' in county_list
    opened = quarter["city"].get(f"{page}?notice=quarter_opened").text
    assert "季度会商已开启" in opened and q.last.isoformat() in opened and "进行中" in opened


def test_a_county_holds_its_own_round_and_sends_up_from_its_page_what_it_cannot_settle(stack, quarter, ours, q, page):
    county, city = quarter["county"], quarter["city"]
    region = regions.normalize(ours.county)
    own = f"{page}?region={region}"
    listing = county.get("/quarters").text
    assert f"{regions.name_of(region)}县（区）级会商" in listing and f'value="{region}"' in listing
    with stack.today(q.last):
        opened = county.submit("/quarters", {"quarter": q.code, "region": region}, action="/quarters/open")
    assert opened.status_code == 303 and opened.headers["Location"] == f"{own}&notice=quarter_opened", opened.text
    shown = county.get(own).text
    assert f"{regions.name_of(region)}{q.year}年第{q.number}季度困难会商" in shown and "县（区）级会商" in shown
    item = next(i["id"] for group in stack.client(quarter["names"]["county"]).get(
        f"/api/v1/quarters/{q}/agenda", params={"region": region}).json()["enterprises"]
        for category in group["categories"] for i in category["items"]
        if i["reference"] == quarter["trouble"]["reference"])
    assert "提交市级会商" in shown and f'action="{page}/agenda/{item}/refer?region={region}"' in shown
    action = f"{page}/agenda/{item}/refer?region={region}"
    with stack.today(q.last):
        empty = county.submit(own, {"note": " "}, action=action)
        assert empty.status_code == 422 and message_beside(empty.text, f"f-s-{item}-note", "此项必填"), empty.text
        sent = county.submit(own, {"note": "涉及市级审批权限，本县无法协调"}, action=action)
    assert sent.status_code == 303 and sent.headers["Location"] == f"{own}&notice=item_referred#i-{item}"
    assert "已提交市级会商" in county.get(own).text
    # the city's agenda says which county sent it, and why; another county knows nothing of this round
    city_page = city.get(page).text
    assert f"{regions.name_of(region)}提交" in city_page and "涉及市级审批权限，本县无法协调" in city_page
    assert "各县（区）会商" in city_page and "提交市级 1 项" in city_page and f"{page}?region={region}" in city_page
    assert stack.client(quarter["names"]["other_county"]).get(
        f"/api/v1/quarters/{q}", params={"region": region}).status_code == 404
    assert browser_for(stack, quarter["names"]["other_county"]).get(own).status_code == 404


def test_a_county_official_sees_the_roster_of_their_county_only(stack, quarter, ours, page):
    mine, theirs = quarter["troubled"].enterprise_id, quarter["elsewhere"].enterprise_id
    shown = quarter["county"].get(page)
    assert shown.status_code == 200
    assert f'href="/enterprises/{mine}/timeline"' in shown.text and theirs not in shown.text
    assert f"困难问题{quarter['trouble']['reference']}已上报至市级" in shown.text
    assert ours.name + regions.name_of(ours.township) in shown.text
    assert "增列经营主体" in shown.text and "移出名单" in shown.text
    other = browser_for(stack, quarter["names"]["other_county"]).get(page).text
    assert theirs in other and mine not in other
    city = quarter["city"].get(page).text
    assert mine in city and theirs in city


def test_an_entrepreneur_gets_the_refusal_page(stack, quarter, page):
    entrepreneur = browser_for(stack, quarter["names"]["entrepreneur"])
    for path in ("/quarters", page, f"{page}/bulletin", f"{page}/bulletin.xlsx"):
        refused = entrepreneur.get(path)
        assert refused.status_code == 403 and "无权" in refused.text, path


def test_adding_without_a_reason_names_the_reason_and_keeps_the_id(quarter, page):
    county, calm = quarter["county"], quarter["calm"].enterprise_id
    refused = county.submit(page, {"enterprise_id": calm, "reason": "  "}, action=f"{page}/roster")
    assert refused.status_code == 422 and message_beside(refused.text, "f-n-reason", "此项必填")
    assert value_of(refused.text, "f-n-enterprise_id") == calm
    added = county.submit(page, {"enterprise_id": calm, "reason": "订单骤减，资金链紧张"}, action=f"{page}/roster")
    assert added.status_code == 303 and added.headers["Location"] == f"{page}?notice=roster_added#roster"
    assert "工作人员增列：订单骤减，资金链紧张" in county.get(page).text
    removed = county.submit(page, {"enterprise_id": calm, "reason": "资金已到位，经核实不再困难"},
                            action=f"{page}/roster/remove")
    assert removed.status_code == 303
    shown = county.get(page).text
    assert "已移出名单：资金已到位，经核实不再困难" in shown and "<del><a" in shown


def test_the_roster_takes_part_of_a_name_and_offers_the_choices_when_several_match(stack, quarter, page):
    county, calm = quarter["county"], quarter["calm"].enterprise_id
    name = stack.client(quarter["names"]["county"]).get(f"/api/v1/enterprises/{calm}").json()["name"]
    several = county.submit(page, {"enterprise_id": "柑橘专业合作社", "reason": "订单骤减，资金链紧张"},
                            action=f"{page}/roster")
    assert several.status_code == 422 and "请从下列中选择" in several.text
    assert several.text.count("增列这一户") == 2 and name in several.text  # ours: the calm and the troubled one
    chosen = county.submit(page, {"enterprise_id": calm, "reason": "订单骤减，资金链紧张"}, action=f"{page}/roster")
    assert chosen.status_code == 303
    assert county.submit(page, {"enterprise_id": calm, "reason": "经核实不再困难"},
                         action=f"{page}/roster/remove").status_code == 303
    only = county.submit(page, {"enterprise_id": name[2:6], "reason": "订单骤减，资金链紧张"}, action=f"{page}/roster")
    assert only.status_code == 303, only.text
    assert county.submit(page, {"enterprise_id": calm, "reason": "经核实不再困难"},
                         action=f"{page}/roster/remove").status_code == 303


def checked_boxes(html: str, field_id: str) -> list[str]:
    """The codes of the ticked departments of one picker."""
    return re.findall(rf'<input type="checkbox" id="{field_id}-[^"]+" name="[^"]+" value="([^"]+)" checked>', html)


def test_the_meeting_and_a_resolution_with_a_past_deadline_named_beside_their_fields(stack, quarter, ours, q, page):
    city, item = quarter["city"], item_id_of(stack, quarter, q)
    meeting_day, one_day = q.next.day(1, 6), dt.timedelta(days=1)
    present = ["511000-hrss", "511000-econ", "511000-land"]
    with stack.today(meeting_day):
        early = city.submit(page, {"held_on": (meeting_day + one_day).isoformat(), "chair": "市政府分管副市长",
                                   "departments": ["511000-finance"], "minutes": "会议逐户听取了困难企业的诉求并研究交办。"},
                            action=f"{page}/meeting")
        assert early.status_code == 422 and message_beside(early.text, "f-m-held_on", "会商日期不能晚于今天")
        assert value_of(early.text, "f-m-chair") == "市政府分管副市长"
        assert checked_boxes(early.text, "f-m-departments") == ["511000-finance"]  # the ticks are kept too
        met = city.submit(page, {"held_on": (meeting_day - one_day).isoformat(), "chair": "市政府分管副市长",
                                 "departments": present,
                                 "minutes": "会议逐户听取了困难企业的诉求，研究确定了牵头单位和完成时限。"},
                          action=f"{page}/meeting")
        assert met.status_code == 303, met.text
        shown = city.get(page).text
        assert "内江市人力资源和社会保障局、内江市经济和信息化局、内江市自然资源和规划局" in shown
        assert checked_boxes(shown, "f-m-departments") == present  # the correction form starts from the record
        measure, government, past = ("协调办理厂房扩建规划许可", f"{regions.normalize(ours.county)[:6]}-gov",
                                     q.next.day(1, 2).isoformat())
        late = city.submit(page, {"item_id": item, "lead_department": "511000-econ", "co_departments": [government],
                                  "measure": measure, "deadline": past}, action=f"{page}/resolutions")
        assert late.status_code == 422, late.text
        assert message_beside(late.text, f"f-a-{item}-deadline", "完成时限须晚于今天")
        assert value_of(late.text, f"f-a-{item}-measure") == measure
        assert value_of(late.text, f"f-a-{item}-deadline") == past
        assert '<option value="511000-econ" selected>' in late.text
        assert checked_boxes(late.text, f"f-a-{item}-co_departments") == [government]
        assigned = city.submit(page, {"item_id": item, "lead_department": "511000-econ",
                                      "co_departments": [government], "measure": measure,
                                      "deadline": q.next.day(2, 28).isoformat()}, action=f"{page}/resolutions")
        assert assigned.status_code == 303, assigned.text
        shown = city.get(page).text
        assert "<progress" in shown
        assert f"牵头单位</strong> 内江市经济和信息化局；<strong>配合单位</strong> {LISTED.get(government).name}" in shown


def test_the_departments_are_picked_from_the_list_and_an_unknown_one_is_named_beside_its_field(stack, quarter, q,
                                                                                                 page):
    city = quarter["city"]
    shown = city.get(page).text
    assert '<optgroup label="市级部门">' in shown and '<option value="511000-hrss">市人社局（内江市人力资源和社会保障局）' \
        in shown
    assert 'id="f-m-departments-511011-hrss" name="departments" value="511011-hrss"' in shown  # each county's too
    with stack.today(q.next.day(1, 6)):
        unknown = city.submit(page, {"held_on": q.next.day(1, 5).isoformat(), "chair": "市政府分管副市长",
                                     "departments": ["511000-hrss", "市某某局"],
                                     "minutes": "会议逐户听取了困难企业的诉求，研究确定了牵头单位和完成时限。"},
                              action=f"{page}/meeting")
    assert unknown.status_code == 422
    assert message_beside(unknown.text, "f-m-departments", "部门名录中没有“市某某局”，请从名录中选择（如需新增，请联系管理员）")


def test_the_county_records_progress_and_a_late_resolution_is_marked_overdue(stack, quarter, q, page):
    county = quarter["county"]
    resolution = stack.client(quarter["names"]["county"]).get(f"/api/v1/quarters/{q}/resolutions").json()["items"][0]
    path = f"/resolutions/{resolution['id']}/progress"
    with stack.today(q.next.day(1, 20)):
        too_much = county.submit(page, {"quarter": q.code, "progress": "150", "note": "规划方案已报审"}, action=path)
        assert too_much.status_code == 422
        assert message_beside(too_much.text, f"f-p-{resolution['id']}-progress", "数值过大")
        assert value_of(too_much.text, f"f-p-{resolution['id']}-note") == "规划方案已报审"
        noted = county.submit(page, {"quarter": q.code, "progress": "40", "note": "规划方案已报审"}, action=path)
        assert noted.status_code == 303
        assert noted.headers["Location"] == f"{page}?notice=progress_recorded#r-{resolution['id']}"
        shown = county.get(page).text
        assert 'value="40"' in shown and "规划方案已报审" in shown and 'class="badge overdue"' not in shown
        assert "结束本季度会商" not in shown  # only the city closes it
    with stack.today(q.next.day(3, 5)):  # after the deadline
        assert 'class="badge overdue"' in county.get(page).text


def test_closing_asks_for_confirmation_then_the_bulletin_and_its_sheet(stack, quarter, ours, theirs, q, page):
    city, county = quarter["city"], quarter["county"]
    with stack.today(q.next.day(1, 10)):
        unconfirmed = city.submit(page, {}, action=f"{page}/close")
        assert unconfirmed.status_code == 422 and "请勾选确认后再结束本季度会商" in unconfirmed.text
        closed = city.submit(page, {"confirm": "yes"}, action=f"{page}/close")
    assert closed.status_code == 303 and closed.headers["Location"] == f"{page}?notice=quarter_closed"
    shown = city.get(page).text
    assert "已结束" in shown and "增列经营主体" not in shown and f'href="{page}/bulletin.xlsx"' in shown
    bulletin = county.get(f"{page}/bulletin")
    assert bulletin.status_code == 200 and f"{ours.name}返乡创业工作专报" in bulletin.text
    assert f"<td>{ours.name}</td>" in bulletin.text and theirs.name not in bulletin.text
    assert f'href="{page}/bulletin.xlsx"' in bulletin.text
    download = county.get(f"{page}/bulletin.xlsx")
    assert download.status_code == 200 and download.headers["Content-Type"] == XLSX_TYPE
    assert download.headers["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    counties = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert counties == [ours.name, "合计"]
    # the quarter beside the year to date, counted alike: the county's difficulty was raised in the quarter
    assert "本季度与今年以来" in bulletin.text and f"{q.year}年第{q.number}季度" in bulletin.text
    beside = {row[0]: row[1:] for row in book["本季度与今年以来"].iter_rows(min_row=2, values_only=True)}
    assert beside["企业反映困难问题（件）"] == ("1", "1") and beside["上报至市级（件）"] == ("1", "1")


def test_a_province_official_chooses_a_city_and_reads_its_rounds_without_holding_them(stack, places, quarter, q,
                                                                                         page):
    province = browser_for(stack, stack.create_user("official", region_code=places.province, level="province"))
    listing = province.get("/quarters").text
    assert "选择市" in listing and f'href="/quarters?region={regions.normalize(places.city)}"' in listing
    assert "绵阳市" in listing and 'action="/quarters/open"' not in listing
    city = regions.normalize(places.city)
    rounds = province.get(f"/quarters?region={city}").text
    assert "内江市市级会商" in rounds and f'?region={city}"' in rounds and 'action="/quarters/open"' not in rounds
    shown = province.get(f"{page}?region={city}")
    assert shown.status_code == 200 and "内江市" in shown.text
    assert "登记会议" not in shown.text and "结束本季度会商" not in shown.text  # reads, holds nothing
    assert province.get(page).status_code == 422  # a province official names the city
