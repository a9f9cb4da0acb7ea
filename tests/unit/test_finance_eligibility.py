"""Loan eligibility as a table of cases per policy version, boundaries included."""

import datetime as dt

import pytest

from services.finance import domain
from services.finance.policy import in_force
from services.finance.policy_data import LOAN_POLICIES, LPR_RATES
from shared.errors import Forbidden, InvalidInput

WAN = 1_000_000  # 10,000 yuan in fen
VERSIONS = {  # application day -> (version, individual cap, enterprise cap, hiring share %, above 100 staff %)
    dt.date(2022, 6, 1): ("财金〔2020〕21号", 20 * WAN, 300 * WAN, 15, 8),
    dt.date(2024, 1, 1): ("财金〔2023〕75号", 30 * WAN, 400 * WAN, 10, 5),
    dt.date(2026, 1, 1): ("川办规〔2025〕6号", 50 * WAN, 600 * WAN, 10, 5),
}


def person(**overrides) -> domain.BorrowerFacts:
    facts = {"kind": "individual", "registered": True, "verified": True, "lifetime_loans": 0,
             "outstanding_loans": 0}
    return domain.BorrowerFacts(**{**facts, **overrides})


def firm(headcount=50, new_hires=10, **overrides) -> domain.BorrowerFacts:
    return person(kind="enterprise", headcount=headcount, new_hires=new_hires, **overrides)


def codes(policy, facts, amount, term=24) -> list[str]:
    return [failure.code for failure in domain.assess(policy, facts, amount, term)]


@pytest.mark.parametrize("day", VERSIONS, ids=lambda d: VERSIONS[d][0])
def test_the_version_in_force_on_the_day_applies(day):
    assert in_force(LOAN_POLICIES, day).code == VERSIONS[day][0]


CAP_CASES = [
    (day, kind, offset, expected)
    for day in VERSIONS
    for kind in ("individual", "enterprise")
    for offset, expected in ((0, []), (1, ["amount_over_cap"]))
]


@pytest.mark.parametrize("day, kind, offset, expected", CAP_CASES,
                         ids=[f"{VERSIONS[d][0]}-{k}-cap{'+1fen' if o else ''}" for d, k, o, _ in CAP_CASES])
def test_exactly_the_cap_is_eligible_and_one_fen_over_is_not(day, kind, offset, expected):
    _, individual_cap, enterprise_cap, _, _ = VERSIONS[day]
    policy = in_force(LOAN_POLICIES, day)
    cap = enterprise_cap if kind == "enterprise" else individual_cap
    facts = firm() if kind == "enterprise" else person()
    assert codes(policy, facts, cap + offset) == expected


@pytest.mark.parametrize("kind, months, expected", [
    ("individual", 36, []), ("individual", 37, ["term_over_cap"]),
    ("enterprise", 24, []), ("enterprise", 25, ["term_over_cap"]),
])
def test_the_term_cap_is_36_months_for_people_and_24_for_enterprises(kind, months, expected):
    policy = in_force(LOAN_POLICIES, dt.date(2026, 1, 1))
    assert codes(policy, firm() if kind == "enterprise" else person(), 100 * 100, months) == expected


@pytest.mark.parametrize("previous, expected", [(2, []), (3, ["lifetime_limit"])])
def test_at_most_three_guaranteed_loans_in_a_lifetime(previous, expected):
    policy = in_force(LOAN_POLICIES, dt.date(2026, 1, 1))
    assert codes(policy, person(lifetime_loans=previous), WAN) == expected


def test_an_outstanding_loan_makes_a_new_one_ineligible():
    policy = in_force(LOAN_POLICIES, dt.date(2026, 1, 1))
    assert codes(policy, person(outstanding_loans=1), WAN) == ["loan_outstanding"]


@pytest.mark.parametrize("facts, expected", [
    (person(registered=False, verified=False), ["borrower_not_registered"]),
    (person(verified=False), ["borrower_not_verified"]),
])
def test_only_a_registered_and_verified_borrower_is_eligible(facts, expected):
    assert codes(in_force(LOAN_POLICIES, dt.date(2026, 1, 1)), facts, WAN) == expected


HIRING_CASES = [
    # (day, headcount, new hires, eligible)
    (dt.date(2022, 6, 1), 20, 3, True), (dt.date(2022, 6, 1), 20, 2, False),      # 15 %
    (dt.date(2022, 6, 1), 150, 12, True), (dt.date(2022, 6, 1), 150, 11, False),   # 8 % above 100
    (dt.date(2024, 1, 1), 20, 2, True), (dt.date(2024, 1, 1), 20, 1, False),       # 10 %
    (dt.date(2026, 1, 1), 200, 10, True), (dt.date(2026, 1, 1), 200, 9, False),    # 5 % above 100
    (dt.date(2026, 1, 1), 100, 10, True), (dt.date(2026, 1, 1), 100, 9, False),    # 100 is not above 100
]


@pytest.mark.parametrize("day, headcount, hires, eligible", HIRING_CASES,
                         ids=[f"{VERSIONS[d][0]}-{h}staff-{n}hires" for d, h, n, _ in HIRING_CASES])
def test_an_enterprise_must_have_hired_the_policys_share_of_its_staff(day, headcount, hires, eligible):
    policy = in_force(LOAN_POLICIES, day)
    found = codes(policy, firm(headcount=headcount, new_hires=hires), WAN)
    assert found == ([] if eligible else ["hiring_share"])


def test_an_enterprise_without_a_headcount_report_is_told_so():
    policy = in_force(LOAN_POLICIES, dt.date(2026, 1, 1))
    assert codes(policy, firm(headcount=0, new_hires=0), WAN) == ["headcount_missing"]


def test_every_failed_rule_is_reported_together_with_its_reason():
    policy = in_force(LOAN_POLICIES, dt.date(2026, 1, 1))
    failures = domain.assess(policy, person(verified=False, lifetime_loans=3, outstanding_loans=1),
                             50 * WAN + 1, 37)
    assert [f.code for f in failures] == ["borrower_not_verified", "amount_over_cap", "term_over_cap",
                                          "lifetime_limit", "loan_outstanding"]
    assert "500,000.00元" in failures[1].message and "川办规〔2025〕6号" in failures[1].message
    assert all(f.field for f in failures)


@pytest.mark.parametrize("day, lpr", [(dt.date(2025, 6, 1), 300), (dt.date(2024, 8, 1), 335),
                                      (dt.date(2024, 10, 21), 310), (dt.date(2023, 1, 1), 365)])
def test_the_contract_rate_is_the_one_year_lpr_of_the_contract_day_plus_the_spread(day, lpr):
    assert domain.lpr_on(LPR_RATES, day) == lpr
    assert domain.contract_rate_bp(domain.lpr_on(LPR_RATES, day), 50) == lpr + 50


def test_a_bank_may_lower_the_amount_but_not_raise_it():
    policy = in_force(LOAN_POLICIES, dt.date(2026, 1, 1))
    domain.check_approval(30 * WAN, 24, 20 * WAN, 24, policy, "individual")
    with pytest.raises(InvalidInput) as raised:
        domain.check_approval(30 * WAN, 24, 30 * WAN + 1, 24, policy, "individual")
    assert raised.value.code == "amount_over_applied"


@pytest.mark.parametrize("amount, needs", [(30 * WAN, False), (30 * WAN + 1, True)])
def test_a_second_liaison_confirms_only_above_the_banks_amount(amount, needs):
    assert domain.needs_confirmation(amount, 30 * WAN) is needs


def test_the_maker_cannot_confirm_their_own_approval():
    domain.check_checker("maker", "checker")
    with pytest.raises(Forbidden) as refused:
        domain.check_checker("maker", "maker")
    assert refused.value.code == "four_eyes"
