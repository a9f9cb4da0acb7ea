"""The ledger: balanced postings, and a property test that no sequence of operations unbalances it."""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.finance import domain, ledger
from services.finance.policy_data import FUND_POLICIES
from shared.errors import InvalidInput

FUND = FUND_POLICIES[0]
BANKS = ("NJRCB", "PSBC")


def test_an_unbalanced_or_negative_posting_cannot_be_made():
    with pytest.raises(ValueError):
        ledger.Posting("x", "r", (ledger.Line(ledger.FUND, debit_fen=100), ledger.Line(ledger.CAPITAL, credit_fen=99)))
    with pytest.raises(ValueError):
        ledger.Posting("x", "r", (ledger.Line(ledger.FUND, debit_fen=-1), ledger.Line(ledger.CAPITAL, credit_fen=-1)))


@pytest.mark.parametrize("account, amount, code", [
    ("expense:compensation", 100, "account_unknown"), (ledger.FUND, 0, "amount_not_positive")])
def test_contributions_go_only_to_the_fund_or_the_budget_and_are_positive(account, amount, code):
    with pytest.raises(InvalidInput) as refused:
        ledger.contribution("c", account, amount)
    assert refused.value.code == code


def test_the_trial_balance_reports_each_account_on_its_normal_side():
    lines = [*ledger.contribution("c", ledger.FUND, 1000).lines,
             *ledger.loan_disbursed("l", "NJRCB", 4000).lines,
             *ledger.loan_compensated("l", "NJRCB", 4000, 800).lines]
    report = ledger.trial_balance(lines)
    balances = {row["account"]: row["balance_fen"] for row in report["accounts"]}
    assert report["balanced"] and report["debit_fen"] == report["credit_fen"]
    assert balances[ledger.FUND] == 200 and balances[ledger.CAPITAL] == 1000
    assert balances[ledger.guaranteed("NJRCB")] == 0 and balances[ledger.EXPOSURE] == 0
    assert ledger.balances(lines)[ledger.COMPENSATION] == 800


# ---- any sequence of operations -------------------------------------------------------------


@dataclass
class Loan:
    bank: str
    rows: list
    status: str = "disbursed"


@dataclass
class Books:
    lines: list = field(default_factory=list)
    loans: list = field(default_factory=list)
    today: dt.date = dt.date(2026, 1, 1)

    def post(self, posting: ledger.Posting) -> None:
        self.lines.extend(posting.lines)

    def balance(self, account: str) -> int:
        return ledger.balances(self.lines).get(account, 0)


def contribute(books, account, amount):
    books.post(ledger.contribution("c", account, amount))


def disburse(books, bank, principal, months, method):
    rows = domain.schedule(principal, 345, months, method, books.today)
    books.loans.append(Loan(bank, rows))
    books.post(ledger.loan_disbursed("l", bank, principal))


def repay(books, index, share):
    live = [loan for loan in books.loans if loan.status in domain.IN_REPAYMENT]
    if not live:
        return
    loan = live[index % len(live)]
    amount = max(1, domain.remaining_due(loan.rows) * share // 100)
    loan.rows, _, principal = domain.allocate(loan.rows, amount)
    if principal:
        books.post(ledger.principal_repaid("r", loan.bank, principal))
    loan.status = domain.status_after("repaying", loan.rows, books.today, FUND)


def sweep(books, days):
    books.today += dt.timedelta(days=days)
    for loan in books.loans:
        if loan.status not in domain.IN_REPAYMENT:
            continue
        loan.status = domain.status_after(loan.status, loan.rows, books.today, FUND)
        if loan.status == "defaulted":
            outstanding = domain.outstanding_principal(loan.rows)
            fund_pays, _ = domain.compensation(FUND, outstanding)
            books.post(ledger.loan_compensated("l", loan.bank, outstanding, fund_pays))
            loan.status = "compensated"


def pay_subsidy(books, amount):
    if books.balance(ledger.BUDGET) >= amount:  # a batch is approved only against the budget
        books.post(ledger.subsidy_paid("s", "skill", amount))


operations = st.one_of(
    st.tuples(st.just(contribute), st.sampled_from([ledger.FUND, ledger.BUDGET]), st.integers(1, 10**9)),
    st.tuples(st.just(disburse), st.sampled_from(BANKS), st.integers(100, 5 * 10**7), st.integers(1, 36),
              st.sampled_from(["equal_instalments", "interest_only"])),
    st.tuples(st.just(repay), st.integers(0, 50), st.integers(1, 100)),
    st.tuples(st.just(sweep), st.integers(1, 120)),
    st.tuples(st.just(pay_subsidy), st.integers(1, 10**6)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(operations, max_size=40))
def test_any_sequence_of_operations_keeps_the_books_balanced_and_no_balance_negative(steps):
    books = Books()
    for operation, *arguments in steps:
        operation(books, *arguments)
        assert ledger.trial_balance(books.lines)["balanced"]
        for loan in books.loans:
            assert domain.outstanding_principal(loan.rows) >= 0
            assert all(row.due_fen >= 0 for row in loan.rows)
        for bank in BANKS:
            lent = sum(domain.outstanding_principal(loan.rows) for loan in books.loans
                       if loan.bank == bank and loan.status != "compensated")
            assert books.balance(ledger.guaranteed(bank)) == lent
        assert books.balance(ledger.BUDGET) >= 0
