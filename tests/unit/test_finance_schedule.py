"""Schedules, repayment allocation, overdue and default, compensation, the fund's ceiling, the
interest subsidy under each version, and quarters."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.finance.domain import loans as loan_rules
from services.finance.domain.policy_data import FUND_POLICIES, LOAN_POLICIES
from shared.errors import InvalidInput, InvalidState

FUND = FUND_POLICIES[0]
POLICY_2020, POLICY_2023, POLICY_2025 = LOAN_POLICIES
WAN = 1_000_000  # 10,000 yuan in fen
START = dt.date(2026, 1, 31)


def payments(rows) -> list[int]:
    return [row.principal_fen + row.interest_fen for row in rows]


# ---- schedule -----------------------------------------------------------------------------------

LOANS = [  # principal, rate bp, months
    pytest.param(50 * WAN, 350, 36, id="500000-yuan-36-months-at-3.50pct"),
    pytest.param(30 * WAN, 345, 24, id="300000-yuan-24-months-at-3.45pct"),
    pytest.param(12 * WAN, 350, 36, id="120000-yuan-36-months-at-3.50pct"),
    pytest.param(600 * WAN, 310, 24, id="6000000-yuan-24-months-at-3.10pct"),
    pytest.param(1 * WAN + 1, 300, 7, id="10000.01-yuan-7-months"),
    pytest.param(1 * WAN, 0, 12, id="interest-free"),
]


@pytest.mark.parametrize("principal, rate, months", LOANS)
def test_equal_instalments_repay_exactly_the_principal_in_payments_equal_to_the_fen(
        principal, rate, months):
    rows = loan_rules.schedule(principal, rate, months, "equal_instalments", START)
    assert len(rows) == months and [r.number for r in rows] == list(range(1, months + 1))
    assert sum(r.principal_fen for r in rows) == principal
    assert all(r.principal_fen >= 0 and r.interest_fen >= 0 for r in rows)
    before_last = payments(rows[:-1])
    assert max(before_last) - min(before_last) <= 1
    assert abs(payments(rows)[-1] - before_last[0]) <= months  # the last absorbs the rounding


def test_the_first_instalments_interest_is_a_month_of_the_rate_on_the_whole_principal():
    rows = loan_rules.schedule(12 * WAN, 350, 36, "equal_instalments", START)
    assert rows[0].interest_fen == 35_000  # 120,000 × 3.5 % / 12
    assert rows[0].principal_fen + rows[0].interest_fen == 351_625  # 等额本息 3,516.25 yuan


@settings(max_examples=200, deadline=None)
@given(principal=st.integers(100 * 100, 600 * WAN), rate=st.integers(0, 1500),
       months=st.integers(1, 36))
def test_any_equal_instalment_schedule_repays_the_principal_exactly_in_equal_payments(
        principal, rate, months):
    rows = loan_rules.schedule(principal, rate, months, "equal_instalments", START)
    assert sum(r.principal_fen for r in rows) == principal
    assert all(r.principal_fen >= 0 and r.interest_fen >= 0 for r in rows)
    before_last = payments(rows[:-1]) or [0]
    assert max(before_last) - min(before_last) <= 1


@pytest.mark.parametrize("principal, rate, months", LOANS)
def test_interest_only_has_no_principal_until_the_last_instalment(principal, rate, months):
    rows = loan_rules.schedule(principal, rate, months, "interest_only", START)
    assert [r.principal_fen for r in rows] == [0] * (months - 1) + [principal]
    assert len({r.interest_fen for r in rows}) == 1


def test_interest_only_charges_a_month_of_the_rate_every_month():
    rows = loan_rules.schedule(60 * 100 * 1000, 300, 12, "interest_only", START)
    assert {r.interest_fen for r in rows} == {15_000}  # 60,000 × 3 % / 12


@pytest.mark.parametrize("day, months, expected", [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),   # leap year
    (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
    (dt.date(2026, 1, 31), 2, dt.date(2026, 3, 31)),   # counted from the start, not month by month
    (dt.date(2025, 12, 31), 2, dt.date(2026, 2, 28)),  # across the year
    (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),
    (dt.date(2026, 11, 15), 14, dt.date(2028, 1, 15)),
    (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
], ids=lambda value: str(value))
def test_a_month_later_is_the_same_day_or_the_last_day_of_a_shorter_month(day, months, expected):
    assert loan_rules.add_months(day, months) == expected


def test_instalments_from_the_31st_fall_due_on_each_months_last_day_and_come_back_to_the_31st():
    rows = loan_rules.schedule(12 * WAN, 300, 4, "equal_instalments", START)
    assert [r.due_on for r in rows] == [dt.date(2026, 2, 28), dt.date(2026, 3, 31),
                                        dt.date(2026, 4, 30), dt.date(2026, 5, 31)]


# ---- repayment ------------------------------------------------------------------------------------


def test_a_repayment_goes_to_interest_before_principal_oldest_instalment_first():
    rows = loan_rules.schedule(12 * 100_000, 1200, 3, "equal_instalments", START)
    updated, interest, principal = loan_rules.allocate(rows, rows[0].due_fen + 5_000)
    assert interest == rows[0].interest_fen + 5_000 == 12_000 + 5_000
    assert principal == rows[0].principal_fen
    assert updated[0].paid
    assert (updated[1].interest_paid_fen, updated[1].principal_paid_fen) == (5_000, 0)
    assert (updated[2].interest_paid_fen, updated[2].principal_paid_fen) == (0, 0)


def test_a_repayment_smaller_than_the_interest_due_pays_only_interest():
    rows = loan_rules.schedule(12 * 100_000, 1200, 3, "equal_instalments", START)
    updated, interest, principal = loan_rules.allocate(rows, 100)
    assert (interest, principal) == (100, 0)
    assert updated[0].interest_paid_fen == 100 and updated[0].principal_paid_fen == 0


def test_a_repayment_does_not_change_the_instalments_it_was_given():
    rows = loan_rules.schedule(12 * 100_000, 1200, 3, "equal_instalments", START)
    loan_rules.allocate(rows, 50_000)
    assert all(r.interest_paid_fen == r.principal_paid_fen == 0 for r in rows)


def test_paying_all_that_remains_settles_every_instalment():
    rows = loan_rules.schedule(12 * 100_000, 1200, 3, "equal_instalments", START)
    updated, interest, principal = loan_rules.allocate(rows, loan_rules.remaining_due(rows))
    assert all(r.paid for r in updated)
    assert principal == 12 * 100_000 and interest == sum(r.interest_fen for r in rows)
    assert loan_rules.outstanding_principal(updated) == loan_rules.remaining_due(updated) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=12))
def test_repayments_in_any_amounts_split_exactly_into_interest_and_principal(percents):
    rows = loan_rules.schedule(30 * WAN, 345, 12, "equal_instalments", START)
    for per_myriad in percents:
        due = loan_rules.remaining_due(rows)
        if due == 0:
            break
        amount = max(1, due * per_myriad // 10_000)
        before = loan_rules.outstanding_principal(rows)
        rows, interest, principal = loan_rules.allocate(rows, amount)
        assert interest + principal == amount
        assert loan_rules.outstanding_principal(rows) == before - principal
        assert loan_rules.remaining_due(rows) == due - amount
        assert all(0 <= r.principal_paid_fen <= r.principal_fen
                   and 0 <= r.interest_paid_fen <= r.interest_fen for r in rows)


@pytest.mark.parametrize("amount", [0, -1], ids=["zero", "negative"])
def test_a_repayment_of_nothing_is_refused(amount):
    with pytest.raises(InvalidInput) as refused:
        loan_rules.allocate(loan_rules.schedule(100_000, 300, 2, "interest_only", START), amount)
    assert refused.value.code == "amount_not_positive"


def test_a_repayment_over_what_remains_due_is_refused_even_by_one_fen():
    rows = loan_rules.schedule(100_000, 300, 2, "interest_only", START)
    with pytest.raises(InvalidInput) as refused:
        loan_rules.allocate(rows, loan_rules.remaining_due(rows) + 1)
    assert (refused.value.code, refused.value.field) == ("repayment_exceeds_balance", "amount_yuan")


# ---- overdue, default, settlement -------------------------------------------------------------------


def days_after_first_due(days: int):
    rows = loan_rules.schedule(12 * 100_000, 300, 12, "equal_instalments", START)
    return rows, rows[0].due_on + dt.timedelta(days=days)


@pytest.mark.parametrize("days, status", [
    (-1, "repaying"), (0, "repaying"), (1, "overdue"), (30, "overdue"), (90, "overdue"),
    (91, "defaulted"), (400, "defaulted"),
], ids=lambda value: f"{value}-days-late" if isinstance(value, int) else value)
def test_a_loan_one_day_late_is_overdue_and_more_than_ninety_days_late_is_defaulted(days, status):
    rows, today = days_after_first_due(days)
    assert loan_rules.days_overdue(rows, today) == max(days, 0)
    assert loan_rules.status_after("repaying", rows, today, FUND) == status


def test_the_default_day_count_comes_from_the_fund_policy():
    assert FUND.default_after_days == 90


def test_days_overdue_count_from_the_oldest_unpaid_instalment():
    rows, today = days_after_first_due(40)  # 2026-04-09: the second instalment (03-31) is late too
    assert loan_rules.days_overdue(rows, today) == 40
    rows, _, _ = loan_rules.allocate(rows, rows[0].due_fen)
    assert loan_rules.days_overdue(rows, today) == (today - rows[1].due_on).days == 9


def test_a_partly_paid_instalment_is_still_late():
    rows, today = days_after_first_due(5)
    rows, _, _ = loan_rules.allocate(rows, rows[0].due_fen - 1)
    assert loan_rules.status_after("overdue", rows, today, FUND) == "overdue"


def test_a_late_loan_whose_arrears_are_paid_is_back_to_repaying():
    rows, today = days_after_first_due(10)
    assert loan_rules.status_after("repaying", rows, today, FUND) == "overdue"
    rows, _, _ = loan_rules.allocate(rows, rows[0].due_fen)
    assert loan_rules.status_after("overdue", rows, today, FUND) == "repaying"


def test_a_fully_paid_loan_is_settled_even_before_maturity():
    rows, today = days_after_first_due(10)
    rows, _, _ = loan_rules.allocate(rows, loan_rules.remaining_due(rows))
    assert loan_rules.status_after("overdue", rows, today, FUND) == "settled"


# ---- the guarantee fund -----------------------------------------------------------------------------


@pytest.mark.parametrize("outstanding, fund_pays, bank_bears", [
    (10_000_000, 8_000_000, 2_000_000), (10_000_001, 8_000_001, 2_000_000),
    (1_234_567, 987_654, 246_913), (1, 1, 0), (0, 0, 0),
], ids=lambda value: str(value))
def test_the_fund_compensates_eighty_percent_of_a_default_and_the_bank_bears_the_rest(
        outstanding, fund_pays, bank_bears):
    assert loan_rules.compensation(FUND, outstanding) == (fund_pays, bank_bears)


@given(st.integers(0, 600 * WAN))
def test_compensation_shares_always_sum_to_the_outstanding_principal(outstanding):
    fund, bank = loan_rules.compensation(FUND, outstanding)
    assert fund + bank == outstanding and fund >= 0 and bank >= 0
    assert abs(fund * 10_000 - outstanding * FUND.compensation_share_bp) <= 5_000


@pytest.mark.parametrize("repayment_rate_bp, leverage", [
    (None, 5), (0, 5), (8999, 5), (9000, 10), (10_000, 10)],
    ids=["no-record", "0pct", "89.99pct", "exactly-90pct", "100pct"])
def test_the_fund_backs_five_times_its_balance_or_ten_after_a_year_repaid_at_90_percent(
        repayment_rate_bp, leverage):
    assert loan_rules.fund_ceiling(FUND, 1_000_000, repayment_rate_bp) == leverage * 1_000_000


@pytest.mark.parametrize("outstanding", [0, 3_000_000], ids=["empty-book", "partly-used"])
def test_an_approval_exactly_at_the_ceiling_passes_and_one_fen_over_is_refused(outstanding):
    ceiling = loan_rules.fund_ceiling(FUND, 1_000_000, None)
    loan_rules.check_fund(ceiling, outstanding, ceiling - outstanding)
    with pytest.raises(InvalidState) as refused:
        loan_rules.check_fund(ceiling, outstanding, ceiling - outstanding + 1)
    assert (refused.value.code, refused.value.field) == ("fund_ceiling", "amount_yuan")


# ---- interest subsidy (先付后贴) -----------------------------------------------------------------------


@pytest.mark.parametrize("policy, kind, principal, interest, subsidy", [
    pytest.param(POLICY_2023, "individual", 20 * WAN, 100_001, 50_001, id="2023-half-rounded-up"),
    pytest.param(POLICY_2023, "individual", 30 * WAN, 1_000_000, 500_000, id="2023-at-the-cap"),
    pytest.param(POLICY_2023, "enterprise", 400 * WAN, 1_000_000, 500_000, id="2023-enterprise"),
    pytest.param(POLICY_2025, "individual", 30 * WAN, 1_000_000, 500_000, id="2025-300000-whole"),
    pytest.param(POLICY_2025, "individual", 50 * WAN, 1_000_000, 300_000, id="2025-500000-capped"),
    pytest.param(POLICY_2025, "enterprise", 400 * WAN, 1_000_000, 500_000, id="2025-ent-4m-whole"),
    pytest.param(POLICY_2025, "enterprise", 600 * WAN, 1_200_000, 400_000, id="2025-ent-6m-capped"),
])
def test_from_2023_half_the_interest_paid_is_subsidised_and_from_2025_only_up_to_the_cap(
        policy, kind, principal, interest, subsidy):
    assert loan_rules.interest_subsidy(policy, kind, principal, 345, 300, interest) == subsidy


def test_a_500000_yuan_individual_loan_under_2025_gets_half_of_three_fifths_of_its_interest():
    # 50 % × 300,000 / 500,000 of the interest paid
    assert loan_rules.interest_subsidy(POLICY_2025, "individual", 50 * WAN, 300, 300, 1_000_000) == 300_000


@pytest.mark.parametrize("rate, lpr, interest, subsidy", [
    pytest.param(535, 385, 535_000, 300_000, id="535bp-lpr385-300-of-535"),
    pytest.param(535, 385, 100_000, 56_075, id="535bp-lpr385-rounded"),
    pytest.param(385, 385, 385_000, 150_000, id="at-lpr-150-of-385"),
    pytest.param(235, 385, 235_000, 0, id="at-the-borrowers-share-nothing"),
    pytest.param(200, 385, 200_000, 0, id="below-the-borrowers-share-nothing"),
])
def test_under_the_2020_policy_the_borrower_pays_up_to_lpr_less_150_bp_and_the_rest_is_subsidised(
        rate, lpr, interest, subsidy):
    assert loan_rules.interest_subsidy(POLICY_2020, "individual", 10 * WAN, rate, lpr, interest) == subsidy


@pytest.mark.parametrize("policy", LOAN_POLICIES, ids=["policy2020", "policy2023", "policy2025"])
def test_no_interest_paid_earns_no_subsidy(policy):
    assert loan_rules.interest_subsidy(policy, "individual", 10 * WAN, 535, 385, 0) == 0
    assert loan_rules.interest_subsidy(policy, "individual", 10 * WAN, 0, 385, 10_000) == 0


# ---- quarters -------------------------------------------------------------------------------------


@pytest.mark.parametrize("quarter, first, last", [
    ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ("2026Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    ("2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ("2028Q1", dt.date(2028, 1, 1), dt.date(2028, 3, 31)),
], ids=lambda value: str(value))
def test_a_quarter_runs_from_its_first_to_its_last_calendar_day(quarter, first, last):
    assert loan_rules.quarter_bounds(quarter) == (first, last)
    assert loan_rules.quarter_of(first) == loan_rules.quarter_of(last) == quarter
    assert loan_rules.quarter_of(first - dt.timedelta(days=1)) != quarter
    assert loan_rules.quarter_of(last + dt.timedelta(days=1)) != quarter


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "2026-Q1", "26Q1", "2026Q", "2026q1",
                                  "2026Q12", "2026Q01", "Q12026", "", "abcdQ1"])
def test_a_badly_written_quarter_is_refused(text):
    with pytest.raises(InvalidInput) as refused:
        loan_rules.quarter_bounds(text)
    assert (refused.value.code, refused.value.field) == ("quarter_format", "quarter")


def test_a_quarter_of_year_zero_is_refused_as_badly_written():
    with pytest.raises(InvalidInput) as refused:
        loan_rules.quarter_bounds("0000Q1")
    assert refused.value.code == "quarter_format"


@pytest.mark.parametrize("written", ["２０２６Q3", "2026Q5", "2026q3", " 2026Q3"])
def test_a_quarter_is_written_in_ascii_digits_as_2026Q3(written):
    from shared.quarters import quarter_bounds

    with pytest.raises(InvalidInput) as refused:
        quarter_bounds(written)
    assert refused.value.code == "quarter_format"
