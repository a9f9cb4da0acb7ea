"""Form posts to the registry's contracts and back: the values to keep, a message beside each field."""

from __future__ import annotations

import datetime as dt
import re

from werkzeug.datastructures import MultiDict

from shared.contracts.registry import LIAISON_NAMES
from shared.errors import DomainError

FORM_LEVEL = "_form"
MAX_ROWS = 20
TRAILING_INDEX = re.compile(r"\.\d+$")
LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")

ENTREPRENEUR_LABELS = {
    "name": "姓名", "id_number": "身份证号码", "phone": "手机号码",
    "household_region_code": "户籍所在地", "region_code": "现居住/创业所在地",
    "return_date": "返乡日期", "previous_work_place": "外出务工地", "previous_occupation": "原从事工种",
    "education": "文化程度", "skills": "技能", "categories": "人员类别",
    "certificates": "职业资格证书", "certificates.*.name": "证书名称",
    "certificates.*.level": "等级", "certificates.*.issued_on": "发证日期",
}
ENTERPRISE_LABELS = {
    "name": "经营主体名称", "kind": "类型", "credit_code": "统一社会信用代码", "industry": "所属行业",
    "region_code": "经营所在地", "founded_on": "成立日期", "investment_yuan": "投资额（元）",
    "headcount": "从业人数", "poverty_hires": "其中脱贫人口",
}
HEADCOUNT_LABELS = {"quarter": "季度", "headcount": "从业人数", "poverty_hires": "其中脱贫人口",
                    "new_hires": "本季度新增用工"}
LIAISON_LABELS = {"liaisons": "一企一专班", "liaisons.*.name": "姓名", "liaisons.*.phone": "手机号码",
                  "liaisons.*.organisation": "所在单位", "liaisons.*.level": "层级"}
LOGIN_LABELS = {"username": "用户名", "password": "密码"}
SIGNUP_LABELS = {"phone": "手机号码", "display_name": "姓名", "password": "密码",
                 "password_confirm": "确认密码"}

ENTREPRENEUR_FIELDS = ("name", "id_number", "phone", "household_region_code", "region_code",
                       "return_date", "previous_work_place", "previous_occupation", "education")
CERTIFICATE_KEYS = ("name", "level", "issued_on")
LIAISON_KEYS = ("name", "phone", "organisation", "level")


def filled(form, names, prefix: str = "") -> dict:
    """The non-blank values; a blank one is left out so that a required field says 此项必填."""
    return {name: value for name in names if (value := form.get(prefix + name, "").strip())}


def numbered_rows(form, prefix: str, keys) -> tuple[list[dict], list[str]]:
    """Rows posted as `prefix.N.key`, blank ones dropped, with the N of each row kept."""
    kept = [(n, filled(form, keys, f"{prefix}.{n}.")) for n in _numbers(form, prefix)]
    kept = [(n, row) for n, row in kept if row]
    return [row for _, row in kept], [n for n, _ in kept]


def split_list(text: str) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(text.strip()) if part]


def entrepreneur_data(form) -> tuple[dict, dict]:
    """The EntrepreneurCreate body, and where each certificate row sits in the form."""
    certificates, positions = numbered_rows(form, "certificates", CERTIFICATE_KEYS)
    data = {**filled(form, ENTREPRENEUR_FIELDS), "skills": split_list(form.get("skills", "")),
            "certificates": certificates, "categories": form.getlist("categories")}
    return data, {"certificates": positions}


def liaisons_data(form) -> tuple[dict, dict]:
    """The LiaisonsAssign body from one row per kind; rows left blank are not sent."""
    rows = [{"kind": kind, **row} for kind in LIAISON_NAMES
            if (row := filled(form, LIAISON_KEYS, f"liaisons.{kind}."))]
    return {"liaisons": rows}, {"liaisons": [row["kind"] for row in rows]}


def liaison_values(liaisons: list[dict]) -> MultiDict:
    return MultiDict({f"liaisons.{item['kind']}.{key}": item.get(key) or ""
                      for item in liaisons for key in LIAISON_KEYS})


def messages(error: DomainError, positions: dict | None = None) -> dict[str, str]:
    """Form field -> Chinese message; what belongs to no field of the form goes under FORM_LEVEL."""
    details = error.details if isinstance(error.details, list) else [error.as_dict()]
    found: dict[str, str] = {}
    for item in details:
        found.setdefault(form_field(item.get("field"), positions or {}), item["message"])
    return found


def form_field(field: str | None, positions: dict) -> str:
    """`certificates.0.level` of the body is `certificates.<row in the form>.level`."""
    if not field:
        return FORM_LEVEL
    parts = field.split(".")
    rows = positions.get(parts[0], [])
    if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
        parts[1] = rows[int(parts[1])]
    return TRAILING_INDEX.sub("", ".".join(parts))


def label_of(field: str, labels: dict) -> str:
    parts = field.split(".")
    if len(parts) != 3:
        return labels.get(field, "")
    group, row, key = parts
    which = f"第{int(row) + 1}项" if row.isdigit() else LIAISON_NAMES.get(row, row)
    return f"{labels.get(group, '')}（{which}）{labels.get(f'{group}.*.{key}', key)}"


def summary(errors: dict[str, str], labels: dict) -> list[tuple[str, str, str]]:
    """(anchor, label, message) for the list above a form, so a phone user finds every problem."""
    return [(field_id(field) if field != FORM_LEVEL else "", label_of(field, labels), message)
            for field, message in errors.items()]


def field_id(name: str) -> str:
    return "f-" + name.replace(".", "-")


def recent_quarters(today: dt.date, count: int = 4) -> list[str]:
    """This quarter and the ones before it, newest first, as 2026Q1."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    quarters = []
    for _ in range(count):
        quarters.append(f"{year}Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return quarters


def row_numbers(values, prefix: str) -> list[str]:
    """The row numbers a form posted (or one empty row), so a re-rendered form keeps its rows."""
    return _numbers(values, prefix) or ["0"]


def _numbers(form, prefix: str) -> list[str]:
    pattern = re.compile(rf"{re.escape(prefix)}\.(\d+)\.\w+")
    numbers = sorted({int(m[1]) for key in form.keys() if (m := pattern.fullmatch(key))})
    return [str(n) for n in numbers[:MAX_ROWS]]
