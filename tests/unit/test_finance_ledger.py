"""The ledger: balanced postings, balances on each account's normal side, and a property test that
no sequence of the programme's operations unbalances the books."""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from services.finance.domain import ledger
from services.finance.domain import loans as loan_rules
from services.finance.domain.policy_data import FUND_POLICIES, LOAN_POLICIES, LPR_RATES
from shared.errors import InvalidInput, InvalidState

FUND_POLICY = FUND_POLICIES[0]
POLICY_2025 = LOAN_POLICIES[-1]
BANKS = ("NJRCB", "PSBC", "ABC")


def lines_of(*postings: ledger.Posting) -> list[ledger.Line]:
    return [line for posting in postings for line in posting.lines]


# ---- postings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lines", [
    pytest.param((ledger.Line(ledger.FUND, debit_fen=100), ledger.Line(ledger.CAPITAL, credit_fen=99)),
                 id="debits-over-credits"),
    pytest.param((ledger.Line(ledger.FUND, debit_fen=99), ledger.Line(ledger.CAPITAL, credit_fen=100)),
                 id="credits-over-debits"),
    pytest.param((ledger.Line(ledger.FUND, debit_fen=100),), id="a-single-line"),
])
def test_an_unbalanced_posting_cannot_be_made(lines):
    with pytest.raises(ValueError, match="unbalanced"):
        ledger.Posting("contribution", "ref-1", lines)


@pytest.mark.parametrize("lines", [
    pytest.param((ledger.Line(ledger.FUND, debit_fen=-1), ledger.Line(ledger.CAPITAL, credit_fen=-1)),
                 id="negative-debit-and-credit"),
    pytest.param((ledger.Line(ledger.FUND, debit_fen=-5), ledger.Line(ledger.CAPITAL, debit_fen=5)),
                 id="negative-debit-balancing-a-debit"),
    pytest.param((ledger.Line(ledger.FUND, credit_fen=-5), ledger.Line(ledger.CAPITAL, credit_fen=5)),
                 id="negative-credit-balancing-a-credit"),
])
def test_a_posting_with_a_negative_line_cannot_be_made_even_if_it_balances(lines):
    with pytest.raises(ValueError, match="never negative"):
        ledger.Posting("contribution", "ref-1", lines)


def test_every_movement_of_the_programme_is_a_balanced_posting():
    postings = [ledger.contribution("c", ledger.FUND, 1_000), ledger.loan_disbursed("l", "NJRCB", 4_000),
                ledger.principal_repaid("r", "NJRCB", 500),
                ledger.loan_compensated("l", "NJRCB", 3_500, 2_800),
                ledger.subsidy_paid("s", "skill", 100), ledger.interest_subsidy_paid("i", 50)]
    for posting in postings:
        assert sum(line.debit_fen for line in posting.lines) == sum(line.credit_fen for line in posting.lines)
    assert [p.kind for p in postings] == ["contribution", "loan_disbursed", "principal_repaid",
                                          "loan_compensated", "subsidy_paid", "interest_subsidy_paid"]


# ---- contributions --------------------------------------------------------------------------------


@pytest.mark.parametrize("account, amount, code", [
    pytest.param(ledger.COMPENSATION, 100, "account_unknown", id="to-an-expense"),
    pytest.param(ledger.guaranteed("NJRCB"), 100, "account_unknown", id="to-a-banks-book"),
    pytest.param(ledger.CAPITAL, 100, "account_unknown", id="to-capital"),
    pytest.param(ledger.FUND, 0, "amount_not_positive", id="zero-to-the-fund"),
    pytest.param(ledger.BUDGET, -100, "amount_not_positive", id="negative-to-the-budget"),
])
def test_a_contribution_goes_only_to_the_fund_or_the_budget_and_is_positive(account, amount, code):
    with pytest.raises(InvalidInput) as refused:
        ledger.contribution("c", account, amount)
    assert refused.value.code == code


@pytest.mark.parametrize("account", [ledger.FUND, ledger.BUDGET], ids=["fund", "budget"])
def test_a_contribution_debits_the_fund_or_budget_and_credits_the_governments_capital(account):
    posting = ledger.contribution("c-1", account, 1_000)
    assert posting.lines == (ledger.Line(account, debit_fen=1_000),
                             ledger.Line(ledger.CAPITAL, credit_fen=1_000))


# ---- reading the books ------------------------------------------------------------------------------


def test_credit_normal_accounts_show_positive_balances_on_their_credit_side():
    lines = lines_of(ledger.contribution("c", ledger.FUND, 10_000),
                     ledger.loan_disbursed("l1", "NJRCB", 40_000),
                     ledger.loan_disbursed("l2", "PSBC", 7_000),
                     ledger.principal_repaid("r", "NJRCB", 1_000))
    balances = ledger.balances(lines)
    assert balances[ledger.CAPITAL] == 10_000
    assert balances[ledger.EXPOSURE] == 46_000
    assert balances[ledger.FUND] == 10_000
    assert balances[ledger.guaranteed("NJRCB")] == 39_000
    assert balances[ledger.guaranteed("PSBC")] == 7_000


def test_the_trial_balance_reports_each_account_on_its_normal_side_and_balances():
    lines = lines_of(ledger.contribution("c", ledger.FUND, 1_000),
                     ledger.contribution("c", ledger.BUDGET, 300),
                     ledger.loan_disbursed("l", "NJRCB", 4_000),
                     ledger.loan_compensated("l", "NJRCB", 4_000, 800),
                     ledger.subsidy_paid("s", "travel", 300))
    report = ledger.trial_balance(lines)
    rows = {row["account"]: row for row in report["accounts"]}
    assert report["balanced"] and report["debit_fen"] == report["credit_fen"] == 10_400
    assert rows[ledger.FUND]["balance_fen"] == 200
    assert rows[ledger.CAPITAL]["balance_fen"] == 1_300
    assert rows[ledger.BUDGET]["balance_fen"] == 0
    assert rows[ledger.guaranteed("NJRCB")]["balance_fen"] == rows[ledger.EXPOSURE]["balance_fen"] == 0
    assert rows[ledger.COMPENSATION]["balance_fen"] == 800
    assert rows[ledger.subsidy_expense("travel")]["balance_fen"] == 300
    assert rows[ledger.FUND]["name"] == "担保基金"
    assert rows[ledger.guaranteed("NJRCB")]["name"] == "在保本金（NJRCB）"
    assert [row["account"] for row in report["accounts"]] == sorted(rows)


def test_the_trial_balance_of_an_empty_ledger_is_balanced():
    assert ledger.trial_balance([]) == {"accounts": [], "debit_fen": 0, "credit_fen": 0, "balanced": True}


def test_a_compensation_releases_the_whole_guarantee_but_the_fund_pays_only_its_share():
    lines = lines_of(ledger.contribution("c", ledger.FUND, 100_000),
                     ledger.loan_disbursed("l", "ABC", 50_000),
                     ledger.loan_compensated("l", "ABC", 50_000, 40_000))
    balances = ledger.balances(lines)
    assert balances[ledger.guaranteed("ABC")] == balances[ledger.EXPOSURE] == 0
    assert balances[ledger.FUND] == 60_000 and balances[ledger.COMPENSATION] == 40_000


# ---- any sequence of operations -----------------------------------------------------------------------


@dataclass
class Loan:
    bank: str
    principal_fen: int
    rate_bp: int
    lpr_bp: int
    rows: list
    status: str = "disbursed"
    interest_unsubsidised_fen: int = 0


@dataclass
class Model:
    """What the books ought to say, kept beside the ledger lines."""

    lines: list = field(default_factory=list)
    loans: list = field(default_factory=list)
    today: dt.date = dt.date(2025, 6, 1)
    contributed: dict = field(default_factory=lambda: {ledger.FUND: 0, ledger.BUDGET: 0})
    compensated_fen: int = 0


class ProgrammeBooks(RuleBasedStateMachine):
    """Contributions, loans disbursed, repaid, defaulted and compensated, subsidies paid."""

    def __init__(self):
        super().__init__()
        self.m = Model()

    @initialize(amount=st.integers(10**6, 10**9))
    def open_the_fund(self, amount):
        self.post(ledger.contribution("c", ledger.FUND, amount))
        self.m.contributed[ledger.FUND] += amount

    def post(self, posting: ledger.Posting) -> None:
        self.m.lines.extend(posting.lines)

    def balance(self, account: str) -> int:
        return ledger.balances(self.m.lines).get(account, 0)

    def in_repayment(self) -> list[Loan]:
        return [loan for loan in self.m.loans if loan.status in loan_rules.IN_REPAYMENT]

    def outstanding_at(self, bank: str | None = None) -> int:
        return sum(loan_rules.outstanding_principal(loan.rows) for loan in self.m.loans
                   if loan.status != "compensated" and bank in (None, loan.bank))

    # -- rules --

    @rule(account=st.sampled_from([ledger.FUND, ledger.BUDGET]), amount=st.integers(1, 2 * 10**8))
    def contribute(self, account, amount):
        self.post(ledger.contribution("c", account, amount))
        self.m.contributed[account] += amount

    @rule(bank=st.sampled_from(BANKS), principal=st.integers(100 * 100, 50 * 10**6),
          months=st.integers(1, 36), method=st.sampled_from(["equal_instalments", "interest_only"]),
          spread=st.integers(0, 300))
    def disburse(self, bank, principal, months, method, spread):
        ceiling = loan_rules.fund_ceiling(FUND_POLICY, self.balance(ledger.FUND), None)
        try:
            loan_rules.check_fund(ceiling, self.outstanding_at(), principal)
        except InvalidState:
            return  # refused at approval: nothing is posted
        lpr = loan_rules.lpr_on(LPR_RATES, self.m.today)
        rate = loan_rules.contract_rate_bp(lpr, spread)
        rows = loan_rules.schedule(principal, rate, months, method, self.m.today)
        self.m.loans.append(Loan(bank, principal, rate, lpr, rows))
        self.post(ledger.loan_disbursed("l", bank, principal))

    @precondition(lambda self: self.in_repayment())
    @rule(data=st.data())
    def repay(self, data):
        loan = data.draw(st.sampled_from(self.in_repayment()), label="loan")
        due = loan_rules.remaining_due(loan.rows)
        amount = data.draw(st.one_of(st.integers(1, due), st.just(due)), label="amount")
        loan.rows, interest, principal = loan_rules.allocate(loan.rows, amount)
        if principal:
            self.post(ledger.principal_repaid("r", loan.bank, principal))
        loan.interest_unsubsidised_fen += interest
        loan.status = loan_rules.status_after("repaying", loan.rows, self.m.today, FUND_POLICY)

    @rule(days=st.integers(1, 100))
    def sweep(self, days):
        self.m.today += dt.timedelta(days=days)
        for loan in self.m.loans:
            if loan.status in loan_rules.IN_REPAYMENT:
                loan.status = loan_rules.status_after(loan.status, loan.rows, self.m.today, FUND_POLICY)
            if loan.status == "defaulted":
                outstanding = loan_rules.outstanding_principal(loan.rows)
                fund_pays, bank_bears = loan_rules.compensation(FUND_POLICY, outstanding)
                assert fund_pays + bank_bears == outstanding
                self.post(ledger.loan_compensated("l", loan.bank, outstanding, fund_pays))
                self.m.compensated_fen += fund_pays
                loan.status = "compensated"

    @rule()
    def pay_interest_subsidies(self):
        for loan in self.m.loans:
            subsidy = loan_rules.interest_subsidy(POLICY_2025, "individual", loan.principal_fen,
                                              loan.rate_bp, loan.lpr_bp, loan.interest_unsubsidised_fen)
            if 0 < subsidy <= self.balance(ledger.BUDGET):  # paid only against the budget
                self.post(ledger.interest_subsidy_paid("i", subsidy))
                loan.interest_unsubsidised_fen = 0

    @rule(kind=st.sampled_from(["startup", "employment", "skill", "travel"]),
          amount=st.integers(1, 10**6))
    def pay_subsidy(self, kind, amount):
        if self.balance(ledger.BUDGET) >= amount:  # a batch is approved only against the budget
            self.post(ledger.subsidy_paid("s", kind, amount))

    # -- what must hold after every step --

    @invariant()
    def the_trial_balance_is_balanced(self):
        assert ledger.trial_balance(self.m.lines)["balanced"]

    @invariant()
    def no_loan_owes_a_negative_amount(self):
        for loan in self.m.loans:
            assert loan_rules.outstanding_principal(loan.rows) >= 0
            assert all(row.due_fen >= 0 for row in loan.rows)
            assert all(0 <= row.principal_paid_fen <= row.principal_fen
                       and 0 <= row.interest_paid_fen <= row.interest_fen for row in loan.rows)

    @invariant()
    def each_banks_guaranteed_book_is_the_principal_outstanding_on_its_live_loans(self):
        for bank in BANKS:
            assert self.balance(ledger.guaranteed(bank)) == self.outstanding_at(bank)
        assert self.balance(ledger.EXPOSURE) == self.outstanding_at()

    @invariant()
    def the_subsidy_budget_never_goes_negative(self):
        assert self.balance(ledger.BUDGET) >= 0

    @invariant()
    def the_fund_is_what_was_paid_in_less_what_it_compensated(self):
        assert self.balance(ledger.CAPITAL) == sum(self.m.contributed.values())
        assert self.balance(ledger.FUND) == self.m.contributed[ledger.FUND] - self.m.compensated_fen
        assert self.balance(ledger.COMPENSATION) == self.m.compensated_fen


def test_no_sequence_of_fund_loan_and_subsidy_operations_unbalances_the_books():
    run_state_machine_as_test(ProgrammeBooks, settings=settings(
        max_examples=60, stateful_step_count=40, deadline=None))
