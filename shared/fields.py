"""Request fields read as a bank's system reads them: yuan, dates, yes/no and human text, nothing loose.

Each refusal is a `PydanticCustomError` marked `domain`, so `shared.validation.parse` reports it as
`{"code", "field", "message"}` like every other rule.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from shared import clock

FOUNDING = dt.date(1949, 10, 1)  # nothing the programme records (an enterprise, a return) is older
PROGRAMME_START = dt.date(2000, 1, 1)  # payments, contracts, hires, meetings: the programme's own era
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LINE_BREAKS = frozenset("\t\n\r")
HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # control, format (zero-width, bidi), surrogates, separators


def refusal(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message, {"domain": True})


# ---- amounts ------------------------------------------------------------------------------------


def plain_decimal(integer_digits: int, code: str, message: str, **bounds: Any) -> Any:
    """A JSON number or a string of ASCII digits with at most two decimals: no sign, exponent or padding.

    `bounds` (gt, ge, le) are checked on the number; the JSON schema says the same.
    """
    pattern = rf"^[0-9]{{1,{integer_digits}}}(\.[0-9]{{1,2}})?$"

    def read(value: Any) -> Decimal:
        text = _decimal_text(value)
        if text is None or not re.fullmatch(pattern, text):
            raise refusal(code, message)
        return Decimal(text)

    number = {"type": "number", **{JSON_BOUNDS[name]: float(limit) for name, limit in bounds.items()}}
    schema = {"anyOf": [number, {"type": "string", "pattern": pattern}], "description": message}
    return Annotated[Decimal, Field(**bounds), BeforeValidator(read), WithJsonSchema(schema)]


JSON_BOUNDS = {"gt": "exclusiveMinimum", "ge": "minimum", "le": "maximum"}


def _decimal_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    return None


def money(**bounds: Any) -> Any:
    """Yuan: up to 13 digits and 2 decimals, within `bounds` (gt, ge, le)."""
    return plain_decimal(13, "money_format", "金额应为数字，最多两位小数，如 1234.50", **bounds)


def percent(**bounds: Any) -> Any:
    return plain_decimal(3, "percent_format", "百分比应为数字，最多两位小数，如 95.50", **bounds)


# ---- dates --------------------------------------------------------------------------------------


def _iso_day(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        raise refusal("date_format", "日期应写作“年-月-日”，如 2025-06-01")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise refusal("date_invalid", "没有这一天，请核对月份和日期") from None


def day(*, since: dt.date = PROGRAMME_START, ahead_days: int = 0) -> Any:
    """A date written YYYY-MM-DD, not before `since` nor more than `ahead_days` after the programme's today."""

    def within(value: dt.date) -> dt.date:
        if value < since:
            raise refusal("date_too_early", f"日期不能早于{chinese_date(since)}")
        latest = clock.today() + dt.timedelta(days=ahead_days)
        if value > latest:
            if ahead_days == 0:
                raise refusal("date_in_future", "日期不能晚于今天")
            raise refusal("date_too_late", f"日期不能晚于{chinese_date(latest)}")
        return value

    return Annotated[dt.date, BeforeValidator(_iso_day), AfterValidator(within)]


def chinese_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


# ---- yes/no -------------------------------------------------------------------------------------


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise refusal("not_boolean", "应为 true 或 false")


Flag = Annotated[bool, BeforeValidator(_flag)]  # a yes/no in a query string (a JSON body uses StrictBool)


# ---- text ---------------------------------------------------------------------------------------


class _Paragraph(str):
    """Text already checked as a paragraph: tabs and line breaks may stay in it."""


def check_text(value: str, allowed: frozenset[str] = frozenset()) -> str:
    """Refuse control and invisible format characters (zero-width, bidirectional overrides, NUL…)."""
    if value.isprintable():  # no character of HIDDEN's categories: the usual case, looked at in C
        return value
    for position, char in enumerate(value, 1):
        if char not in allowed and unicodedata.category(char) in HIDDEN:
            raise refusal("text_control_character",
                          f"第{position}个字符是不可见的控制字符（U+{ord(char):04X}），请删除后重新填写")
    return value


def _paragraph(value: str) -> str:
    return _Paragraph(check_text(value, LINE_BREAKS))


def paragraph(*, min_length: int = 0, max_length: int) -> Any:
    """Free text over several lines (a description, minutes, a reason): line breaks are kept."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
                     AfterValidator(_paragraph)]


def _plain(value: Any) -> Any:
    if isinstance(value, _Paragraph):
        return str(value)
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class Model(BaseModel):
    """Base of every model: its validator is built when it is first used, not at import (issue 14's
    memory at rest: a process holds only the schemas it has served, 2 MB less in each). The frozen
    ones (events, actors) say `defer_build` in their own configuration."""

    model_config = ConfigDict(defer_build=True)


class Strict(Model):
    """Every request model: unknown fields refused, text trimmed and free of hidden characters.

    A single-line text (a name, a title, an address) may not hold even a line break; a field typed
    `paragraph(...)` may hold line breaks and tabs, nothing else hidden.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_hidden_characters(cls, value: Any) -> Any:
        return _plain(value)


class Paged(Strict):
    """A list query: which page, of how many rows (the same bounds for every list)."""

    page: int = Field(default=1, ge=1, le=10000)
    per_page: int = Field(default=20, ge=1, le=100)
