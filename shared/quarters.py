"""Quarters written like 2026Q3: parsed strictly, with the first and last day of each."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated

from pydantic import StringConstraints

from shared.errors import InvalidInput

QUARTER = re.compile(r"([0-9]{4})Q([1-4])")  # ASCII digits only: not the full-width ones \d admits
QuarterCode = Annotated[str, StringConstraints(pattern=rf"^{QUARTER.pattern}$")]
"""A quarter in a request model: the one spelling the API, the pages and the services accept."""


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of the quarter; anything but four digits, Q and 1-4 is refused."""
    match = QUARTER.fullmatch(quarter or "")
    if match is None or int(match[1]) < 1:
        raise InvalidInput("quarter_format", "quarter", "季度格式应为如 2026Q3")
    year, number = int(match[1]), int(match[2])
    last_month = 3 * number
    return (dt.date(year, last_month - 2, 1),
            dt.date(year, last_month, calendar.monthrange(year, last_month)[1]))


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"
