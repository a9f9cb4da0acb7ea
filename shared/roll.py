"""The office's returnee roll (返乡创业人员台账), read from the spreadsheet it already keeps.

One row per person: name, resident ID, phone, household and current place, return date, previous
place and occupation, education, category, and the enterprise (name, credit code, kind, industry,
investment, jobs, founded) with its finance liaison. Headers are Chinese and vary from office to
office (`HEADERS` lists what each column may be called); the usual mess is tolerated (spaces,
full-width digits and letters, dates typed as text, title rows merged above the header), and what is
really wrong is refused row by row, by the registration forms' own rules (the contracts), each with
its line, its column as the file names it, and the rule.

Plain Python: the gateway reads an upload with it, `guiyan import` the same file, the tests their
own rolls. `TEMPLATE` is the layout offered for download.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from shared import regions
from shared.actors import programme_city
from shared.contracts.registry import (
    CATEGORY_NAMES,
    EDUCATION_NAMES,
    ENTERPRISE_KIND_NAMES,
    EnterpriseCreate,
    EntrepreneurCreate,
    LiaisonsAssign,
)
from shared.errors import DomainError, InvalidInput
from shared.identity import check_credit_code
from shared.validation import parse

MAX_ROWS = 200_000

# field -> the names a column may carry (the first is the template's)
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "创业者姓名", "返乡人员姓名"),
    "id_number": ("身份证号码", "身份证号", "公民身份号码", "身份证"),
    "gender": ("性别",),
    "phone": ("联系电话", "手机号码", "手机号", "电话"),
    "household_region": ("户籍所在地", "户籍地址", "户籍地"),
    "region": ("现居住/创业所在地", "所在乡镇（村）", "所在乡镇", "乡镇（街道）", "乡镇", "现居住地"),
    "return_date": ("返乡时间", "返乡日期"),
    "previous_work_place": ("外出务工地", "原务工地点", "务工地点"),
    "previous_occupation": ("原从事工种", "原从事行业", "原工种"),
    "education": ("文化程度", "学历"),
    "categories": ("人员类别", "人员类型", "类别"),
    "skills": ("技能", "专业技能"),
    "enterprise_name": ("经营主体名称", "企业名称", "创办实体名称"),
    "credit_code": ("统一社会信用代码", "信用代码"),
    "kind": ("经营主体类型", "主体类型", "企业类型"),
    "industry": ("所属行业", "行业"),
    "enterprise_region": ("经营所在地", "经营地址"),
    "founded_on": ("成立日期", "成立时间", "注册日期"),
    "investment_yuan": ("投资额（元）", "投资额(元)", "投资金额（元）"),
    "investment_wan": ("投资额（万元）", "投资额(万元)", "投资金额（万元）", "投资额"),
    "headcount": ("从业人数", "带动就业人数", "吸纳就业人数", "用工人数"),
    "poverty_hires": ("其中脱贫人口", "脱贫人口用工", "吸纳脱贫人口"),
    "finance_liaison": ("金融联络员",),
    "finance_liaison_phone": ("金融联络员电话", "金融联络员手机"),
    "finance_liaison_organisation": ("金融联络员单位",),
}
HEADER_FIELD = {unicodedata.normalize("NFKC", name).replace(" ", ""): key
                for key, names in HEADERS.items() for name in names}
REQUIRED = ("name", "id_number", "phone", "region")
PERSON_COLUMNS = ("name", "id_number", "phone", "household_region", "region", "return_date",
                  "previous_work_place", "previous_occupation", "education", "categories", "skills")
ENTERPRISE_COLUMNS = ("enterprise_name", "credit_code", "kind", "industry", "enterprise_region", "founded_on",
                      "investment_yuan", "investment_wan", "headcount", "poverty_hires")
TEMPLATE = [HEADERS[key][0] for key in (
    "name", "id_number", "gender", "phone", "household_region", "region", "return_date", "previous_work_place",
    "previous_occupation", "education", "categories", "skills", "enterprise_name", "credit_code", "kind",
    "industry", "founded_on", "investment_wan", "headcount", "poverty_hires", "finance_liaison",
    "finance_liaison_phone", "finance_liaison_organisation")]
TEMPLATE_EXAMPLE = ["陈秀英", "511011199003074525", "女", "13800001234", "内江市东兴区双才镇", "双才镇大佛村",
                    "2024-03-01", "广东省东莞市", "电子厂装配工", "高中", "返乡农民工", "柑橘种植",
                    "东兴区秀英柑橘专业合作社", "93511011MA6CQ8R50B", "农民专业合作社", "种植业", "2024-06-18",
                    "50", "12", "2", "周金融", "13900000001", "东兴区农商银行双才支行"]

# what the file's words mean (names as the interface shows them, and the usual variants)
EDUCATION_CODES = {**{name: code for code, name in EDUCATION_NAMES.items()},
                   "中专": "vocational", "技校": "vocational", "中职": "vocational", "大学本科": "bachelor",
                   "专科": "college", "硕士": "postgraduate", "博士": "postgraduate", "初中及以下": "junior_high"}
CATEGORY_CODES = {**{name: code for code, name in CATEGORY_NAMES.items()},
                  "农民工": "returnee_migrant_worker", "返乡农民工": "returnee_migrant_worker",
                  "大学生": "graduate", "退役士兵": "discharged_soldier", "脱贫户": "lifted_out_of_poverty",
                  "脱贫劳动力": "lifted_out_of_poverty"}
KIND_CODES = {**{name: code for code, name in ENTERPRISE_KIND_NAMES.items()},
              "合作社": "cooperative", "专业合作社": "cooperative", "个体户": "individual_business",
              "小微企业": "small_micro", "企业": "small_micro", "公司": "small_micro", "有限公司": "small_micro"}
SEPARATORS = re.compile(r"[、,，;；/\s]+")
DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?$")


@dataclass
class RollRow:
    """One person's line of the roll: what the registry is asked to register, or why not."""

    line: int
    entrepreneur: dict | None = None
    enterprise: dict | None = None
    liaisons: dict | None = None
    errors: list[dict] = field(default_factory=list)

    def refuse(self, column: str, code: str, message: str) -> None:
        self.errors.append({"line": self.line, "column": column, "code": code, "message": message})


# ---- reading the file ------------------------------------------------------------------------------


def cells(file_name: str, data: bytes) -> Iterator[tuple[int, list]]:
    """(line, cell values) of the sheet, from .xlsx or .csv (UTF-8, with or without BOM, or GBK as
    Excel in China saves it)."""
    name = file_name.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook  # only an upload needs it

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # a damaged or mislabelled file: openpyxl raises many kinds
            raise InvalidInput("file_unreadable", "file", "无法读取该Excel文件，请另存为.xlsx或.csv后重试") from exc
        sheet = book.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(row)
        book.close()
        return
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InvalidInput("file_encoding", "file", "无法识别文件编码，请保存为UTF-8编码的.csv")
        for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            yield line, row
        return
    raise InvalidInput("file_type", "file", "只能导入.xlsx或.csv文件（可下载模板）")


def clean(value) -> str:
    """A cell as text: full-width digits and letters made plain, spaces gone at the ends (and inside
    codes, where the caller asks), Excel's dates as YYYY-MM-DD and its whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def read(file_name: str, data: bytes, city: str | None = None) -> tuple[dict[str, str], list[RollRow]]:
    """The columns found (field -> the file's header) and every data row, checked."""
    headers, chunks = open_roll(file_name, data, city=city)
    return headers, [row for chunk in chunks for row in chunk]


def open_roll(file_name: str, data: bytes, chunk: int = 2000,
              city: str | None = None) -> tuple[dict[str, str], Iterator[list[RollRow]]]:
    """The columns found and the data rows, checked `chunk` at a time as they are asked for, so that
    what was checked can be handed on while the rest is checked. What makes the whole file unusable
    (its type, encoding, header, too many rows) is refused here, before any row. Places named in words
    are looked for in `city` (the importing office's; the programme city's by default)."""
    lines = list(cells(file_name, data))
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    start = 0
    while start < len(lines) and not columns:  # the header: the first row naming the required columns
        values = lines[start][1]
        start += 1
        found = {i: HEADER_FIELD[key] for i, value in enumerate(values)
                 if (key := clean(value).replace(" ", "")) in HEADER_FIELD}
        if set(REQUIRED) <= set(found.values()):
            columns = found
            headers = {field_: clean(values[i]) for i, field_ in found.items()}
    if not columns:
        missing = "、".join(HEADERS[key][0] for key in REQUIRED)
        raise InvalidInput("header_not_found", "file", f"没有找到表头：表头须包含 {missing} 等列（可下载模板对照）")
    data_lines = []
    for line, values in lines[start:]:
        raw = {key: clean(values[i]) if i < len(values) else "" for i, key in columns.items()}
        if any(raw.values()):  # blank lines between blocks are left out
            data_lines.append((line, raw))
    if len(data_lines) > MAX_ROWS:
        raise InvalidInput("too_many_rows", "file", f"一次最多导入{MAX_ROWS:,}行，请分成几个文件")
    return headers, _checked_chunks(data_lines, headers, chunk, city)


def _checked_chunks(data_lines: list[tuple[int, dict]], headers: dict[str, str], size: int,
                    city: str | None) -> Iterator[list[RollRow]]:
    people: dict[str, int] = {}
    firms: dict[str, int] = {}
    for begin in range(0, len(data_lines), size):
        checked = []
        for line, raw in data_lines[begin:begin + size]:
            row = check(line, raw, headers, city)
            _twins(row, people, firms, headers)
            checked.append(row)
        yield checked


def _twins(row: RollRow, people: dict[str, int], firms: dict[str, int], headers: dict[str, str]) -> None:
    """A person on two lines is refused the second time; so is an enterprise's credit code."""
    if row.entrepreneur:
        number = row.entrepreneur["id_number"]
        if number in people:
            row.refuse(headers["id_number"], "id_number_repeated", f"与第{people[number]}行的身份证号码重复")
        else:
            people[number] = row.line
    if row.enterprise:
        code = row.enterprise["credit_code"]
        if code in firms:
            row.refuse(headers.get("credit_code", "统一社会信用代码"), "credit_code_repeated",
                       f"与第{firms[code]}行的统一社会信用代码重复")
        else:
            firms[code] = row.line
    if row.errors:
        row.entrepreneur = row.enterprise = row.liaisons = None


# ---- one row ---------------------------------------------------------------------------------------


def region_code(text: str, column: str, row: RollRow, headers: dict[str, str], city: str | None) -> str | None:
    """A place named as the office writes it (双才镇, 东兴区双才镇, 内江市东兴区双才镇大佛村) or by its code."""
    digits = text.replace(" ", "")
    if digits.isdigit():
        return digits
    found = place_code(digits, city)
    if found is None:
        row.refuse(headers.get(column, column), "region_unknown", f"“{text}”不是本市已知的乡镇或村，请写明区县、乡镇（村）名称")
    return found


def place_code(text: str, city: str | None = None) -> str | None:
    """The code of a place in the city named in words, whole or from its county, township or village down
    (the programme city's when no city is given)."""
    places = _places(regions.normalize(city or programme_city()))
    if text in places:
        return places[text]
    ends = [(len(name), code) for name, code in places.items() if text.endswith(name)]
    return max(ends)[1] if ends else None


@functools.lru_cache(maxsize=4)  # a few cities' offices importing at once; a province's list is too large
def _places(city: str) -> dict[str, str]:
    """Every division of the city by its names: alone (when only one has it), and after its parents."""
    known = regions.local_regions()
    inside = dict(known.under(city))
    counts = Counter(inside.values())
    places: dict[str, str] = {}
    for code, name in inside.items():
        chain = [known.get(part, "") for part in regions.ancestors(code)]
        for start in range(len(chain)):
            places["".join(chain[start:])] = code
        if counts[name] > 1:
            places.pop(name, None)
    return places


def as_date(text: str) -> str:
    """2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301, or a month (2024年3月: its first day)."""
    compact = text.replace(" ", "")
    if re.fullmatch(r"\d{8}", compact):
        return f"{compact[:4]}-{compact[4:6]}-{compact[6:]}"
    match = DATE.match(compact)
    if match:
        return f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3] or 1):02d}"
    return text  # left for the form's rule to refuse, with its own message


def check(line: int, raw: dict[str, str], headers: dict[str, str], city: str | None = None) -> RollRow:
    row = RollRow(line)
    column = lambda key: headers.get(key, HEADERS[key][0])  # noqa: E731
    person = {
        "name": re.sub(r"\s+", "", raw.get("name", "")), "id_number": raw.get("id_number", "").replace(" ", "").upper(),
        "phone": re.sub(r"[\s-]", "", raw.get("phone", "")),
        "previous_work_place": raw.get("previous_work_place", ""),
        "previous_occupation": raw.get("previous_occupation", ""),
        "skills": [s for s in SEPARATORS.split(raw.get("skills", "")) if s],
        "education": EDUCATION_CODES.get(raw.get("education", ""), raw.get("education", "")) or "junior_high",
        "categories": [CATEGORY_CODES.get(c, c) for c in SEPARATORS.split(raw.get("categories", "")) if c]
        or ["returnee_migrant_worker"],
    }
    if raw.get("return_date"):
        person["return_date"] = as_date(raw["return_date"])
    home = region_code(raw.get("region", ""), "region", row, headers, city) if raw.get("region") else None
    household = region_code(raw["household_region"], "household_region", row, headers, city) \
        if raw.get("household_region") else home
    person.update(region_code=home or "", household_region_code=household or "")
    row.entrepreneur = _checked(row, EntrepreneurCreate, person, {
        "name": column("name"), "id_number": column("id_number"), "phone": column("phone"),
        "region_code": column("region"), "household_region_code": column("household_region"),
        "return_date": column("return_date"), "education": column("education"), "categories": column("categories"),
        "previous_work_place": column("previous_work_place"), "previous_occupation": column("previous_occupation"),
        "skills": column("skills")})
    if any(raw.get(key) for key in ENTERPRISE_COLUMNS):
        row.enterprise = _enterprise(row, raw, column, headers, home, city)
        if raw.get("finance_liaison") and row.enterprise:
            # the liaison's unit is at the enterprise's township, or at its county when it sits there
            place = row.enterprise["region_code"]
            level = "township" if regions.level_of(place) in ("township", "village") else "county"
            row.liaisons = _checked(row, LiaisonsAssign, {"liaisons": [{
                "kind": "finance", "name": raw["finance_liaison"], "level": level,
                "phone": re.sub(r"[\s-]", "", raw.get("finance_liaison_phone", "")),
                "organisation": raw.get("finance_liaison_organisation", "") or "金融机构"}]},
                {"liaisons": column("finance_liaison")})
    if row.errors:
        row.entrepreneur = row.enterprise = row.liaisons = None
    return row


def _enterprise(row: RollRow, raw: dict[str, str], column, headers: dict[str, str], home: str | None,
                city: str | None) -> dict | None:
    investment = raw.get("investment_yuan", "")
    if not investment and raw.get("investment_wan"):
        try:
            investment = str(Decimal(raw["investment_wan"].replace(",", "").removesuffix("万")) * 10000)
        except InvalidOperation:
            investment = raw["investment_wan"]
    place = region_code(raw["enterprise_region"], "enterprise_region", row, headers, city) \
        if raw.get("enterprise_region") else home
    headcount = raw.get("headcount") or "0"
    firm = {
        "name": raw.get("enterprise_name", ""), "credit_code": raw.get("credit_code", "").replace(" ", "").upper(),
        "kind": KIND_CODES.get(raw.get("kind", ""), raw.get("kind", "")) or "small_micro",
        "industry": raw.get("industry", ""), "region_code": place or "",
        "founded_on": as_date(raw.get("founded_on", "")),
        "investment_yuan": investment.replace(",", "") or "0", "headcount": headcount,
        "poverty_hires": raw.get("poverty_hires") or "0",
    }
    code_column = column("credit_code")
    try:
        firm["credit_code"] = check_credit_code(firm["credit_code"])
    except DomainError as exc:
        row.refuse(code_column, exc.code, exc.message)
    return _checked(row, EnterpriseCreate, firm, {
        "name": column("enterprise_name"), "credit_code": column("credit_code"), "kind": column("kind"),
        "industry": column("industry"), "region_code": column("enterprise_region"), "founded_on": column("founded_on"),
        "investment_yuan": headers.get("investment_yuan") or headers.get("investment_wan", "投资额"),
        "headcount": column("headcount"), "poverty_hires": column("poverty_hires")})


def _checked(row: RollRow, model, data: dict, columns: dict[str, str]) -> dict | None:
    """`data` by the contract's rules, or each of its errors on the row, named by the file's column."""
    try:
        return parse(model, data).model_dump(mode="json")
    except DomainError as exc:
        details = exc.details if isinstance(exc.details, list) else [exc.as_dict()]
        refused = {error["column"] for error in row.errors}  # said once: an unknown place is not also a bad code
        for item in details:
            key = (item.get("field") or "").split(".")[0]
            if columns.get(key, key) not in refused:
                row.refuse(columns.get(key, key), item["code"], item["message"])
        return None
