"""A period's bulletin (今年以来, a half-year, a year) as a workbook: its figures, then one row for each
area below the region (those without activity with zeros), then the totals."""

from __future__ import annotations

import base64
from decimal import Decimal
from io import BytesIO
from typing import TYPE_CHECKING

from services.consultation.domain.bulletin_file import (
    COUNT,
    MONEY,
    XLSX_TYPE,
    put_figures,
    put_header,
    put_rows,
)
from services.consultation.domain.periods import COUNTED
from shared.money import wan

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

BELOW_HEADS = {"province": "市（州）", "city": "县（市、区）", "county": "乡镇（街道）", "township": "村（社区）"}
AREA_COLUMNS = [  # after the area's name; in the order of periods.COUNTED
    ("返乡创业人员（已核实，人）", 12, COUNT), ("返乡创办企业（已核实，户）", 12, COUNT), ("引进投资（万元）", 14, MONEY),
    ("吸纳就业（人）", 10, COUNT), ("创业担保贷款（笔）", 10, COUNT), ("贷款金额（万元）", 14, MONEY),
    ("发放补贴（万元）", 14, MONEY), ("反映困难（件）", 10, COUNT), ("上报县级（件）", 10, COUNT),
    ("上报市级（件）", 10, COUNT), ("已解决（件）", 10, COUNT), ("期末未办结（件）", 10, COUNT),
]
IN_WAN = {"investment_fen", "loans_fen", "subsidies_fen"}


def title(b: dict) -> str:
    return f"{b['place']}{b['period']['name']}返乡创业工作情况通报"


def figures(b: dict) -> list[tuple[str, object, str | None]]:
    """The bulletin's figures, labelled as printed (also the printable page's list)."""
    people, firms, loans, subs, interest, d = (b["returnees"], b["enterprises"], b["loans"], b["subsidies"],
                                               b["interest_subsidies"], b["difficulties"])
    rows: list[tuple[str, object, str | None]] = [("返乡创业人员（已核实，人）", people["verified"], COUNT)]
    rows += [(f"　其中：{c['name']}（人）", c["count"], COUNT) for c in people["by_category"]]
    rows += [("返乡创办企业（已核实，户）", firms["verified"], COUNT),
             ("引进投资总额（万元）", wan(firms["investment_fen"]), MONEY), ("吸纳就业（人）", firms["jobs"], COUNT),
             ("发放创业担保贷款（笔）", loans["count"], COUNT), ("贷款金额（万元）", wan(loans["amount_fen"]), MONEY),
             ("发放各类补贴（笔）", subs["count"], COUNT), ("补贴金额（万元）", wan(subs["amount_fen"]), MONEY)]
    rows += [(f"　其中：{k['name']}（万元）", wan(k["amount_fen"]), MONEY) for k in subs["by_kind"]]
    rows += [("拨付贷款贴息（笔）", interest["count"], COUNT), ("贴息金额（万元）", wan(interest["amount_fen"]), MONEY),
             ("企业反映困难问题（件）", d["raised"], COUNT), ("上报至县级（件）", d["reached_county"], COUNT),
             ("上报至市级（件）", d["reached_city"], COUNT), ("已解决（件）", d["resolved"], COUNT),
             ("期末尚未办结、结转（件）", d["carried_over"], COUNT)]
    return rows


def area_row(area: dict) -> list:
    return [area["region_name"], *(wan(area[name]) if name in IN_WAN else area[name] for name in COUNTED)]


def total_row(b: dict) -> dict:
    return {"region_name": "合计", **{name: sum(a[name] for a in b["by_area"]) for name in COUNTED}}


def shown(value) -> str:
    """A figure as the page prints it: 万元 with two decimals, counts with separators."""
    return f"{value:,.2f}" if isinstance(value, Decimal) else f"{value:,}" if isinstance(value, int) else str(value)


def printed(b: dict) -> dict:
    """The page's lines and table, worded and formatted as the workbook has them."""
    return {"figures": [[label, shown(value)] for label, value, _ in figures(b)],
            "head": [BELOW_HEADS.get(b["level"], "地区"), *(name for name, _, _ in AREA_COLUMNS)],
            "rows": [[shown(v) for v in area_row(a)] for a in [*b["by_area"], total_row(b)]]}


def side_by_side(quarter: dict, year: dict) -> dict:
    """The quarter's figures beside the year's to date, counted alike, as the quarter's bulletin shows them."""
    mine, theirs = figures(quarter), dict((label, value) for label, value, _ in figures(year))
    return {"heads": [quarter["period"]["name"], f"{year['period']['name']}（今年以来）"],
            "rows": [[label, shown(value), shown(theirs.get(label, 0))] for label, value, _ in mine
                     if not label.startswith("　")]}


def period_xlsx(b: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary: Worksheet = book.active
    summary.title = "通报摘要"
    for row, text in enumerate((title(b), f"{b['period']['from']}至{b['as_of']}", b["office"]), start=1):
        summary.cell(row, 1, text)
    summary["A1"].font = Font(bold=True, size=14)
    put_figures(summary, 5, figures(b))
    summary.cell(summary.max_row + 2, 1, b["distribution"])
    areas = book.create_sheet(f"分{BELOW_HEADS[b['level']]}统计")
    columns = [(BELOW_HEADS[b["level"]], 16, None), *AREA_COLUMNS]
    put_header(areas, 1, columns)
    put_rows(areas, 2, [area_row(a) for a in b["by_area"]] + [area_row(total_row(b))], columns)
    for cell in areas[areas.max_row]:
        cell.font = Font(bold=True)
    areas.freeze_panes = "B2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def period_file(b: dict) -> dict:
    name = f"{b['place']}_{b['period']['from'][:7]}至{b['period']['to'][:7]}_返乡创业工作通报.xlsx"
    return {"filename": name, "content_type": XLSX_TYPE, "content": base64.b64encode(period_xlsx(b)).decode()}
