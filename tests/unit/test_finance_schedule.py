"""Schedules, repayment allocation, overdue and default, the fund's ceiling and the interest subsidy."""

import datetime as dt

import pytest

from services.finance import domain
from services.finance.policy_data import FUND_POLICIES, LOAN_POLICIES
from shared.errors import InvalidInput, InvalidState

FUND = FUND_POLICIES[0]
POLICY_2020, POLICY_2023, POLICY_2025 = LOAN_POLICIES
START = dt.date(2026, 1, 31)


def test_equal_instalments_repay_exactly_the_principal_in_near_equal_payments():
    rows = domain.schedule(12_000_000, 350, 36, "equal_instalments", START)
    assert sum(r.principal_fen for r in rows) == 12_000_000
    payments = {r.principal_fen + r.interest_fen for r in rows[:-1]}
    assert max(payments) - min(payments) <= 1
    assert abs((rows[-1].principal_fen + rows[-1].interest_fen) - min(payments)) <= 36
    assert rows[0].interest_fen == 35_000  # 120,000 × 3.5 % / 12


def test_interest_only_pays_the_principal_at_maturity():
    rows = domain.schedule(6_000_000, 300, 12, "interest_only", START)
    assert [r.principal_fen for r in rows] == [0] * 11 + [6_000_000]
    assert {r.interest_fen for r in rows} == {15_000}


def test_instalments_fall_due_on_the_same_day_or_the_months_last_day():
    rows = domain.schedule(1_200_000, 300, 3, "equal_instalments", START)
    assert [r.due_on for r in rows] == [dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30)]
    assert domain.add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)


def test_a_repayment_goes_to_interest_before_principal_oldest_first():
    rows = domain.schedule(1_200_000, 1200, 3, "equal_instalments", START)
    first_due = rows[0].due_fen
    updated, interest, principal = domain.allocate(rows, first_due + 5_000)
    assert interest == rows[0].interest_fen + 5_000 == 12_000 + 5_000
    assert principal == rows[0].principal_fen
    assert updated[0].paid and updated[1].interest_paid_fen == 5_000 and updated[1].principal_paid_fen == 0


@pytest.mark.parametrize("amount, code", [(0, "amount_not_positive"), (-1, "amount_not_positive")])
def test_a_repayment_must_be_positive(amount, code):
    with pytest.raises(InvalidInput) as refused:
        domain.allocate(domain.schedule(100_000, 300, 2, "interest_only", START), amount)
    assert refused.value.code == code


def test_a_repayment_cannot_exceed_what_remains_due():
    rows = domain.schedule(100_000, 300, 2, "interest_only", START)
    domain.allocate(rows, domain.remaining_due(rows))
    with pytest.raises(InvalidInput) as refused:
        domain.allocate(rows, domain.remaining_due(rows) + 1)
    assert refused.value.code == "repayment_exceeds_balance"


def days_after_first_due(days: int) -> tuple[list, dt.date]:
    rows = domain.schedule(1_200_000, 300, 12, "equal_instalments", START)
    return rows, rows[0].due_on + dt.timedelta(days=days)


@pytest.mark.parametrize("days, status", [(0, "repaying"), (1, "overdue"), (90, "overdue"), (91, "defaulted")])
def test_more_than_ninety_days_overdue_is_a_default(days, status):
    rows, today = days_after_first_due(days)
    assert domain.days_overdue(rows, today) == days
    assert domain.status_after("repaying", rows, today, FUND) == status


def test_paying_the_arrears_returns_an_overdue_loan_to_repaying_and_paying_all_settles_it():
    rows, today = days_after_first_due(10)
    rows, _, _ = domain.allocate(rows, rows[0].due_fen)
    assert domain.status_after("overdue", rows, today, FUND) == "repaying"
    rows, _, _ = domain.allocate(rows, domain.remaining_due(rows))
    assert domain.status_after("repaying", rows, today, FUND) == "settled"


def test_the_fund_compensates_eighty_percent_and_the_bank_bears_the_rest():
    assert domain.compensation(FUND, 10_000_001) == (8_000_001, 2_000_000)
    fund, bank = domain.compensation(FUND, 1_234_567)
    assert fund + bank == 1_234_567


@pytest.mark.parametrize("rate_bp, leverage", [(None, 5), (8999, 5), (9000, 10), (9800, 10)])
def test_the_fund_backs_five_times_its_balance_or_ten_after_a_good_year(rate_bp, leverage):
    assert domain.fund_ceiling(FUND, 1_000_000, rate_bp) == leverage * 1_000_000


def test_an_approval_up_to_the_ceiling_passes_and_one_fen_over_is_refused():
    domain.check_fund(5_000_000, 3_000_000, 2_000_000)
    with pytest.raises(InvalidState) as refused:
        domain.check_fund(5_000_000, 3_000_000, 2_000_001)
    assert refused.value.code == "fund_ceiling"


def test_from_2023_half_the_interest_paid_is_subsidised():
    assert domain.interest_subsidy(POLICY_2023, "individual", 20_000_000, 345, 345, 100_001) == 50_001


def test_under_the_2025_policy_only_the_first_300000_yuan_earns_the_subsidy():
    # a 500,000-yuan loan: 50 % of the interest on 300/500 of the principal
    assert domain.interest_subsidy(POLICY_2025, "individual", 50_000_000, 300, 300, 1_000_000) == 300_000
    assert domain.interest_subsidy(POLICY_2025, "enterprise", 40_000_000, 300, 300, 1_000_000) == 500_000


def test_under_the_2020_policy_the_borrower_pays_up_to_lpr_less_150_basis_points():
    # contract 5.35 %, LPR 3.85 %: the borrower bears 2.35 %, the subsidy 3.00 / 5.35 of the interest
    assert domain.interest_subsidy(POLICY_2020, "individual", 10_000_000, 535, 385, 535_000) == 300_000


@pytest.mark.parametrize("quarter, bounds", [
    ("2026Q1", (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
    ("2026Q4", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
])
def test_quarters_have_their_calendar_bounds(quarter, bounds):
    assert domain.quarter_bounds(quarter) == bounds
    assert domain.quarter_of(bounds[1]) == quarter


@pytest.mark.parametrize("text", ["2026Q5", "2026-Q1", "26Q1", "2026Q"])
def test_a_badly_written_quarter_is_refused(text):
    with pytest.raises(InvalidInput) as refused:
        domain.quarter_bounds(text)
    assert refused.value.code == "quarter_format"
