"""The programme's double-entry ledger: every movement is a posting whose debits equal its credits.

Accounts (debit-normal unless noted):
- `fund:guarantee` the guarantee fund's money; `budget:subsidy` the subsidy budget's money;
- `capital:government` what the government paid into either (credit-normal);
- `expense:compensation`, `expense:interest_subsidy`, `expense:subsidy:<kind>` money paid out;
  `expense:interest_subsidy_local` the interest subsidy on principal above the policy's cap (local budget);
- `guaranteed:<bank>` guaranteed principal outstanding at a bank, against `exposure:guarantee`
  (credit-normal): the fund's contingent liability, so that the ledger alone tells the exposure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from shared.errors import InvalidInput

FUND = "fund:guarantee"
BUDGET = "budget:subsidy"
CAPITAL = "capital:government"
COMPENSATION = "expense:compensation"
INTEREST_SUBSIDY = "expense:interest_subsidy"
# the part of a loan's interest subsidy on principal above the policy's cap, which the local budget pays
LOCAL_INTEREST_SUBSIDY = "expense:interest_subsidy_local"
EXPOSURE = "exposure:guarantee"
CREDIT_NORMAL_PREFIXES = ("capital:", "exposure:")

ACCOUNT_NAMES = {
    FUND: "担保基金", BUDGET: "补贴资金", CAPITAL: "财政拨入", COMPENSATION: "代偿支出",
    INTEREST_SUBSIDY: "贴息支出", LOCAL_INTEREST_SUBSIDY: "贴息支出（地方财政，超过贴息上限部分）",
    EXPOSURE: "担保责任",
}


def guaranteed(bank_code: str) -> str:
    return f"guaranteed:{bank_code}"


def subsidy_expense(kind: str) -> str:
    return f"expense:subsidy:{kind}"


def account_name(account: str) -> str:
    if account in ACCOUNT_NAMES:
        return ACCOUNT_NAMES[account]
    kind, _, rest = account.partition(":")
    if kind == "guaranteed":
        return f"在保本金（{rest}）"
    if account.startswith("expense:subsidy:"):
        return f"补贴支出（{rest.partition(':')[2]}）"
    return account


@dataclass(frozen=True)
class Line:
    account: str
    debit_fen: int = 0
    credit_fen: int = 0


@dataclass(frozen=True)
class Posting:
    """One balanced movement with what caused it."""

    kind: str
    reference: str
    lines: tuple[Line, ...]

    def __post_init__(self) -> None:
        if any(line.debit_fen < 0 or line.credit_fen < 0 for line in self.lines):
            raise ValueError("ledger amounts are never negative")
        if sum(line.debit_fen for line in self.lines) != sum(line.credit_fen for line in self.lines):
            raise ValueError(f"unbalanced posting {self.kind} {self.reference}")


def transfer(kind: str, reference: str, debit: str, credit: str, amount_fen: int) -> Posting:
    return Posting(kind, reference, (Line(debit, debit_fen=amount_fen), Line(credit, credit_fen=amount_fen)))


# ---- the programme's movements --------------------------------------------------------------


def contribution(reference: str, account: str, amount_fen: int) -> Posting:
    if account not in (FUND, BUDGET):
        raise InvalidInput("account_unknown", "account", "只能向担保基金或补贴资金拨入")
    if amount_fen <= 0:
        raise InvalidInput("amount_not_positive", "amount_yuan", "拨入金额应大于0")
    return transfer("contribution", reference, account, CAPITAL, amount_fen)


def loan_disbursed(reference: str, bank_code: str, principal_fen: int) -> Posting:
    return transfer("loan_disbursed", reference, guaranteed(bank_code), EXPOSURE, principal_fen)


def principal_repaid(reference: str, bank_code: str, principal_fen: int) -> Posting:
    return transfer("principal_repaid", reference, EXPOSURE, guaranteed(bank_code), principal_fen)


def loan_compensated(reference: str, bank_code: str, outstanding_fen: int, fund_pays_fen: int) -> Posting:
    """The fund pays its share of the outstanding principal; the whole guarantee is released."""
    return Posting("loan_compensated", reference, (
        Line(COMPENSATION, debit_fen=fund_pays_fen), Line(FUND, credit_fen=fund_pays_fen),
        Line(EXPOSURE, debit_fen=outstanding_fen), Line(guaranteed(bank_code), credit_fen=outstanding_fen),
    ))


def subsidy_paid(reference: str, kind: str, amount_fen: int) -> Posting:
    return transfer("subsidy_paid", reference, subsidy_expense(kind), BUDGET, amount_fen)


def interest_subsidy_paid(reference: str, amount_fen: int, local_fen: int = 0) -> Posting:
    """A loan's quarter's interest subsidy out of the city's budget: the programme's part, and the
    local budget's part above the subsidy cap booked to its own account."""
    lines = [Line(INTEREST_SUBSIDY, debit_fen=amount_fen)]
    if local_fen:
        lines.append(Line(LOCAL_INTEREST_SUBSIDY, debit_fen=local_fen))
    return Posting("interest_subsidy_paid", reference, (*lines, Line(BUDGET, credit_fen=amount_fen + local_fen)))


# ---- reading the ledger ---------------------------------------------------------------------


def balances(lines: Iterable[Line]) -> dict[str, int]:
    """Each account's balance on its normal side."""
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        sign = -1 if line.account.startswith(CREDIT_NORMAL_PREFIXES) else 1
        totals[line.account] += sign * (line.debit_fen - line.credit_fen)
    return dict(totals)


def trial_balance(lines: Iterable[Line]) -> dict:
    """Debits and credits per account and in total; `balanced` is the check."""
    per_account: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        per_account[line.account][0] += line.debit_fen
        per_account[line.account][1] += line.credit_fen
    debit = sum(v[0] for v in per_account.values())
    credit = sum(v[1] for v in per_account.values())
    accounts = [
        {"account": account, "name": account_name(account), "debit_fen": d, "credit_fen": c,
         "balance_fen": (c - d) if account.startswith(CREDIT_NORMAL_PREFIXES) else (d - c)}
        for account, (d, c) in sorted(per_account.items())
    ]
    return {"accounts": accounts, "debit_fen": debit, "credit_fen": credit,
            "balanced": debit == credit}
