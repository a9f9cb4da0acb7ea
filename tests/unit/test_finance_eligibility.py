"""Loan eligibility as a table of cases per policy version, the boundaries included; the contract
rate, the bank's approval, maker-checker.

Each case picks its policy the way the service does, by the day, from `policy_data.LOAN_POLICIES`.
"""

import datetime as dt
import re

import pytest

from services.finance.domain import loans as loan_rules
from services.finance.domain.policy import in_force
from services.finance.domain.policy_data import BANKS, LOAN_POLICIES, LPR_RATES
from shared.errors import Forbidden, InvalidInput, InvalidState

WAN = 1_000_000  # 10,000 yuan in fen


def policy_id(code: str) -> str:
    """An ASCII test id for a version: 财金〔2023〕75号 → policy2023."""
    return "policy" + re.search(r"\d{4}", code).group()


class Version:
    """What docs/policies.md says of one version, written out here so the data is checked against it."""

    def __init__(self, day, code, individual_cap, enterprise_cap, share_pct, large_share_pct):
        self.day, self.code, self.id = day, code, policy_id(code)
        self.individual_cap, self.enterprise_cap = individual_cap, enterprise_cap
        self.share_pct, self.large_share_pct = share_pct, large_share_pct

    @property
    def policy(self):
        return in_force(LOAN_POLICIES, self.day)

    def cap(self, kind):
        return self.enterprise_cap if kind == "enterprise" else self.individual_cap


V2020 = Version(dt.date(2022, 6, 1), "财金〔2020〕21号", 20 * WAN, 300 * WAN, 15, 8)
V2023 = Version(dt.date(2024, 1, 1), "财金〔2023〕75号", 30 * WAN, 400 * WAN, 10, 5)
V2025 = Version(dt.date(2026, 1, 1), "川办规〔2025〕6号", 50 * WAN, 600 * WAN, 10, 5)
VERSIONS = (V2020, V2023, V2025)
TERM_CAP = {"individual": 36, "enterprise": 24}


def person(**overrides) -> loan_rules.BorrowerFacts:
    facts = {"kind": "individual", "registered": True, "verified": True, "lifetime_loans": 0,
             "outstanding_loans": 0}
    return loan_rules.BorrowerFacts(**{**facts, **overrides})


def firm(headcount=50, new_hires=10, **overrides) -> loan_rules.BorrowerFacts:
    """A small or micro enterprise (小微企业), unless `enterprise_kind` says otherwise."""
    overrides.setdefault("enterprise_kind", "small_micro")
    return person(kind="enterprise", headcount=headcount, new_hires=new_hires, **overrides)


def borrower(kind, **overrides) -> loan_rules.BorrowerFacts:
    return firm(**overrides) if kind == "enterprise" else person(**overrides)


def codes(policy, facts, amount=WAN, term=24) -> list[str]:
    return [failure.code for failure in loan_rules.assess(policy, facts, amount, term)]


def per_version(*cases):
    """Each `(name, *values)` case under every version, with ids like `policy2023-name`."""
    return [pytest.param(version, *values, id=f"{version.id}-{name}")
            for version in VERSIONS for name, *values in cases]


# ---- which version applies ------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS, ids=[v.id for v in VERSIONS])
def test_the_version_in_force_on_the_application_day_applies_with_its_published_figures(version):
    policy = version.policy
    assert policy.code == version.code
    assert (policy.individual_cap_fen, policy.enterprise_cap_fen) == (version.individual_cap,
                                                                       version.enterprise_cap)
    assert (policy.individual_term_months, policy.enterprise_term_months) == (36, 24)
    assert policy.lifetime_loans == 3
    assert (policy.hiring_share_bp, policy.hiring_share_large_bp) == (version.share_pct * 100,
                                                                      version.large_share_pct * 100)


@pytest.mark.parametrize("day, code", [
    (dt.date(2021, 1, 1), "财金〔2020〕21号"),
    (dt.date(2023, 9, 30), "财金〔2020〕21号"),
    (dt.date(2023, 10, 1), "财金〔2023〕75号"),
    (dt.date(2025, 4, 30), "财金〔2023〕75号"),
    (dt.date(2025, 5, 1), "川办规〔2025〕6号"),
], ids=lambda value: str(value) if isinstance(value, dt.date) else policy_id(value))
def test_a_new_version_applies_from_its_effective_day_and_not_the_day_before(day, code):
    assert in_force(LOAN_POLICIES, day).code == code


def test_an_application_before_any_policy_took_effect_has_no_version():
    with pytest.raises(InvalidState) as refused:
        in_force(LOAN_POLICIES, dt.date(2020, 12, 31))
    assert refused.value.code == "no_policy_in_force"


# ---- amount -----------------------------------------------------------------------------------

CAP_CASES = [(version, kind, over, [] if over == 0 else ["amount_over_cap"])
             for version in VERSIONS for kind in ("individual", "enterprise") for over in (0, 1)]


@pytest.mark.parametrize("version, kind, over, expected", CAP_CASES, ids=[
    f"{v.id}-{kind}-{'one-fen-over-the-cap' if over else 'exactly-the-cap'}"
    for v, kind, over, _ in CAP_CASES])
def test_a_loan_of_exactly_the_cap_is_eligible_and_one_fen_over_is_not(version, kind, over, expected):
    assert codes(version.policy, borrower(kind), version.cap(kind) + over) == expected


@pytest.mark.parametrize("version", VERSIONS, ids=[v.id for v in VERSIONS])
def test_individual_loan_of_exactly_the_cap_is_eligible(version):
    assert loan_rules.assess(version.policy, person(), version.individual_cap, 36) == []


@pytest.mark.parametrize("version", VERSIONS, ids=[v.id for v in VERSIONS])
def test_the_cap_message_names_the_cap_and_the_version_applied(version):
    [failure] = loan_rules.assess(version.policy, person(), version.individual_cap + 1, 12)
    assert failure.field == "amount_yuan"
    assert f"{version.individual_cap // 100:,}.00元" in failure.message
    assert version.code in failure.message


def test_a_loan_allowed_under_the_new_policy_was_over_the_cap_under_the_old_one():
    amount = 30 * WAN  # 300,000 yuan
    assert codes(V2020.policy, person(), amount) == ["amount_over_cap"]
    assert codes(V2023.policy, person(), amount) == []


# ---- term -------------------------------------------------------------------------------------

TERM_CASES = [(version, kind, over, [] if over == 0 else ["term_over_cap"])
              for version in VERSIONS for kind in ("individual", "enterprise") for over in (0, 1)]


@pytest.mark.parametrize("version, kind, over, expected", TERM_CASES, ids=[
    f"{v.id}-{kind}-{TERM_CAP[kind] + over}-months" for v, kind, over, _ in TERM_CASES])
def test_a_term_of_36_months_for_people_or_24_for_enterprises_is_eligible_and_one_more_is_not(
        version, kind, over, expected):
    assert codes(version.policy, borrower(kind), WAN, TERM_CAP[kind] + over) == expected


# ---- lifetime and outstanding loans, registration ---------------------------------------------


@pytest.mark.parametrize("version, previous, expected", per_version(
    ("two-previous-loans", 2, []), ("three-previous-loans", 3, ["lifetime_limit"])))
def test_at_most_three_guaranteed_loans_in_a_lifetime(version, previous, expected):
    assert codes(version.policy, person(lifetime_loans=previous)) == expected


@pytest.mark.parametrize("version, kind", per_version(("individual", "individual"),
                                                      ("enterprise", "enterprise")))
def test_a_borrower_with_a_guaranteed_loan_outstanding_cannot_take_another(version, kind):
    assert codes(version.policy, borrower(kind, outstanding_loans=1)) == ["loan_outstanding"]


@pytest.mark.parametrize("version, facts, expected", per_version(
    ("unregistered-person", person(registered=False, verified=False), ["borrower_not_registered"]),
    ("unverified-person", person(verified=False), ["borrower_not_verified"]),
    ("unregistered-enterprise", firm(registered=False, verified=False), ["borrower_not_registered"]),
    ("unverified-enterprise", firm(verified=False), ["borrower_not_verified"]),
))
def test_only_a_registered_and_verified_borrower_is_eligible(version, facts, expected):
    assert codes(version.policy, facts) == expected


def test_the_registration_failure_speaks_of_the_enterprise_or_the_entrepreneur():
    [of_firm] = loan_rules.assess(V2025.policy, firm(verified=False), WAN, 12)
    [of_person] = loan_rules.assess(V2025.policy, person(registered=False), WAN, 12)
    assert "经营主体" in of_firm.message and "创业者" in of_person.message


# ---- the enterprise's hiring share ------------------------------------------------------------

HIRING_CASES = [
    # (version, headcount, new hires, eligible): exactly the share passes, one hire fewer fails
    (V2020, 20, 3, True), (V2020, 20, 2, False),        # 15 %
    (V2020, 100, 15, True), (V2020, 100, 14, False),    # 100 staff is not "over 100": still 15 %
    (V2020, 200, 16, True), (V2020, 200, 15, False),    # 8 % over 100 staff
    (V2020, 101, 9, True), (V2020, 101, 8, False),      # 8 % of 101 is 8.08: 9 are needed
    (V2023, 20, 2, True), (V2023, 20, 1, False),        # 10 %
    (V2023, 100, 10, True), (V2023, 100, 9, False),
    (V2023, 200, 10, True), (V2023, 200, 9, False),     # 5 % over 100 staff
    (V2023, 101, 6, True), (V2023, 101, 5, False),      # 5 % of 101 is 5.05: 6 are needed
    (V2025, 30, 3, True), (V2025, 30, 2, False),        # as 2023: 10 %
    (V2025, 200, 10, True), (V2025, 200, 9, False),     # as 2023: 5 % over 100 staff
]


@pytest.mark.parametrize("version, headcount, hires, eligible", HIRING_CASES, ids=[
    f"{v.id}-{h}-staff-{n}-hires-{'eligible' if ok else 'too-few'}"
    for v, h, n, ok in HIRING_CASES])
def test_an_enterprise_must_have_hired_at_least_the_policys_share_of_its_staff(
        version, headcount, hires, eligible):
    found = codes(version.policy, firm(headcount=headcount, new_hires=hires))
    assert found == ([] if eligible else ["hiring_share"])


@pytest.mark.parametrize("version", VERSIONS, ids=[v.id for v in VERSIONS])
def test_the_hiring_share_message_names_the_share_and_the_version(version):
    [failure] = loan_rules.assess(version.policy, firm(headcount=20, new_hires=0), WAN, 12)
    assert f"{version.share_pct}%" in failure.message and version.code in failure.message
    assert "20人" in failure.message


def test_an_individual_needs_no_hiring_share():
    assert codes(V2025.policy, person(headcount=100, new_hires=0)) == []


@pytest.mark.parametrize("headcount", [0, None], ids=["zero-staff", "no-report"])
def test_an_enterprise_without_a_headcount_report_is_told_so(headcount):
    assert codes(V2025.policy, firm(headcount=headcount, new_hires=None)) == ["headcount_missing"]


# ---- several failures at once -------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS, ids=[v.id for v in VERSIONS])
def test_every_failed_rule_of_a_person_is_reported_together_each_with_its_code(version):
    facts = person(verified=False, lifetime_loans=3, outstanding_loans=1)
    failures = loan_rules.assess(version.policy, facts, version.individual_cap + 1, 37)
    assert [(f.code, f.field) for f in failures] == [
        ("borrower_not_verified", "borrower"), ("amount_over_cap", "amount_yuan"),
        ("term_over_cap", "term_months"), ("lifetime_limit", "borrower"),
        ("loan_outstanding", "borrower")]
    assert all(f.message for f in failures)
    assert failures[1].as_dict()["code"] == "amount_over_cap"


@pytest.mark.parametrize("version", VERSIONS, ids=[v.id for v in VERSIONS])
def test_every_failed_rule_of_an_enterprise_is_reported_together_each_with_its_code(version):
    facts = firm(registered=False, verified=False, headcount=40, new_hires=1, outstanding_loans=2)
    failures = loan_rules.assess(version.policy, facts, version.enterprise_cap + 1, 25)
    assert [f.code for f in failures] == ["borrower_not_registered", "amount_over_cap",
                                          "term_over_cap", "loan_outstanding", "hiring_share"]


# ---- the contract rate ------------------------------------------------------------------------


@pytest.mark.parametrize("day, lpr", [
    (dt.date(2025, 6, 1), 300), (dt.date(2024, 8, 1), 335),
    (dt.date(2025, 5, 20), 300), (dt.date(2025, 5, 19), 310),   # the day a new LPR is published
    (dt.date(2024, 7, 22), 335), (dt.date(2024, 7, 21), 345),
    (dt.date(2022, 6, 1), 370), (dt.date(2020, 4, 20), 385),
], ids=lambda value: str(value))
def test_the_one_year_lpr_is_the_one_published_on_or_before_the_contract_day(day, lpr):
    assert loan_rules.lpr_on(LPR_RATES, day) == lpr


def test_the_contract_rate_is_the_lpr_of_the_contract_day_plus_the_banks_spread():
    assert loan_rules.contract_rate_bp(loan_rules.lpr_on(LPR_RATES, dt.date(2025, 6, 1)), 50) == 350
    assert loan_rules.contract_rate_bp(loan_rules.lpr_on(LPR_RATES, dt.date(2024, 8, 1)), 0) == 335


def test_a_contract_before_the_first_published_lpr_has_no_rate():
    with pytest.raises(InvalidState) as refused:
        loan_rules.lpr_on(LPR_RATES, dt.date(2020, 4, 19))
    assert refused.value.code == "no_policy_in_force"


# ---- the bank's approval ------------------------------------------------------------------------


@pytest.mark.parametrize("approved", [30 * WAN, 20 * WAN, 1], ids=["as-applied", "lowered", "one-fen"])
def test_a_bank_may_approve_the_amount_applied_for_or_lower_it(approved):
    loan_rules.check_approval(30 * WAN, 24, approved, 24, V2025.policy, "individual")


def test_a_bank_may_not_raise_the_amount_applied_for_even_by_one_fen():
    with pytest.raises(InvalidInput) as refused:
        loan_rules.check_approval(30 * WAN, 24, 30 * WAN + 1, 24, V2025.policy, "individual")
    assert (refused.value.code, refused.value.field) == ("amount_over_applied", "amount_yuan")


def test_a_bank_may_not_approve_more_than_the_cap_of_the_contracts_version():
    with pytest.raises(InvalidInput) as refused:
        loan_rules.check_approval(60 * WAN, 24, 50 * WAN + 1, 24, V2025.policy, "individual")
    assert refused.value.code == "amount_over_cap"
    loan_rules.check_approval(60 * WAN, 24, 50 * WAN, 24, V2025.policy, "individual")


@pytest.mark.parametrize("kind, term, ok", [
    ("individual", 36, True), ("individual", 37, False), ("enterprise", 24, True),
    ("enterprise", 25, False)], ids=["person-36", "person-37", "enterprise-24", "enterprise-25"])
def test_a_bank_sets_the_term_longer_or_shorter_than_asked_but_within_the_cap(kind, term, ok):
    if ok:
        loan_rules.check_approval(WAN, 12, WAN, term, V2025.policy, kind)
        return
    with pytest.raises(InvalidInput) as refused:
        loan_rules.check_approval(WAN, 12, WAN, term, V2025.policy, kind)
    assert refused.value.code == "term_over_cap"


@pytest.mark.parametrize("bank, threshold", [(code, fen) for code, _, fen in BANKS],
                         ids=[code for code, _, _ in BANKS])
def test_a_second_liaison_confirms_only_an_approval_above_the_banks_amount(bank, threshold):
    assert loan_rules.needs_confirmation(threshold, threshold) is False
    assert loan_rules.needs_confirmation(threshold - 1, threshold) is False
    assert loan_rules.needs_confirmation(threshold + 1, threshold) is True


@pytest.mark.parametrize("maker", ["liaison-a", None], ids=["another-liaison", "no-maker-recorded"])
def test_another_liaison_may_confirm_an_approval(maker):
    loan_rules.check_checker(maker, "liaison-b")


def test_the_maker_cannot_confirm_their_own_approval():
    with pytest.raises(Forbidden) as refused:
        loan_rules.check_checker("liaison-a", "liaison-a")
    assert refused.value.code == "four_eyes"
