"""The loan rules as the policies write them (issue 17), each test named in the policy's words.

Sources: 财金〔2020〕21号, 财金〔2023〕75号 and 川办规〔2025〕6号 (domain.md's table), seed 001
(小微企业（包括农村合作社）优先), docs/policies.md.
"""

import pytest

from services.finance.domain import ledger
from services.finance.domain import loans as loan_rules
from tests.unit.test_finance_eligibility import (
    V2020,
    V2023,
    V2025,
    VERSIONS,
    WAN,
    codes,
    firm,
    person,
)

MEMBER = loan_rules.Partner("李四", registered=True, verified=True, lifetime_loans=0, outstanding_loans=0)


def partnership(*others: loan_rules.Partner, **overrides) -> loan_rules.BorrowerFacts:
    applicant = loan_rules.Partner("张三", True, True, 0, 0)
    return person(kind="partnership", partners=(applicant, *others), **overrides)


def message(policy, facts, amount=WAN, term=24) -> str:
    return "；".join(f.message for f in loan_rules.assess(policy, facts, amount, term))


# ---- partnerships (合伙创业): up to 110 % of the members' combined individual caps ---------------


@pytest.mark.parametrize("version", VERSIONS, ids=[v.id for v in VERSIONS])
def test_partnership_of_three_gets_110_percent_of_their_caps(version):
    three = partnership(MEMBER, MEMBER)
    cap = version.individual_cap * 3 * 110 // 100
    assert codes(version.policy, three, cap) == []
    assert codes(version.policy, three, cap + 1) == ["amount_over_cap"]
    assert "3人合伙，个人上限合计的110%" in message(version.policy, three, cap + 1)


def test_partnership_of_two_under_the_2025_policy_may_borrow_1_1_million():
    assert loan_rules.amount_cap(V2025.policy, "partnership", 2) == 110 * WAN


def test_a_partnership_borrows_on_the_individuals_term():
    assert codes(V2025.policy, partnership(MEMBER), WAN, 36) == []
    assert codes(V2025.policy, partnership(MEMBER), WAN, 37) == ["term_over_cap"]


def test_a_partnership_needs_another_member():
    assert codes(V2025.policy, partnership()) == ["partners_too_few"]


@pytest.mark.parametrize("member, code", [
    (loan_rules.Partner("李四", False, False, 0, 0), "partner_not_registered"),
    (loan_rules.Partner("李四", True, False, 0, 0), "partner_not_verified"),
    (loan_rules.Partner("李四", True, True, 3, 0), "partner_lifetime_limit"),
    (loan_rules.Partner("李四", True, True, 1, 1), "partner_loan_outstanding"),
], ids=["not-registered", "not-verified", "three-loans-already", "a-loan-outstanding"])
def test_every_member_of_a_partnership_is_checked_as_if_they_borrowed_alone(member, code):
    failures = loan_rules.assess(V2025.policy, partnership(MEMBER, member), WAN, 24)
    assert [f.code for f in failures] == [code]
    assert "李四" in failures[0].message and failures[0].field == "partners"


# ---- caps by kind of borrower ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["individual_business", "family_farm"])
@pytest.mark.parametrize("version", VERSIONS, ids=[v.id for v in VERSIONS])
def test_individual_businesses_and_family_farms_borrow_on_the_individuals_cap_and_term(version, kind):
    business = firm(enterprise_kind=kind)
    assert codes(version.policy, business, version.individual_cap, 36) == []
    assert codes(version.policy, business, version.individual_cap + 1, 24) == ["amount_over_cap"]
    assert codes(version.policy, business, WAN, 37) == ["term_over_cap"]
    assert "个体工商户、家庭农场按个人创业担保贷款的额度" in message(version.policy, business, version.individual_cap + 1)


@pytest.mark.parametrize("kind", ["small_micro", "cooperative"])
@pytest.mark.parametrize("version", VERSIONS, ids=[v.id for v in VERSIONS])
def test_small_and_micro_enterprises_and_cooperatives_borrow_on_the_enterprise_cap(version, kind):
    enterprise = firm(enterprise_kind=kind)
    assert codes(version.policy, enterprise, version.enterprise_cap, 24) == []
    assert codes(version.policy, enterprise, version.enterprise_cap + 1, 24) == ["amount_over_cap"]
    assert codes(version.policy, enterprise, WAN, 25) == ["term_over_cap"]


def test_an_individual_business_needs_no_hiring_share_but_a_cooperative_does():
    assert codes(V2025.policy, firm(enterprise_kind="individual_business", headcount=20, new_hires=0)) == []
    assert codes(V2025.policy, firm(enterprise_kind="cooperative", headcount=20, new_hires=0)) == ["hiring_share"]


def test_the_bank_approves_an_individual_business_within_the_individuals_cap_only():
    loan_rules.check_approval(V2025.individual_cap, 36, V2025.individual_cap, 36, V2025.policy, "individual")
    with pytest.raises(Exception, match="审批金额超过上限"):
        loan_rules.check_approval(V2025.enterprise_cap, 24, V2025.individual_cap + 1, 24, V2025.policy, "individual")


# ---- the year's hiring share (当年新招用) ----------------------------------------------------------


def test_the_hiring_share_counts_the_years_new_hires_and_says_which_year():
    facts = firm(headcount=40, new_hires=3, hiring_year=2026)
    assert message(V2025.policy, facts) == "2026年新招用人数3人，未达到职工总数40人的10%（川办规〔2025〕6号）"
    assert codes(V2025.policy, firm(headcount=40, new_hires=4, hiring_year=2026)) == []


def test_an_enterprise_without_a_report_of_the_year_is_told_which_year_is_missing():
    facts = firm(headcount=None, new_hires=None, hiring_year=2026)
    assert message(V2025.policy, facts) == "经营主体尚未填报2026年的职工人数"


# ---- no other guaranteed loan outstanding, across the person and their enterprises --------------


def test_a_loan_outstanding_of_the_person_or_any_enterprise_they_lead_stands_in_the_way():
    [failure] = loan_rules.assess(V2025.policy, person(outstanding_loans=1), WAN, 24)
    assert failure.code == "loan_outstanding"
    assert failure.message == "本人或本人创办的经营主体尚有未结清的创业担保贷款"


# ---- the 2025 interest subsidy above the cap: the local budget pays it ---------------------------


def test_interest_on_principal_above_300_thousand_is_subsidised_from_the_local_budget():
    # 500,000 lent at 3.00 %, a quarter's interest of 3,750 yuan: half of it is subsidised, 3/5 of
    # that on the 300,000 the policy caps, 2/5 (on the 200,000 above) from the local budget
    parts = loan_rules.interest_subsidy_parts(V2025.policy, "individual", 50 * WAN, 300, 300, 375_000)
    assert (parts.programme_fen, parts.local_fen, parts.total_fen) == (112_500, 75_000, 187_500)


def test_an_enterprise_above_4_million_has_the_part_above_paid_from_the_local_budget():
    parts = loan_rules.interest_subsidy_parts(V2025.policy, "enterprise", 500 * WAN, 300, 300, 1_000_000)
    assert (parts.programme_fen, parts.local_fen) == (400_000, 100_000)


def test_a_loan_within_the_cap_has_no_local_part():
    parts = loan_rules.interest_subsidy_parts(V2025.policy, "individual", 30 * WAN, 300, 300, 100_000)
    assert (parts.programme_fen, parts.local_fen) == (50_000, 0)


@pytest.mark.parametrize("version", [V2020, V2023], ids=["policy2020", "policy2023"])
def test_the_earlier_policies_have_no_cap_and_no_local_part(version):
    parts = loan_rules.interest_subsidy_parts(version.policy, "individual", 30 * WAN, 345, 345, 100_000)
    assert parts.local_fen == 0 and parts.programme_fen > 0


def test_a_partnerships_subsidy_cap_is_each_members_cap_together():
    parts = loan_rules.interest_subsidy_parts(V2025.policy, "partnership", 110 * WAN, 300, 300, 110_000, partners=2)
    assert (parts.programme_fen, parts.local_fen) == (30_000, 25_000)


def test_the_local_budgets_part_is_booked_to_its_own_account():
    posting = ledger.interest_subsidy_paid("interest:2026Q1:x", 112_500, 75_000)
    assert ledger.balances(posting.lines) == {ledger.INTEREST_SUBSIDY: 112_500,
                                              ledger.LOCAL_INTEREST_SUBSIDY: 75_000, ledger.BUDGET: -187_500}
    assert ledger.account_name(ledger.LOCAL_INTEREST_SUBSIDY) == "贴息支出（地方财政，超过贴息上限部分）"


# ---- the fund's repayment rate, from the ledger ---------------------------------------------------


@pytest.mark.parametrize("repaid, defaulted, rate", [
    (900, 100, 9000), (8_999_999, 1_000_000, 8999), (100, 0, 10000), (0, 50, 0), (0, 0, None),
], ids=["exactly-90-percent", "just-under-90-is-not-90", "all-repaid", "all-defaulted", "nothing-happened"])
def test_last_years_repayment_rate_is_principal_repaid_over_repaid_and_defaulted(repaid, defaulted, rate):
    assert loan_rules.repayment_rate_bp(repaid, defaulted) == rate


def test_a_fund_with_a_90_percent_repayment_rate_may_stand_behind_ten_times_its_balance():
    from services.finance.domain.policy_data import FUND_POLICIES
    policy = FUND_POLICIES[0]
    assert loan_rules.fund_ceiling(policy, 100, loan_rules.repayment_rate_bp(900, 100)) == 1000
    assert loan_rules.fund_ceiling(policy, 100, loan_rules.repayment_rate_bp(8_999_999, 1_000_000)) == 500
    assert loan_rules.fund_ceiling(policy, 100, None) == 500
