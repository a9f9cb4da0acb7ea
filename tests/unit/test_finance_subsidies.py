"""The subsidy catalogue's rules, kind by kind, with the once-only keys that stop double claims."""

import datetime as dt

import pytest

from services.finance.policy import in_force
from services.finance.policy_data import SUBSIDY_POLICIES
from services.finance.subsidy_rules import ClaimantFacts, assess

TODAY = dt.date(2026, 11, 24)
POLICY = {kind: in_force([p for p in SUBSIDY_POLICIES if p.kind == kind], TODAY)
          for kind in ("startup", "employment", "skill", "travel")}


def facts(**overrides) -> ClaimantFacts:
    values = {"registered": True, "verified": True, "entrepreneur_id": "e1",
              "household_region_code": "511024100201", "enterprise_owned": True,
              "enterprise_founded_on": dt.date(2026, 5, 24)}
    return ClaimantFacts(**{**values, **overrides})


def codes(result) -> list[str]:
    return [failure.code for failure in result.failures]


@pytest.mark.parametrize("founded, expected", [(dt.date(2026, 5, 24), []),
                                               (dt.date(2026, 5, 25), ["operating_too_short"])])
def test_the_first_startup_subsidy_needs_six_months_of_business(founded, expected):
    result = assess(POLICY["startup"], facts(enterprise_founded_on=founded), {"tier": "first"}, TODAY)
    assert codes(result) == expected and result.amount_fen == 500_000


def test_the_second_startup_subsidy_waits_eighteen_months_and_is_capped():
    claim = {"tier": "second", "amount_fen": 1_000_001}
    result = assess(POLICY["startup"], facts(enterprise_founded_on=dt.date(2025, 5, 24)), claim, TODAY)
    assert codes(result) == ["amount_over_cap"]
    young = assess(POLICY["startup"], facts(), {"tier": "second", "amount_fen": 800_000}, TODAY)
    assert codes(young) == ["operating_too_short"] and young.amount_fen == 800_000


def hire(category="poverty_alleviated", months=12, insured=True, number="11010519491231002X"):
    return {"name": "李四", "id_number": number, "category": category, "contract_months": months,
            "social_insurance": insured, "hired_on": dt.date(2026, 3, 1)}


def test_employment_subsidy_counts_only_qualifying_hires_and_says_why_others_do_not():
    hires = [hire(number="A"), hire(category="graduate", number="B"), hire(category="other", number="C"),
             hire(months=11, number="D"), hire(insured=False, number="E")]
    result = assess(POLICY["employment"], facts(held_keys=frozenset({"employment:B"})), {"hires": hires}, TODAY)
    assert result.eligible and result.amount_fen == 200_000
    assert result.keys == ["employment:A"]
    assert len(result.notes) == 4 and "已申领过" in result.notes[0]


def test_employment_subsidy_with_no_qualifying_hire_is_refused():
    result = assess(POLICY["employment"], facts(), {"hires": [hire(category="other")]}, TODAY)
    assert codes(result) == ["no_qualifying_hire"] and not result.eligible


@pytest.mark.parametrize("level, amount", [("junior", 100_000), ("intermediate", 150_000), ("senior", 200_000)])
def test_skill_subsidy_pays_by_certificate_level(level, amount):
    claim = {"occupation": "电工", "level": level, "issued_on": dt.date(2026, 6, 1)}
    result = assess(POLICY["skill"], facts(), claim, TODAY)
    assert result.eligible and result.amount_fen == amount and result.keys == [f"skill:e1:电工:{level}"]


@pytest.mark.parametrize("issued, expected", [(dt.date(2025, 11, 24), []),
                                              (dt.date(2025, 11, 23), ["claim_too_late"]),
                                              (dt.date(2026, 11, 25), ["certificate_in_future"])])
def test_skill_subsidy_is_claimed_within_twelve_months_of_the_certificate(issued, expected):
    claim = {"occupation": "焊工", "level": "junior", "issued_on": issued}
    assert codes(assess(POLICY["skill"], facts(), claim, TODAY)) == expected


def test_the_same_occupation_and_level_is_paid_once():
    claim = {"occupation": "电工", "level": "junior", "issued_on": dt.date(2026, 6, 1)}
    held = frozenset({"skill:e1:电工:junior"})
    assert codes(assess(POLICY["skill"], facts(held_keys=held), claim, TODAY)) == ["already_claimed"]


def test_travel_subsidy_is_for_crossing_the_province_at_the_countys_rate():
    trip = {"trip_date": dt.date(2026, 2, 20), "origin_province": "51", "destination_province": "44"}
    result = assess(POLICY["travel"], facts(), trip, TODAY)
    assert result.eligible and result.amount_fen == 40_000  # Weiyuan 威远县 sets 400 yuan
    home = assess(POLICY["travel"], facts(), {**trip, "destination_province": "51"}, TODAY)
    assert codes(home) == ["not_cross_province"]


@pytest.mark.parametrize("who, expected", [(facts(registered=False, verified=False), "claimant_not_registered"),
                                           (facts(verified=False), "claimant_not_verified")])
def test_only_a_registered_and_verified_claimant_is_paid(who, expected):
    claim = {"occupation": "电工", "level": "junior", "issued_on": dt.date(2026, 6, 1)}
    assert codes(assess(POLICY["skill"], who, claim, TODAY))[0] == expected
