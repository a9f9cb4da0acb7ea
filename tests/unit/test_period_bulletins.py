"""A bulletin for any period, counted by hand: returnees once verified and by category, difficulties
raised, reached county and city, resolved and carried over, every county listed (zeros too)."""

import datetime as dt

import pytest

from services.consultation.domain import periods
from services.consultation.domain.convening import Fact
from shared import regions
from shared.contracts.registry import CATEGORY_NAMES
from shared.errors import InvalidInput

CITY, DONGXING, WEIYUAN = "511000000000", "511011101201", "511024100206"  # 内江; villages of 东兴区, 威远县
TODAY = dt.date(2026, 10, 15)
HEAD = {"place": "内江市", "office": "内江市返乡创业工作领导小组办公室", "distribution": "报：……"}


def at(month: int, day: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, 2, tzinfo=dt.timezone.utc)


def fact(event_type: str, month: int, n: int = 0, **payload) -> Fact:
    return Fact(event_type, at(month), payload, f"{event_type}-{month}-{n}")


def test_the_year_to_date_as_an_office_counts_it():
    facts = [fact("entrepreneur_verified", 2, entrepreneur_id="p1", region_code=DONGXING),
             fact("entrepreneur_verified", 5, 1, entrepreneur_id="p1", region_code=DONGXING),  # after a correction
             fact("entrepreneur_verified", 3, entrepreneur_id="p2", region_code=WEIYUAN),
             fact("enterprise_verified", 4, enterprise_id="e1", region_code=DONGXING),
             fact("loan_disbursed", 6, region_code=DONGXING, principal_fen=20_000_000),
             fact("subsidy_paid", 7, region_code=WEIYUAN, kind="startup", amount_fen=500_000),
             fact("interest_subsidy_paid", 7, region_code=DONGXING, subsidy_fen=12_345),
             fact("difficulty_reported", 3, difficulty_id="d1", region_code=DONGXING, level="township"),
             fact("difficulty_reported", 4, difficulty_id="d2", region_code=DONGXING, level="township"),
             fact("difficulty_escalated", 4, 1, difficulty_id="d2", region_code=DONGXING, level="county"),
             fact("difficulty_escalated", 5, difficulty_id="d2", region_code=DONGXING, level="city"),
             fact("difficulty_closed", 6, difficulty_id="d1", region_code=DONGXING, level="township")]
    people = {"p1": {"categories": ["returnee_migrant_worker", "lifted_out_of_poverty"]},
              "p2": {"categories": ["returnee_migrant_worker"]}}
    firms = {"e1": {"investment_fen": 35_000_000, "headcount": 12}}
    b = periods.bulletin(CITY, dt.date(2026, 1, 1), dt.date(2026, 9, 30), TODAY, facts, people, firms,
                         [{"region_code": DONGXING}], HEAD)
    assert (b["region_code"], b["region_name"], b["period"]["name"]) == ("511000", "四川省内江市", "2026年1至9月")
    assert b["returnees"] == {"verified": 2, "by_category": [
        {"category": "returnee_migrant_worker", "name": "返乡农民工", "count": 2},
        {"category": "lifted_out_of_poverty", "name": CATEGORY_NAMES["lifted_out_of_poverty"], "count": 1}]}
    assert b["enterprises"] == {"verified": 1, "investment_fen": 35_000_000, "jobs": 12}
    assert b["loans"] == {"count": 1, "amount_fen": 20_000_000}
    assert (b["subsidies"]["count"], b["subsidies"]["amount_fen"]) == (1, 500_000)
    assert b["interest_subsidies"] == {"count": 1, "amount_fen": 12_345}
    assert b["difficulties"] == {"raised": 2, "reached_county": 1, "reached_city": 1, "resolved": 1,
                                 "carried_over": 1}
    assert b["office"] == HEAD["office"]
    # every county of the city, those without activity with zeros
    counties = {row["region_code"]: row for row in b["by_area"]}
    assert set(counties) == {code[:6] for code, _ in regions.children_of(CITY)}
    assert counties["511011"]["returnees"] == 1 and counties["511011"]["raised"] == 2
    assert counties["511011"]["carried_over"] == 1 and counties["511024"]["subsidies_fen"] == 500_000
    quiet = next(row for code, row in counties.items() if code not in ("511011", "511024"))
    assert all(quiet[name] == 0 for name in periods.COUNTED)


def test_the_categories_of_the_returnees_verified():
    facts = [fact("entrepreneur_verified", 2, entrepreneur_id="p1", region_code=DONGXING)]
    b = periods.bulletin(CITY, dt.date(2026, 1, 1), dt.date(2026, 3, 31), TODAY, facts,
                         {"p1": {"categories": ["graduate", "returnee_migrant_worker"]}}, {}, [], HEAD)
    assert [(c["category"], c["count"]) for c in b["returnees"]["by_category"]] == [
        ("graduate", 1), ("returnee_migrant_worker", 1)]
    assert b["period"]["name"] == "2026年第1季度" and b["period"]["complete"] is True


@pytest.mark.parametrize("first, last, name", [
    ("2026-01", "2026-06", "2026年上半年"), ("2026-07", "2026-12", "2026年下半年"), ("2025-01", "2025-12", "2025年全年"),
    ("2026-01", "2026-12", "2026年1至12月"),
    ("2026-04", "2026-06", "2026年第2季度"), ("2026-05", "2026-05", "2026年5月"), ("2026-01", "2026-08", "2026年1至8月")])
def test_periods_are_named_as_the_printed_bulletins_name_them(first, last, name):
    a, b = periods.period(first, last, TODAY)
    assert periods.period_name(a, b, TODAY) == name


@pytest.mark.parametrize("first, last, code", [
    ("2026-13", "2026-12", "month_format"), ("2026-09", "2026-03", "period_reversed"),
    ("2025-11", "2026-02", "period_across_years"), ("2026-11", "2026-12", "period_future")])
def test_a_period_that_cannot_be_reported_is_refused_with_the_rule(first, last, code):
    with pytest.raises(InvalidInput) as refused:
        periods.period(first, last, TODAY)
    assert refused.value.code == code


def test_a_county_reports_by_township_and_the_province_by_city():
    county = periods.bulletin("511011000000", dt.date(2026, 1, 1), dt.date(2026, 9, 30), TODAY, [], {}, {}, [], HEAD)
    assert {row["region_code"][:6] for row in county["by_area"]} == {"511011"}
    assert len(county["by_area"]) == len(regions.children_of("511011000000"))
    province = periods.bulletin("510000000000", dt.date(2026, 1, 1), dt.date(2026, 9, 30), TODAY, [], {}, {}, [],
                                HEAD)
    assert {row["region_name"] for row in province["by_area"]} >= {"内江市", "绵阳市"}


def test_a_village_is_counted_whole_with_no_areas_below_it():
    facts = [fact("entrepreneur_verified", 2, entrepreneur_id="p1", region_code=DONGXING)]
    village = periods.bulletin(DONGXING, dt.date(2026, 1, 1), dt.date(2026, 3, 31), TODAY, facts, {}, {}, [], HEAD)
    assert village["returnees"]["verified"] == 1 and village["by_area"] == []
