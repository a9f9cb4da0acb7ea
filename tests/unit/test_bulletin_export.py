"""The quarterly 专报 as the office downloads it (a workbook) and prints it (a page)."""

from decimal import Decimal
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

from services.consultation.domain.bulletin_file import (
    bulletin_filename,
    bulletin_head,
    bulletin_xlsx,
    wan_yuan,
    yi_yuan,
)
from services.gateway.web.render import ENV


def county(code: str, name: str, **figures) -> dict:
    base = {"entrepreneurs": 0, "enterprises": 0, "investment_fen": 0, "jobs": 0, "loans_count": 0,
            "loans_fen": 0, "subsidies_fen": 0, "raised": 0, "resolved": 0, "resolutions": 0,
            "closed": 0, "rate": None}
    return {"region_code": code, "region_name": name, **base, **figures}


def bulletin(**changes) -> dict:
    """Neijiang's second quarter of 2025: two counties, one lead department, a meeting held."""
    return {
        "quarter": "2025Q2", "status": "final", "issue_no": 3,
        "scope": {"region_code": "511000", "region_name": "四川省内江市"},
        "period": {"from": "2025-04-01", "to": "2025-06-30"},
        "issued_on": "2025-07-03", "office": "内江市返乡创业工作领导小组办公室", "distribution": "抄送：市级有关部门。",
        "entrepreneurs": {"new": 3},
        "enterprises": {"new": 2, "investment_fen": 150_000_000, "jobs": 35},
        "loans": {"count": 1, "amount_fen": 10_000_000},
        "subsidies": {"count": 2, "amount_fen": 1_500_000, "by_kind": [
            {"kind": "startup", "name": "一次性创业补贴", "count": 1, "amount_fen": 1_000_000}]},
        "interest_subsidies": {"count": 0, "amount_fen": 0},
        "difficulties": {"raised": 4, "resolved": 1, "on_agenda": 3, "carried_over": 2},
        "resolutions": {"total": 3, "closed": 1, "rate": "33.3", "by_department": [
            {"department": "市人力资源和社会保障局", "total": 2, "closed": 1, "rate": "50.0"},
            {"department": "市财政局", "total": 1, "closed": 0, "rate": "0.0"}]},
        "by_county": [
            county("511011", "东兴区", entrepreneurs=2, enterprises=1, investment_fen=100_000_000, jobs=20,
                   loans_count=1, loans_fen=10_000_000, subsidies_fen=1_000_000, raised=3, resolved=1,
                   resolutions=2, closed=1, rate="50.0"),
            county("511024", "威远县", entrepreneurs=1, enterprises=1, investment_fen=50_000_000, jobs=15,
                   subsidies_fen=500_000, raised=1, resolutions=1, closed=0, rate="0.0")],
        "meeting": {"held_on": "2025-06-28", "chair": "张副市长", "departments": ["市人社局", "市财政局"]},
        **changes,
    }


def workbook(b: dict):
    return load_workbook(BytesIO(bulletin_xlsx(b)))


def figures(sheet) -> dict:
    """The summary's two-column table as label -> value."""
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=9, max_col=2, values_only=True)}


def exactly(value) -> Decimal:
    return Decimal(str(value))


def test_amounts_in_wan_and_yi_yuan_are_exact_and_rounded_half_up():
    assert wan_yuan(150_000_000) == "150.00"  # 1,500,000 元
    assert wan_yuan(1_500_000_000) == "1,500.00"
    assert wan_yuan(0) == "0.00"
    assert wan_yuan(15_000) == "0.02"  # 150 元 is 0.015 万元; a float would give 0.01
    assert wan_yuan(1_005_000) == "1.01"  # 10,050 元; a float would give 1.00
    assert yi_yuan(275_500_000_000) == "27.55"  # the 27.55 亿元 of the printed bulletins
    assert yi_yuan(150_000_000) == "0.02"


def test_summary_sheet_opens_like_the_printed_bulletin_and_lists_every_figure():
    book = workbook(bulletin())
    assert book.sheetnames == ["专报摘要", "分县（市、区）统计", "牵头单位办结率"]
    sheet = book["专报摘要"]
    assert [sheet.cell(row, 1).value for row in range(1, 7)] == [
        "内江市返乡创业工作专报", "第 3 期（2025年第二季度）", "内江市返乡创业工作领导小组办公室", "2025年7月3日",
        "内江市返乡创业企业困难会商季度通报", "统计期间：2025-04-01 至 2025-06-30"]
    assert sheet["A1"].font.bold and sheet["A8"].font.bold and sheet["B8"].font.bold
    assert (sheet["A8"].value, sheet["B8"].value) == ("指标", "数值")
    assert sheet.freeze_panes == "A9"
    assert sheet.column_dimensions["A"].width == 44
    table = figures(sheet)
    assert table["新增返乡创业人数（人）"] == 3
    assert table["新增返乡创办企业（户）"] == 2
    assert exactly(table["引进投资总额（万元）"]) == Decimal("150.00")
    assert table["新增企业吸纳就业（人）"] == 35
    assert exactly(table["创业担保贷款金额（万元）"]) == Decimal("10.00")  # 100,000 元
    assert exactly(table["发放各类补贴金额（万元）"]) == Decimal("1.50")
    assert exactly(table["　其中：一次性创业补贴金额（万元）"]) == Decimal("1.00")
    assert table["企业反映困难问题（件）"] == 4
    assert table["　其中：未办结转入下季度（件）"] == 2
    assert exactly(table["办结率（%）"]) == Decimal("33.3")
    assert table["参会部门"] == "市人社局、市财政局"
    money_row = next(row for row in sheet.iter_rows(min_row=9) if row[0].value == "引进投资总额（万元）")
    assert money_row[1].number_format == "#,##0.00"


def test_county_sheet_has_one_row_per_county_and_a_total_that_sums_them():
    sheet = workbook(bulletin())["分县（市、区）统计"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("县（市、区）", "新增返乡创业人数（人）", "新增返乡创办企业（户）", "引进投资（万元）")
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "B2"
    assert [row[0] for row in rows[1:]] == ["东兴区", "威远县", "合计"]
    counties, total = rows[1:-1], rows[-1]
    for column in range(1, 12):
        assert exactly(total[column]) == sum(exactly(row[column]) for row in counties)
    assert exactly(rows[1][3]) == Decimal("100.00")
    assert exactly(total[3]) == Decimal("150.00")  # 150,000,000 fen is 1,500,000 元
    assert exactly(total[12]) == Decimal("33.3")  # 1 of 3 resolutions closed
    assert all(cell.font.bold for cell in sheet[sheet.max_row])


def test_department_sheet_states_each_lead_and_the_whole():
    sheet = workbook(bulletin())["牵头单位办结率"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("牵头单位", "交办事项（件）", "已办结（件）", "办结率（%）")
    assert rows[1][:3] == ("市人力资源和社会保障局", 2, 1) and exactly(rows[1][3]) == Decimal("50.0")
    assert rows[-1][:3] == ("全部交办事项", 3, 1)
    assert sheet.freeze_panes == "A2"


def test_a_quarter_without_resolutions_shows_a_dash_for_its_rate():
    empty = {"total": 0, "closed": 0, "rate": None, "by_department": []}
    book = workbook(bulletin(resolutions=empty, by_county=[county("511011", "东兴区")], meeting=None))
    assert figures(book["专报摘要"])["办结率（%）"] == "—"
    assert figures(book["专报摘要"])["季度会商会议"] == "未召开"
    assert [row[-1] for row in book["分县（市、区）统计"].iter_rows(min_row=2, values_only=True)] == ["—", "—"]


def test_a_draft_is_marked_in_its_title_and_its_file_name():
    assert bulletin_filename(bulletin()) == "2025Q2_四川省内江市_困难会商季度专报.xlsx"
    draft = bulletin(status="draft", issued_on=None)
    sheet = workbook(draft)["专报摘要"]
    assert sheet["A5"].value == "内江市返乡创业企业困难会商季度通报（草稿）"
    assert sheet["A4"].value == "（未印发）"
    assert bulletin_filename(draft) == "2025Q2_四川省内江市_困难会商季度专报（草稿）.xlsx"


def page(b: dict) -> str:
    return ENV.get_template("bulletin.html").render(
        b=b, head=bulletin_head(b), money=wan_yuan, yi=yi_yuan, xlsx_url="/consultation/2025Q2/bulletin.xlsx",
        actor=None, csrf_token="", path="/consultation/2025Q2/bulletin", notice=None)


def test_printable_page_reads_like_the_bulletin():
    html = page(bulletin())
    assert "内江市返乡创业工作专报" in html and "第 3 期（2025年第二季度）" in html
    assert "内江市返乡创业工作领导小组办公室" in html and "2025年7月3日" in html
    assert "内江市返乡创业企业困难会商季度通报" in html and "（草稿）" not in html
    assert "全市新增返乡创业人数 3 人，新增返乡创办企业 2 户，引进投资总额 150.00 万元，新增企业吸纳就业 35 人" in html
    assert "发放各类补贴 1.50 万元（2 笔），其中一次性创业补贴 1.00 万元" in html
    assert "发放创业担保贷款 10.00 万元（1 笔）" in html
    assert "反映困难问题 4 件，已解决 1 件；列入季度会商议题 3 件，其中 2 件尚未办结、转入下季度继续办理" in html
    assert "2025年6月28日，张副市长主持召开" in html and "市人社局、市财政局等部门参加" in html
    assert "会商交办事项 3 件，已办结 1 件，办结率 33.3%" in html
    assert "<td>东兴区</td>" in html and "<td>市人力资源和社会保障局</td>" in html
    assert "抄送：" in html
    assert "data-print" in html and 'href="/consultation/2025Q2/bulletin.xlsx"' in html
    assert "bulletin.css" in html and "<style" not in html and "onclick" not in html  # the pages' CSP
    assert "@media print" in (Path(__file__).parents[2] / "services/gateway/web/static/bulletin.css").read_text()


def test_page_states_large_investment_in_yi_yuan_and_marks_a_draft():
    large = bulletin(status="draft", issued_on=None,
                     enterprises={"new": 155, "investment_fen": 275_500_000_000, "jobs": 3643})
    html = page(large)
    assert "引进投资总额 27.55 亿元" in html
    assert "（草稿）" in html and "（未印发）" in html


def test_a_corrected_bulletin_says_so_with_its_date_and_its_first_issue():
    html = page(bulletin(revision=2, revisions=[
        {"revision": 1, "issued_on": "2025-07-03", "note": ""},
        {"revision": 2, "issued_on": "2025-07-20", "note": "依据本季度结束后收到的数据重新统计"}]))
    assert "更正（2025-07-20，第 2 版）：依据本季度结束后收到的数据重新统计" in html
    assert "首次印发于 2025-07-03" in html
    assert "更正（" not in page(bulletin(revision=1, revisions=[{"revision": 1, "issued_on": "2025-07-03",
                                                                 "note": ""}]))


def test_an_issued_copy_is_corrected_only_when_a_figure_it_holds_changes():
    from services.consultation.handlers.issued import same_figures

    issued = {"difficulties": {"raised": 3}, "issue_no": 1}
    assert same_figures(issued, {**issued, "beside": {"rows": []}})  # a part added since is no correction
    assert not same_figures(issued, {**issued, "difficulties": {"raised": 4}})
    assert not same_figures(issued, {"difficulties": {"raised": 3}})
