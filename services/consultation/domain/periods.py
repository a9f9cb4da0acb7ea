"""Bulletins for any run of months (今年以来 / 1至N月, a half-year, a year, a quarter) for a province,
a city or a county, counted as programme offices count them.

Plain Python over the facts: returnees count once verified (by category), enterprises once verified;
difficulties raised, reached the county, reached the city, resolved, and carried over at the period's
end; every area one level below the region is listed, those without activity with zeros.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable

from services.consultation.domain.convening import Fact
from shared import regions
from shared.contracts.finance import KIND_NAMES
from shared.contracts.registry import CATEGORY_NAMES
from shared.errors import InvalidInput

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
LEVELS = ("province", "city", "county", "township")  # the regions a bulletin is made for
BELOW = {"province": "city", "city": "county", "county": "township", "township": "village"}
# what a period's bulletin reads of each kind of fact's payload
FIELDS = {
    "people": {"entrepreneur_id": str, "region_code": str},
    "firms": {"enterprise_id": str, "region_code": str},
    "money": {"region_code": str, "kind": str, **dict.fromkeys(("principal_fen", "amount_fen", "subsidy_fen"), int)},
    "difficulties": {"difficulty_id": str, "region_code": str, "level": str},
}
PEOPLE = ("entrepreneur_verified",)
FIRMS = ("enterprise_verified",)
MONEY = ("loan_disbursed", "subsidy_paid", "interest_subsidy_paid")
DIFFICULTIES = ("difficulty_reported", "difficulty_escalated", "difficulty_closed")
COUNTED = ("returnees", "enterprises", "investment_fen", "jobs", "loans_count", "loans_fen", "subsidies_fen",
           "raised", "reached_county", "reached_city", "resolved", "carried_over")


def month_bounds(text: str, field: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a month written YYYY-MM."""
    match = MONTH.fullmatch((text or "").strip())
    if match is None:
        raise InvalidInput("month_format", field, "月份应写作如 2026-01")
    year, month = int(match[1]), int(match[2])
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, 1), following - dt.timedelta(days=1)


def period(month_from: str, month_to: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period's first and last day: whole months of one year, not after this month."""
    first, _ = month_bounds(month_from, "from")
    _, last = month_bounds(month_to, "to")
    if last < first:
        raise InvalidInput("period_reversed", "to", "截止月份不能早于起始月份")
    if first.year != last.year:
        raise InvalidInput("period_across_years", "to", "通报按年度编制：起止月份须在同一年")
    if first > today:
        raise InvalidInput("period_future", "from", "起始月份不能晚于本月")
    return first, last


def period_name(first: dt.date, last: dt.date, today: dt.date) -> str:
    """How the printed bulletins name a period: 2026年1至9月, 2026年上半年, 2026年第3季度, 2026年全年."""
    year, a, b = first.year, first.month, last.month
    if (a, b) == (1, 12):
        return f"{year}年全年" if last < today else f"{year}年1至12月"  # a year not over is not 全年 yet
    if (a, b) == (1, 6):
        return f"{year}年上半年"
    if (a, b) == (7, 12):
        return f"{year}年下半年"
    if a % 3 == 1 and b == a + 2:
        return f"{year}年第{(a + 2) // 3}季度"
    if a == b:
        return f"{year}年{a}月"
    return f"{year}年{a}至{b}月"


def areas_below(scope: str) -> list[str]:
    """Every current area one level below the region (its counties for a city), in code order; none
    below a village."""
    return [code for code, _ in regions.children_of(scope)] if regions.level_of(scope) in BELOW else []


def area_of(scope: str, code: str) -> str | None:
    """The area one level below `scope` that a record's region lies in (None below a village)."""
    level = BELOW.get(regions.level_of(scope))
    if not code or level is None:
        return None
    return code[:regions.SIGNIFICANT[level]].ljust(12, "0")


def bulletin(scope: str, first: dt.date, last: dt.date, today: dt.date, facts: Iterable[Fact],
             people: dict[str, dict], firms: dict[str, dict], open_at_end: Iterable[dict], head: dict) -> dict:
    """The region's figures for the period.

    `facts`: the period's facts of the kinds above, in the region; `people` and `firms`: the registrations
    of the returnees and enterprises verified in it (by id: categories; investment and jobs);
    `open_at_end`: the region's difficulties reported by the period's end and not closed by then.
    """
    rows: dict[str, dict[str, int]] = {code: defaultdict(int) for code in areas_below(scope)}

    def row(code: str) -> dict[str, int]:
        area = area_of(scope, code)
        return rows.setdefault(area, defaultdict(int)) if area else defaultdict(int)

    categories: dict[str, int] = defaultdict(int)
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    seen_people: set[str] = set()
    seen_firms: set[str] = set()
    totals: dict[str, int] = defaultdict(int)

    def add(code: str, name: str, value: int = 1) -> None:
        row(code)[name] += value
        totals[name] += value

    for fact in sorted(facts, key=lambda f: (f.occurred_at, f.event_id)):
        p, kind = fact.payload, fact.event_type
        region = p.get("region_code") or ""
        if kind == "entrepreneur_verified" and p["entrepreneur_id"] not in seen_people:
            seen_people.add(p["entrepreneur_id"])  # verified again after a correction: still one returnee
            add(region, "returnees")
            for category in people.get(p["entrepreneur_id"], {}).get("categories", []):
                categories[category] += 1
        elif kind == "enterprise_verified" and p["enterprise_id"] not in seen_firms:
            seen_firms.add(p["enterprise_id"])
            firm = firms.get(p["enterprise_id"], {})
            add(region, "enterprises")
            add(region, "investment_fen", firm.get("investment_fen", 0))
            add(region, "jobs", firm.get("headcount", 0))
        elif kind == "loan_disbursed":
            add(region, "loans_count")
            add(region, "loans_fen", p["principal_fen"])
        elif kind == "subsidy_paid":
            add(region, "subsidies_fen", p["amount_fen"])
            kinds[p["kind"]][0] += 1
            kinds[p["kind"]][1] += p["amount_fen"]
        elif kind == "interest_subsidy_paid":
            totals["interest_count"] += 1
            totals["interest_fen"] += p["subsidy_fen"]
        elif kind == "difficulty_reported":
            add(region, "raised")
        elif kind == "difficulty_escalated" and p.get("level") in ("county", "city"):
            add(region, f"reached_{p['level']}")
        elif kind == "difficulty_closed":
            add(region, "resolved")
    for state in open_at_end:
        add(state.get("region_code") or "", "carried_over")
    return {
        "region_code": regions.normalize(scope)[:max(6, regions.SIGNIFICANT[regions.level_of(scope)])],
        "region_name": regions.full_name(scope), "level": regions.level_of(scope),
        "period": {"from": first.isoformat(), "to": last.isoformat(), "name": period_name(first, last, today),
                   "complete": last < today},
        "as_of": min(today, last).isoformat(),
        **head,
        "returnees": {"verified": totals["returnees"],
                      "by_category": [{"category": c, "name": CATEGORY_NAMES.get(c, c), "count": n}
                                      for c, n in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))]},
        "enterprises": {"verified": totals["enterprises"], "investment_fen": totals["investment_fen"],
                        "jobs": totals["jobs"]},
        "loans": {"count": totals["loans_count"], "amount_fen": totals["loans_fen"]},
        "subsidies": {"count": sum(c for c, _ in kinds.values()), "amount_fen": totals["subsidies_fen"],
                      "by_kind": [{"kind": k, "name": KIND_NAMES.get(k, k), "count": c, "amount_fen": a}
                                  for k, (c, a) in sorted(kinds.items())]},
        "interest_subsidies": {"count": totals["interest_count"], "amount_fen": totals["interest_fen"]},
        "difficulties": {name: totals[name] for name in ("raised", "reached_county", "reached_city", "resolved",
                                                          "carried_over")},
        "by_area": [{"region_code": code[:regions.SIGNIFICANT[regions.level_of(code)]].ljust(6, "0"),
                     "region_name": regions.name_of(code), **{name: values.get(name, 0) for name in COUNTED}}
                    for code, values in sorted(rows.items())],
    }
