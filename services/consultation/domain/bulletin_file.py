"""The quarterly bulletin (季度返乡创业工作专报) as a workbook: summary, counties, lead departments."""

from __future__ import annotations

import base64
from decimal import Decimal
from io import BytesIO
from typing import TYPE_CHECKING

from services.consultation.domain.reports import rate
from shared.money import wan, wan_yuan, yi_yuan

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# openpyxl (about 8 MB) is imported by the functions that write a workbook, when one is asked for:
# a service process that never exports one does not carry it (issue 14's memory budget)

__all__ = ["wan", "wan_yuan", "yi_yuan"]  # the workbook's units, as the page shows them

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TENTH = Decimal("0.1")
NUMERALS = {"1": "一", "2": "二", "3": "三", "4": "四"}
MONEY = "#,##0.00"
COUNT = "#,##0"
RATE = "0.0"
NO_RATE = "—"  # a rate without any resolution to close

# header, width, number format; the values come from `_county_row` in the same order
COUNTY_COLUMNS = [
    ("县（市、区）", 16, None), ("新增返乡创业人数（人）", 12, COUNT), ("新增返乡创办企业（户）", 12, COUNT),
    ("引进投资（万元）", 14, MONEY), ("吸纳就业（人）", 10, COUNT), ("创业担保贷款（笔）", 10, COUNT),
    ("贷款金额（万元）", 14, MONEY), ("发放补贴（万元）", 14, MONEY), ("反映困难（件）", 10, COUNT),
    ("已解决（件）", 10, COUNT), ("交办事项（件）", 10, COUNT), ("已办结（件）", 10, COUNT),
    ("办结率（%）", 10, RATE),
]
DEPARTMENT_COLUMNS = [("牵头单位", 30, None), ("交办事项（件）", 12, COUNT), ("已办结（件）", 12, COUNT),
                      ("办结率（%）", 12, RATE)]
SUMMING = ("entrepreneurs", "enterprises", "investment_fen", "jobs", "loans_count", "loans_fen",
           "subsidies_fen", "raised", "resolved", "resolutions", "closed")


def issue_line(bulletin: dict) -> str:
    """第 3 期（2025年第二季度）: the quarters consulted so far number the bulletins."""
    name = quarter_name(bulletin["quarter"])
    if not bulletin.get("issue_no"):
        return name
    total = bulletin.get("issue_total") or bulletin["issue_no"]
    counted = f"（总第 {total} 期）" if total != bulletin["issue_no"] else ""
    return f"第 {bulletin['issue_no']} 期{counted}（{name}）"


def quarter_name(quarter: str) -> str:
    """2025Q2 -> 2025年第二季度."""
    return f"{quarter[:4]}年第{NUMERALS.get(quarter[5:], quarter[5:])}季度"


def date_name(iso: str | None) -> str:
    if not iso:
        return "（未印发）"
    year, month, day = iso.split("-")
    return f"{year}年{int(month)}月{int(day)}日"


def place_name(bulletin: dict) -> str:
    """The scope without the province every record shares: 四川省内江市 -> 内江市."""
    return bulletin["scope"]["region_name"].removeprefix("四川省")


def bulletin_head(bulletin: dict) -> dict:
    """The 专报's head in one wording for the workbook and the printable page."""
    return {"masthead": f"{place_name(bulletin)}返乡创业工作专报", "issue": issue_line(bulletin),
            "quarter": quarter_name(bulletin["quarter"]), "office": bulletin["office"],
            "date": date_name(bulletin["issued_on"]), "title": f"{place_name(bulletin)}返乡创业企业困难会商季度通报",
            "draft": "（草稿）" if bulletin["status"] == "draft" else "",
            "meeting_date": date_name(bulletin["meeting"]["held_on"]) if bulletin.get("meeting") else ""}


def headline(bulletin: dict) -> str:
    head = bulletin_head(bulletin)
    return head["title"] + head["draft"]


def bulletin_filename(bulletin: dict) -> str:
    mark = "（草稿）" if bulletin["status"] == "draft" else ""
    return f"{bulletin['quarter']}_{bulletin['scope']['region_name']}_困难会商季度专报{mark}.xlsx"


def bulletin_file(bulletin: dict) -> dict:
    """The workbook as a file that crosses RPC: its name, type and base64 content."""
    return {"filename": bulletin_filename(bulletin), "content_type": XLSX_TYPE,
            "content": base64.b64encode(bulletin_xlsx(bulletin)).decode()}


def bulletin_xlsx(bulletin: dict) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    _summary_sheet(book.active, bulletin)
    _county_sheet(book.create_sheet("分县（市、区）统计"), bulletin)
    _department_sheet(book.create_sheet("牵头单位办结率"), bulletin)
    if bulletin.get("beside"):
        _beside_sheet(book.create_sheet("本季度与今年以来"), bulletin["beside"])
    book.properties.title = headline(bulletin)
    book.properties.creator = bulletin["office"]
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _title_rows(bulletin: dict) -> list[str]:
    """The head of the 专报 as the printed ones have it: its issue number (第 N 期) and quarter."""
    period, head = bulletin["period"], bulletin_head(bulletin)
    return [head["masthead"], head["issue"], head["office"], head["date"], head["title"] + head["draft"],
            f"统计期间：{period['from']} 至 {period['to']}"]


def _summary_sheet(sheet: Worksheet, bulletin: dict) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.title = "专报摘要"
    for row, text in enumerate(_title_rows(bulletin), start=1):
        sheet.cell(row, 1, text).alignment = Alignment(horizontal="center")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A5"].font = Font(bold=True, size=13)
    top = len(_title_rows(bulletin)) + 2
    put_figures(sheet, top, _figures(bulletin))
    sheet.freeze_panes = sheet.cell(top + 1, 1)


def _figures(b: dict) -> list[tuple[str, object, str | None]]:
    ent, loans, subs, interest = b["enterprises"], b["loans"], b["subsidies"], b["interest_subsidies"]
    diff, res = b["difficulties"], b["resolutions"]
    rows = [
        ("新增返乡创业人数（人）", b["entrepreneurs"]["new"], COUNT),
        ("新增返乡创办企业（户）", ent["new"], COUNT),
        ("引进投资总额（万元）", wan(ent["investment_fen"]), MONEY),
        ("新增企业吸纳就业（人）", ent["jobs"], COUNT),
        ("发放创业担保贷款（笔）", loans["count"], COUNT),
        ("创业担保贷款金额（万元）", wan(loans["amount_fen"]), MONEY),
        ("发放各类补贴（笔）", subs["count"], COUNT),
        ("发放各类补贴金额（万元）", wan(subs["amount_fen"]), MONEY),
    ]
    for kind in subs["by_kind"]:
        rows += [(f"　其中：{kind['name']}（笔）", kind["count"], COUNT),
                 (f"　其中：{kind['name']}金额（万元）", wan(kind["amount_fen"]), MONEY)]
    rows += [
        ("发放贷款贴息（笔）", interest["count"], COUNT),
        ("贷款贴息金额（万元）", wan(interest["amount_fen"]), MONEY),
        ("企业反映困难问题（件）", diff["raised"], COUNT),
        ("已解决（件）", diff["resolved"], COUNT),
        ("列入季度会商议题（件）", diff["on_agenda"], COUNT),
        ("　其中：未办结转入下季度（件）", diff["carried_over"], COUNT),
        ("会商交办事项（件）", res["total"], COUNT),
        ("已办结（件）", res["closed"], COUNT),
        ("办结率（%）", _rate_value(res["rate"]), RATE),
    ]
    return rows + _meeting_rows(b["meeting"])


def _meeting_rows(meeting: dict | None) -> list[tuple[str, object, str | None]]:
    if not meeting:
        return [("季度会商会议", "未召开", None)]
    return [("季度会商会议日期", date_name(meeting["held_on"]), None), ("主持", meeting["chair"], None),
            ("参会部门", "、".join(meeting["departments"]), None)]


def _county_sheet(sheet: Worksheet, bulletin: dict) -> None:
    from openpyxl.styles import Font

    put_header(sheet, 1, COUNTY_COLUMNS)
    counties = bulletin["by_county"]
    rows = [_county_row(c) for c in counties] + [_county_row(_county_total(counties))]
    put_rows(sheet, 2, rows, COUNTY_COLUMNS)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"


def _county_total(counties: list[dict]) -> dict:
    total = {key: sum(c[key] for c in counties) for key in SUMMING}
    return {**total, "region_name": "合计", "rate": rate(total["closed"], total["resolutions"])}


def _county_row(c: dict) -> list:
    return [c["region_name"], c["entrepreneurs"], c["enterprises"], wan(c["investment_fen"]), c["jobs"],
            c["loans_count"], wan(c["loans_fen"]), wan(c["subsidies_fen"]), c["raised"], c["resolved"],
            c["resolutions"], c["closed"], _rate_value(c["rate"])]


def _department_sheet(sheet: Worksheet, bulletin: dict) -> None:
    from openpyxl.styles import Font

    put_header(sheet, 1, DEPARTMENT_COLUMNS)
    res = bulletin["resolutions"]
    rows = [[d["department"], d["total"], d["closed"], _rate_value(d["rate"])]
            for d in res["by_department"]]
    # a resolution may have more than one lead, so the whole is stated, not summed from the rows
    rows.append(["全部交办事项", res["total"], res["closed"], _rate_value(res["rate"])])
    put_rows(sheet, 2, rows, DEPARTMENT_COLUMNS)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def _beside_sheet(sheet: Worksheet, beside: dict) -> None:
    """The quarter's figures beside the year's to date (as printed: text, already in their units)."""
    columns = [("指标", 36, None), *((head, 22, None) for head in beside["heads"])]
    put_header(sheet, 1, columns)
    put_rows(sheet, 2, beside["rows"], columns)
    sheet.freeze_panes = "B2"


def put_figures(sheet: Worksheet, top: int, figures: list[tuple[str, object, str | None]]) -> None:
    """A bulletin's figures, one per row below a 指标 / 数值 header at `top`: (label, value, number format)."""
    put_header(sheet, top, [("指标", 44, None), ("数值", 22, None)])
    for offset, (label, value, number_format) in enumerate(figures, start=1):
        sheet.cell(top + offset, 1, label)
        put_value(sheet.cell(top + offset, 2), value, number_format)


def put_header(sheet: Worksheet, row: int, columns: list) -> None:
    from openpyxl.styles import Alignment, Font

    for column, (text, width, _) in enumerate(columns, start=1):
        cell = sheet.cell(row, column, text)
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = width


def put_rows(sheet: Worksheet, top: int, rows: list[list], columns: list) -> None:
    for offset, values in enumerate(rows):
        for column, (value, (_, _, number_format)) in enumerate(zip(values, columns, strict=True), 1):
            put_value(sheet.cell(top + offset, column), value, number_format)


def put_value(cell, value, number_format: str | None) -> None:
    from openpyxl.styles import Alignment

    cell.value = value
    if number_format and not isinstance(value, str):
        cell.number_format = number_format
        cell.alignment = Alignment(horizontal="right")


def _rate_value(text: str | None) -> Decimal | str:
    return NO_RATE if text is None else Decimal(text)
