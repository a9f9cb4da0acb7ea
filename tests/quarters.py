"""When the tests happen: quarters as values, and a book that hands each module quarters of its own.

All e2e modules share one stack, and a quarter belongs to the whole programme: the consultation of
2025Q2 or the interest subsidy of 2023Q4 exists once for everybody. So a module does not pick a
quarter by hand; it asks the book (the `quarters` fixture), which never hands one out twice:

- `current` and `last`: the programme clock's quarters, read freely ("the quarter just over" of a
  headcount report);
- `now(owner)`: the current quarter, for the one module that opens it on the real day;
- `story(owner, season=…, span=…)`: the earliest `span` quarters from one of that season whose story,
  from the quarter before them to the one after, lies between `earliest` and today: the same
  quarters in every run;
- `spare(owner)`: a past quarter before every story, for a test that only needs one of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from shared import clock
from shared.quarters import quarter_bounds, quarter_of


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def code(self) -> str:
        return quarter_of(self.first)

    def __str__(self) -> str:
        return self.code

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> dt.date:
        return quarter_bounds(self.code)[1]

    def day(self, month: int, day: int) -> dt.date:
        """The `day` of the quarter's `month` (1 to 3)."""
        return dt.date(self.year, 3 * self.number - 3 + month, day)

    def shifted(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    @property
    def next(self) -> Quarter:
        return self.shifted(1)

    @property
    def previous(self) -> Quarter:
        return self.shifted(-1)


def programme_day(stack) -> dt.date:
    """The services' today: the day the stack lives on while a test moves it, else the real one."""
    moved = stack.clock_file.read_text().strip()
    return dt.date.fromisoformat(moved) if moved else clock.today()


class QuarterTaken(LookupError):
    pass


class QuarterBook:
    """Quarters for the modules of one run, each held by one owner (a module's name)."""

    def __init__(self, today: Callable[[], dt.date], *, earliest: dt.date):
        self.today = today
        self.earliest = earliest  # no story moves the day before it
        self.holders: dict[Quarter, str] = {}

    @property
    def current(self) -> Quarter:
        return Quarter.of(self.today())

    @property
    def last(self) -> Quarter:
        return self.current.previous

    def now(self, owner: str) -> Quarter:
        return self._take(owner, self.current)

    def story(self, owner: str, *, season: int, span: int = 1) -> Quarter:
        start = Quarter.of(self.earliest)
        while start.shifted(span).last < self.today():
            if start.number == season and start.previous.first >= self.earliest and not any(
                    start.shifted(i) in self.holders for i in range(span)):
                return self._take(owner, *(start.shifted(i) for i in range(span)))
            start = start.next
        raise QuarterTaken(f"{owner}: no free Q{season} with {span - 1} after it between {self.earliest} and today")

    def spare(self, owner: str) -> Quarter:
        quarter = Quarter.of(self.earliest).previous
        while quarter in self.holders:
            quarter = quarter.previous
        return self._take(owner, quarter)

    def _take(self, owner: str, first: Quarter, *more: Quarter) -> Quarter:
        for quarter in (first, *more):
            if self.holders.get(quarter, owner) != owner:
                raise QuarterTaken(f"{owner}: {quarter} is {self.holders[quarter]}'s")
        self.holders.update(dict.fromkeys((first, *more), owner))
        return first
