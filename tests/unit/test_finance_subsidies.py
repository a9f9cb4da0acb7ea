"""The subsidy catalogue's rules, kind by kind, with the once-only keys that stop double claims."""

import datetime as dt

import pytest

from services.finance.domain.policy import in_force
from services.finance.domain.policy_data import SUBSIDY_POLICIES
from services.finance.domain.subsidies import ClaimantFacts, assess
from shared.errors import InvalidState

TODAY = dt.date(2026, 11, 24)
KINDS = ("startup", "employment", "skill", "travel")
POLICY = {kind: in_force([p for p in SUBSIDY_POLICIES if p.kind == kind], TODAY) for kind in KINDS}


def facts(**overrides) -> ClaimantFacts:
    """A verified returnee of 威远县 who was lifted out of poverty, with the certificates SKILL_CERTIFICATES."""
    values = {"registered": True, "verified": True, "entrepreneur_id": "e1",
              "household_region_code": "511024100201", "region_code": "511024100201", "enterprise_owned": True,
              "enterprise_founded_on": dt.date(2026, 5, 24), "certificates": SKILL_CERTIFICATES,
              "categories": ("returnee_migrant_worker", "lifted_out_of_poverty")}
    return ClaimantFacts(**{**values, **overrides})


def codes(result) -> list[str]:
    return [failure.code for failure in result.failures]


def hire(category="poverty_alleviated", months=12, insured=True, number="11010519491231002X",
         name="李四"):
    return {"name": name, "id_number": number, "category": category, "contract_months": months,
            "social_insurance": insured, "hired_on": dt.date(2026, 3, 1)}


SKILL = {"occupation": "电工", "level": "junior", "issued_on": dt.date(2026, 6, 1), "unemployment_insurance_months": 24}


def certificate(occupation="电工", level="junior", issued=dt.date(2026, 6, 1)) -> dict:
    return {"name": occupation, "level": level, "issued_on": issued.isoformat()}


# the certificates on the claimant's record: each level of 电工 on SKILL's day, and 焊工
SKILL_CERTIFICATES = (*(certificate(level=level) for level in ("junior", "intermediate", "senior")),
                      certificate("焊工"))
TRIP = {"trip_date": dt.date(2026, 2, 20), "origin_province": "51", "destination_province": "44"}
A_VALID_CLAIM = {"startup": {"tier": "first"}, "employment": {"hires": [hire()]},
                 "skill": SKILL, "travel": TRIP}


# ---- one-off start-up subsidy ----------------------------------------------------------------------


@pytest.mark.parametrize("founded, expected", [
    pytest.param(dt.date(2026, 5, 24), [], id="exactly-6-months"),
    pytest.param(dt.date(2026, 1, 1), [], id="over-6-months"),
    pytest.param(dt.date(2026, 5, 25), ["operating_too_short"], id="one-day-short"),
    pytest.param(None, ["operating_too_short"], id="no-founding-date"),
])
def test_the_first_startup_subsidy_of_5000_yuan_needs_six_months_of_business(founded, expected):
    result = assess(POLICY["startup"], facts(enterprise_founded_on=founded), {"tier": "first"}, TODAY)
    assert codes(result) == expected and result.amount_fen == 500_000
    assert result.keys == ["startup:first:e1"]


@pytest.mark.parametrize("today, expected", [
    pytest.param(dt.date(2026, 2, 28), [], id="on-the-28th-of-february"),
    pytest.param(dt.date(2026, 2, 27), ["operating_too_short"], id="a-day-before"),
])
def test_six_months_after_the_31st_of_august_is_the_last_day_of_february(today, expected):
    result = assess(POLICY["startup"], facts(enterprise_founded_on=dt.date(2025, 8, 31)),
                    {"tier": "first"}, today)
    assert codes(result) == expected


@pytest.mark.parametrize("founded, asked, expected_codes, amount", [
    pytest.param(dt.date(2025, 5, 24), 800_000, [], 800_000, id="18-months-part-of-the-cap"),
    pytest.param(dt.date(2025, 5, 24), 1_000_000, [], 1_000_000, id="18-months-exactly-the-cap"),
    pytest.param(dt.date(2025, 5, 24), None, [], 1_000_000, id="18-months-amount-not-given"),
    pytest.param(dt.date(2025, 5, 24), 1_000_001, ["amount_over_cap"], 1_000_000, id="one-fen-over-the-cap"),
    pytest.param(dt.date(2025, 5, 25), 800_000, ["operating_too_short"], 800_000, id="one-day-short"),
])
def test_the_second_startup_subsidy_waits_eighteen_months_and_is_at_most_10000_yuan(
        founded, asked, expected_codes, amount):
    claim = {"tier": "second", "amount_fen": asked}
    result = assess(POLICY["startup"], facts(enterprise_founded_on=founded), claim, TODAY)
    assert codes(result) == expected_codes and result.amount_fen == amount
    assert result.keys == ["startup:second:e1"]


def test_the_startup_subsidy_is_for_a_business_the_claimant_founded():
    result = assess(POLICY["startup"], facts(enterprise_owned=False), {"tier": "first"}, TODAY)
    assert codes(result) == ["enterprise_not_owned"] and not result.eligible


@pytest.mark.parametrize("tier", ["first", "second"])
def test_each_startup_tier_is_paid_once(tier):
    held = frozenset({f"startup:{tier}:e1"})
    founded = dt.date(2024, 1, 1)
    result = assess(POLICY["startup"], facts(enterprise_founded_on=founded, held_keys=held),
                    {"tier": tier}, TODAY)
    assert codes(result) == ["already_claimed"]


def test_holding_the_first_tier_does_not_stop_the_second():
    held = frozenset({"startup:first:e1"})
    result = assess(POLICY["startup"], facts(enterprise_founded_on=dt.date(2024, 1, 1), held_keys=held),
                    {"tier": "second"}, TODAY)
    assert result.eligible


# ---- one-off employment-absorption subsidy --------------------------------------------------------


@pytest.mark.parametrize("category", ["poverty_alleviated", "hard_to_employ", "graduate"])
def test_each_qualifying_category_of_hire_earns_2000_yuan(category):
    result = assess(POLICY["employment"], facts(), {"hires": [hire(category=category)]}, TODAY)
    assert result.eligible and result.amount_fen == 200_000 and result.notes == []


def test_employment_subsidy_counts_only_qualifying_hires_and_notes_why_each_other_does_not():
    hires = [hire(number="A", name="张一"), hire(category="graduate", number="B", name="张二"),
             hire(category="other", number="C", name="张三"), hire(months=11, number="D", name="张四"),
             hire(insured=False, number="E", name="张五"), hire(category="hard_to_employ", number="F"),
             hire(months=36, number="G", name="张七")]
    result = assess(POLICY["employment"], facts(held_keys=frozenset({"employment:B"})),
                    {"hires": hires}, TODAY)
    assert result.eligible and result.amount_fen == 3 * 200_000
    assert result.keys == ["employment:A", "employment:F", "employment:G"]
    assert len(result.notes) == 4
    assert result.notes[0].startswith("第2名（张二）") and "已申领过" in result.notes[0]
    assert result.notes[1].startswith("第3名（张三）") and "不属于" in result.notes[1]
    assert result.notes[2].startswith("第4名（张四）") and "12个月" in result.notes[2]
    assert result.notes[3].startswith("第5名（张五）") and "社会保险" in result.notes[3]


@pytest.mark.parametrize("hires", [
    pytest.param([hire(category="other")], id="not-a-qualifying-category"),
    pytest.param([hire(months=11), hire(insured=False)], id="short-contract-and-uninsured"),
    pytest.param([], id="no-hires"),
])
def test_employment_subsidy_with_no_qualifying_hire_is_refused(hires):
    result = assess(POLICY["employment"], facts(), {"hires": hires}, TODAY)
    assert codes(result) == ["no_qualifying_hire"] and result.amount_fen == 0
    assert not result.eligible and result.keys == []


def test_a_hire_already_claimed_by_any_enterprise_is_not_counted_again():
    held = frozenset({"employment:11010519491231002X"})
    result = assess(POLICY["employment"], facts(held_keys=held), {"hires": [hire()]}, TODAY)
    assert codes(result) == ["no_qualifying_hire"] and "已申领过" in result.notes[0]


def test_the_employment_subsidy_is_for_the_claimants_own_enterprise():
    result = assess(POLICY["employment"], facts(enterprise_owned=False), {"hires": [hire()]}, TODAY)
    assert codes(result) == ["enterprise_not_owned"]


def test_the_same_hire_listed_twice_in_one_claim_is_counted_once():
    result = assess(POLICY["employment"], facts(), {"hires": [hire(), hire()]}, TODAY)
    assert result.amount_fen == 200_000 and result.keys == ["employment:11010519491231002X"]


# ---- skill-upgrade subsidy ----------------------------------------------------------------------------


@pytest.mark.parametrize("level, amount", [("junior", 100_000), ("intermediate", 150_000),
                                           ("senior", 200_000)])
def test_skill_subsidy_pays_1000_1500_or_2000_yuan_by_certificate_level(level, amount):
    result = assess(POLICY["skill"], facts(), {**SKILL, "level": level}, TODAY)
    assert result.eligible and result.amount_fen == amount
    assert result.keys == [f"skill:e1:电工:{level}"]


@pytest.mark.parametrize("issued, expected", [
    pytest.param(TODAY, [], id="issued-today"),
    pytest.param(dt.date(2025, 11, 24), [], id="exactly-12-months-ago"),
    pytest.param(dt.date(2025, 11, 23), ["claim_too_late"], id="12-months-and-a-day-ago"),
    pytest.param(dt.date(2024, 1, 1), ["claim_too_late"], id="years-ago"),
    pytest.param(dt.date(2026, 11, 25), ["certificate_in_future"], id="tomorrow"),
])
def test_skill_subsidy_is_claimed_within_twelve_months_of_the_certificate(issued, expected):
    result = assess(POLICY["skill"], facts(certificates=(certificate(issued=issued),)), {**SKILL, "issued_on": issued},
                    TODAY)
    assert codes(result) == expected


def test_the_same_occupation_and_level_is_paid_once():
    held = frozenset({"skill:e1:电工:junior"})
    assert codes(assess(POLICY["skill"], facts(held_keys=held), SKILL, TODAY)) == ["already_claimed"]


@pytest.mark.parametrize("claim", [
    pytest.param({**SKILL, "level": "intermediate"}, id="a-higher-level"),
    pytest.param({**SKILL, "occupation": "焊工"}, id="another-occupation"),
])
def test_another_level_or_occupation_may_still_be_claimed(claim):
    held = frozenset({"skill:e1:电工:junior"})
    assert assess(POLICY["skill"], facts(held_keys=held), claim, TODAY).eligible


# ---- cross-province travel subsidy -----------------------------------------------------------------


@pytest.mark.parametrize("origin, destination, expected", [
    pytest.param("51", "44", [], id="sichuan-to-guangdong"),
    pytest.param("44", "51", [], id="guangdong-home-to-sichuan"),
    pytest.param("51", "51", ["not_cross_province"], id="within-sichuan"),
])
def test_travel_subsidy_is_only_for_a_trip_across_the_province_border(origin, destination, expected):
    trip = {**TRIP, "origin_province": origin, "destination_province": destination}
    assert codes(assess(POLICY["travel"], facts(), trip, TODAY)) == expected


@pytest.mark.parametrize("household, amount", [
    pytest.param("511024100201", 40_000, id="weiyuan-400"),
    pytest.param("511011001001", 30_000, id="dongxing-300"),
    pytest.param("511083000000", 40_000, id="longchang-city-400"),
])
def test_the_travel_amount_is_the_one_the_claimants_county_sets_with_its_source(household, amount):
    result = assess(POLICY["travel"], facts(household_region_code=household), TRIP, TODAY)
    assert result.amount_fen == amount and result.eligible
    assert result.notes[0].startswith("补助标准：") and "以县（市、区）人社部门公布的标准为准" in result.notes[0]


@pytest.mark.parametrize("household", [
    pytest.param("511028000000", id="the-old-longchang-county-code"),
    pytest.param("510104000000", id="a-county-of-another-city"),
    pytest.param(None, id="no-household"),
])
def test_a_county_with_no_published_amount_is_refused_by_name_not_paid_a_default(household):
    result = assess(POLICY["travel"], facts(household_region_code=household), TRIP, TODAY)
    assert codes(result) == ["county_not_listed"] and not result.eligible


def test_a_trip_in_the_future_cannot_be_claimed():
    trip = {**TRIP, "trip_date": TODAY + dt.timedelta(days=1)}
    assert codes(assess(POLICY["travel"], facts(), trip, TODAY)) == ["trip_in_future"]


def test_the_same_trip_is_paid_once():
    held = frozenset({"travel:e1:2026-02-20"})
    assert codes(assess(POLICY["travel"], facts(held_keys=held), TRIP, TODAY)) == ["already_claimed"]


def test_travel_subsidy_is_paid_once_a_year_per_person():
    result = assess(POLICY["travel"], facts(), TRIP, TODAY)
    assert result.keys == ["travel:e1:2026:1", "travel:e1:2026-02-20"]
    held = frozenset({"travel:e1:2026:1", "travel:e1:2026-02-20"})
    again = assess(POLICY["travel"], facts(held_keys=held), {**TRIP, "trip_date": dt.date(2026, 8, 1)}, TODAY)
    assert codes(again) == ["yearly_limit"] and "2026年已申领过1次" in again.failures[0].message
    next_year = assess(POLICY["travel"], facts(held_keys=held), {**TRIP, "trip_date": dt.date(2027, 1, 5)},
                       dt.date(2027, 1, 6))
    assert next_year.eligible


def test_travel_subsidy_is_for_labour_lifted_out_of_poverty():
    result = assess(POLICY["travel"], facts(categories=("returnee_migrant_worker",)), TRIP, TODAY)
    assert codes(result) == ["not_poverty_alleviated"]
    assert "脱贫人口" in result.failures[0].message


# ---- the claimant -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who, expected", [
    pytest.param(facts(registered=False, verified=False), "claimant_not_registered", id="unregistered"),
    pytest.param(facts(verified=False), "claimant_not_verified", id="unverified"),
])
def test_only_a_registered_and_verified_claimant_is_paid(kind, who, expected):
    result = assess(POLICY[kind], who, A_VALID_CLAIM[kind], TODAY)
    assert codes(result) == [expected] and not result.eligible


@pytest.mark.parametrize("kind", KINDS)
def test_a_verified_claimant_with_a_valid_claim_is_eligible(kind):
    assert assess(POLICY[kind], facts(), A_VALID_CLAIM[kind], TODAY).eligible


def test_the_policy_in_force_is_chosen_by_the_day_of_the_claim():
    assert POLICY["startup"].code == "川办规〔2025〕6号"
    with pytest.raises(InvalidState) as refused:
        in_force([p for p in SUBSIDY_POLICIES if p.kind == "startup"], dt.date(2025, 4, 30))
    assert refused.value.code == "no_policy_in_force"


# ---- what the reviewer sees: each rule's outcome and the facts it used ----------------------------


def test_the_assessment_keeps_each_rule_met_or_not_with_the_facts_it_used():
    young = facts(enterprise_founded_on=dt.date(2026, 8, 1), categories=("lifted_out_of_poverty",),
                  enterprise_headcount=12, enterprise_new_hires=2, headcount_quarter="2026Q3")
    result = assess(POLICY["startup"], young, {"tier": "first"}, TODAY)
    record = result.as_record(young, TODAY)
    outcomes = {check["code"]: check["passed"] for check in record["checks"]}
    assert outcomes == {"claimant_verified": True, "enterprise_owned": True, "operating_long_enough": False,
                        "not_claimed_before": True}
    assert "2027-02-01起可申领" in record["checks"][2]["rule"]
    assert record["facts"]["categories"] == ["lifted_out_of_poverty"]
    assert record["facts"]["enterprise"] == {"name": None, "founded_on": "2026-08-01", "headcount": 12,
                                             "new_hires": 2, "headcount_quarter": "2026Q3"}
    assert codes(result) == ["operating_too_short"]


def test_each_hire_is_kept_with_whether_it_counts_and_no_id_number():
    result = assess(POLICY["employment"], facts(), {"hires": [hire(), hire(category="other", number="X")]}, TODAY)
    assert [(h["name"], h["counted"]) for h in result.hires] == [("李四", True), ("李四", False)]
    assert result.hires[1]["reason"] and all("id_number" not in h for h in result.hires)
    assert [c["passed"] for c in result.as_record(facts(), TODAY)["checks"]] == [True, True, True, True]


def test_a_late_skill_claim_shows_its_deadline():
    late = {**SKILL, "issued_on": dt.date(2025, 6, 1)}
    checks = assess(POLICY["skill"], facts(certificates=(certificate(issued=dt.date(2025, 6, 1)),)), late, TODAY).checks
    assert [(c.code, c.passed) for c in checks] == [
        ("claimant_verified", True), ("level_covered", True), ("unemployment_insured", True),
        ("local_household", True), ("certificate_on_record", True), ("certificate_not_in_future", True),
        ("claimed_in_time", False), ("not_claimed_before", True)]
    assert "2026-06-01前" in checks[6].rule


# ---- the skill subsidy's conditions as seed 001 writes them (issue 17) ------------------------------


@pytest.mark.parametrize("level", ["technician", "senior_technician"])
def test_a_technicians_certificate_is_refused_naming_the_levels_the_policy_pays_for(level):
    claim = {**SKILL, "level": level}
    result = assess(POLICY["skill"], facts(certificates=(certificate(level=level),)), claim, TODAY)
    assert codes(result) == ["level_not_covered"] and result.amount_fen == 0
    message = result.failures[0].message
    assert "只补贴初级工、中级工、高级工" in message and POLICY["skill"].code in message


@pytest.mark.parametrize("months, expected", [(12, []), (11, ["not_insured_long_enough"]), (0, ["not_insured_long_enough"])],
                         ids=["insured-a-year", "a-month-short", "never-insured"])
def test_skill_subsidy_is_for_those_insured_against_unemployment_for_a_year(months, expected):
    assert codes(assess(POLICY["skill"], facts(), {**SKILL, "unemployment_insurance_months": months}, TODAY)) == expected


def test_skill_subsidy_is_for_a_local_household():
    # registered in 威远县 (内江) with a household in 成都: not 内江籍
    result = assess(POLICY["skill"], facts(household_region_code="510104000000"), SKILL, TODAY)
    assert codes(result) == ["household_not_local"] and "内江市户籍" in result.failures[0].message


@pytest.mark.parametrize("on_record", [
    pytest.param((), id="no-certificate"),
    pytest.param((certificate(level="intermediate"),), id="another-level"),
    pytest.param((certificate(issued=dt.date(2026, 5, 1)),), id="another-day"),
    pytest.param((certificate("焊工"),), id="another-occupation"),
])
def test_the_certificate_claimed_must_be_the_one_on_the_persons_record(on_record):
    result = assess(POLICY["skill"], facts(certificates=on_record), SKILL, TODAY)
    assert codes(result) == ["certificate_not_on_record"]
