"""Working days in China: public holidays and make-up working days (调休).

The schedule comes from chinese-calendar for the years it knows, and from an administrator's own
entries (`calendar_days`) for the days the State Council has published since. A year that neither
knows falls back to Monday–Friday, and says so in a warning instead of failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from chinese_calendar import constants

LIBRARY_YEARS = frozenset(day.year for day in constants.holidays)
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """`entries` are the administrator's days (True: a working day, False: a holiday)."""

    entries: Mapping[dt.date, bool] = field(default_factory=dict)
    published_years: frozenset[int] = frozenset()

    def knows(self, year: int) -> bool:
        return year in LIBRARY_YEARS or year in self.published_years

    def is_workday(self, day: dt.date) -> bool:
        if day in self.entries:
            return self.entries[day]
        if day.year in LIBRARY_YEARS:
            if day in constants.workdays:
                return True
            if day in constants.holidays:
                return False
        return day.weekday() < 5

    def add(self, start: dt.date, working_days: int) -> dt.date:
        """The day on which `working_days` full working days after `start` have passed."""
        day, left = start, working_days
        while left > 0:
            day += ONE_DAY
            if self.is_workday(day):
                left -= 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end is not later)."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_workday(day)
        return count

    def warnings(self, days: Iterable[dt.date]) -> list[str]:
        """For each year without a published schedule, what a person should know about the dates."""
        missing = sorted({day.year for day in days if not self.knows(day.year)})
        return [f"{year}年的法定节假日安排尚未录入，期限暂按周一至周五计算，请管理员录入后以实际安排为准"
                for year in missing]
