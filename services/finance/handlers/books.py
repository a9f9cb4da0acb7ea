"""Finance's stored books: policy versions, ledger postings and balances, the fund's position."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.finance.domain import ledger
from services.finance.domain import loans as loan_rules
from services.finance.domain.policy import FundPolicy, LoanPolicy, LprRate, SubsidyPolicy, in_force
from services.finance.models import (
    Bank,
    FundYear,
    GuaranteedLoan,
    LedgerLine,
    LedgerPosting,
    PolicyVersion,
    SubsidyBatch,
)
from shared import clock
from shared.errors import InvalidInput, NotFound
from shared.money import fen_to_yuan

FUND_LOCK, BUDGET_LOCK = 4201, 4202  # advisory locks: one decision against a balance at a time


# ---- policy versions ------------------------------------------------------------------------


def _kept(session: Session) -> dict:
    """What one transaction has already read of the books' small tables (policy versions, banks),
    so that a command asks for them once: a loan's approval needed three policy domains and its bank
    twice, each a round trip (the session's identity map keeps a bank only while something holds it)."""
    return session.info.setdefault("finance_books", {})


def _versions(session: Session, domain_name: str) -> list[PolicyVersion]:
    kept = _kept(session)
    if "versions" not in kept:
        by_domain: dict[str, list[PolicyVersion]] = {}
        for version in session.scalars(sa.select(PolicyVersion)):
            by_domain.setdefault(version.domain, []).append(version)
        kept["versions"] = by_domain
    return kept["versions"].get(domain_name, [])


def loan_policies(session: Session) -> list[LoanPolicy]:
    return [LoanPolicy(code=v.code, effective_from=v.effective_from, **v.params)
            for v in _versions(session, "loan")]


def loan_policy(session: Session, *, on: dt.date | None = None, code: str | None = None) -> LoanPolicy:
    policies = loan_policies(session)
    if code is not None:
        return next(p for p in policies if p.code == code)
    return in_force(policies, on or clock.today(), "创业担保贷款政策")


def lpr_rates(session: Session) -> list[LprRate]:
    return [LprRate(v.effective_from, v.params["rate_bp"]) for v in _versions(session, "lpr")]


def fund_policy(session: Session, on: dt.date) -> FundPolicy:
    versions = [FundPolicy(code=v.code, effective_from=v.effective_from, **v.params)
                for v in _versions(session, "fund")]
    return in_force(versions, on, "担保基金政策")


def subsidy_policy(session: Session, kind: str, on: dt.date) -> SubsidyPolicy:
    versions = [SubsidyPolicy(kind, v.code, v.effective_from, v.params)
                for v in _versions(session, f"subsidy:{kind}")]
    return in_force(versions, on, "补贴政策")


def bank(session: Session, code: str) -> Bank:
    banks = _kept(session).setdefault("banks", {})
    found = banks.get(code) or session.get(Bank, code)
    if found is None:
        raise InvalidInput("bank_unknown", "bank_code", "不是合作银行")
    banks[code] = found
    return found


def set_threshold(session: Session, code: str, threshold_fen: int) -> list[dict]:
    bank(session, code).confirmation_threshold_fen = threshold_fen
    session.flush()
    return banks(session)


def banks(session: Session) -> list[dict]:
    return [{"code": b.code, "name": b.name,
             "confirmation_threshold_yuan": fen_to_yuan(b.confirmation_threshold_fen)}
            for b in session.scalars(sa.select(Bank).order_by(Bank.code))]


# ---- ledger ---------------------------------------------------------------------------------


def post(session: Session, posting: ledger.Posting, by: str) -> None:
    session.add(LedgerPosting(kind=posting.kind, reference=posting.reference, posted_by=by, lines=[
        LedgerLine(account=line.account, debit_fen=line.debit_fen, credit_fen=line.credit_fen)
        for line in posting.lines]))


def balance(session: Session, account: str) -> int:
    debit, credit = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerLine.debit_fen), 0),
                  sa.func.coalesce(sa.func.sum(LedgerLine.credit_fen), 0))
        .where(LedgerLine.account == account)).one()
    sign = -1 if account.startswith(ledger.CREDIT_NORMAL_PREFIXES) else 1
    return sign * int(debit - credit)


def trial_balance(session: Session) -> dict:
    rows = session.execute(
        sa.select(LedgerLine.account, sa.func.sum(LedgerLine.debit_fen), sa.func.sum(LedgerLine.credit_fen))
        .group_by(LedgerLine.account)).all()
    lines = [ledger.Line(account, int(debit), int(credit)) for account, debit, credit in rows]
    report = ledger.trial_balance(lines)
    report["reconciliation"] = reconcile(session)
    report["balanced"] = report["balanced"] and all(r["matches"] for r in report["reconciliation"])
    for row in report["accounts"]:
        for key in ("debit", "credit", "balance"):
            row[f"{key}_yuan"] = fen_to_yuan(row.pop(f"{key}_fen"))
    for key in ("debit", "credit"):
        report[f"{key}_yuan"] = fen_to_yuan(report.pop(f"{key}_fen"))
    return report


def reconcile(session: Session) -> list[dict]:
    """Per bank, the ledger's guaranteed principal against the loans' own outstanding principal."""
    per_loan = dict(session.execute(
        sa.select(GuaranteedLoan.bank_code, sa.func.sum(GuaranteedLoan.outstanding_principal_fen))
        .where(GuaranteedLoan.status.in_(loan_rules.IN_REPAYMENT + ("defaulted",)))
        .group_by(GuaranteedLoan.bank_code)).all())
    codes = sorted(set(per_loan) | {b.code for b in session.scalars(sa.select(Bank))})
    result = []
    for code in codes:
        booked, loans = balance(session, ledger.guaranteed(code)), int(per_loan.get(code) or 0)
        result.append({"bank_code": code, "ledger_yuan": fen_to_yuan(booked),
                       "loans_yuan": fen_to_yuan(loans), "matches": booked == loans})
    return result


# ---- the guarantee fund ---------------------------------------------------------------------


def guaranteed_outstanding(session: Session) -> int:
    """Principal the fund stands behind: approved but not yet lent, plus what is lent and unpaid
    (one pass over the loans)."""
    approved = sa.func.sum(GuaranteedLoan.approved_amount_fen).filter(GuaranteedLoan.status == "approved")
    lent = sa.func.sum(GuaranteedLoan.outstanding_principal_fen).filter(
        GuaranteedLoan.status.in_(loan_rules.IN_REPAYMENT + ("defaulted",)))
    total = session.scalar(sa.select(sa.func.coalesce(approved, 0) + sa.func.coalesce(lent, 0)))
    return int(total or 0)


def fund_headroom(session: Session, on: dt.date) -> tuple[FundPolicy, int, int, int | None]:
    """What the fund may stand behind on a day: (policy, ceiling, outstanding, last year's repayment rate)."""
    policy = fund_policy(session, on)
    last_year = session.get(FundYear, on.year - 1)
    rate = last_year.repayment_rate_bp if last_year else None
    ceiling = loan_rules.fund_ceiling(policy, balance(session, ledger.FUND), rate)
    return policy, ceiling, guaranteed_outstanding(session), rate


def fund_position(session: Session, on: dt.date) -> dict:
    policy, ceiling, outstanding, rate = fund_headroom(session, on)
    fund = balance(session, ledger.FUND)
    return {
        "as_of": on.isoformat(), "policy_code": policy.code,
        "fund_balance_fen": fund, "last_year_repayment_rate_bp": rate,
        "leverage": ceiling // fund if fund else policy.leverage,
        "ceiling_fen": ceiling, "outstanding_fen": outstanding,
        "headroom_fen": max(0, ceiling - outstanding),
        "subsidy_budget_fen": balance(session, ledger.BUDGET),
        "subsidy_available_fen": subsidy_available(session),
    }


def subsidy_available(session: Session) -> int:
    """The subsidy budget less what approved, unpaid batches have already promised."""
    promised = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SubsidyBatch.total_fen), 0))
                              .where(SubsidyBatch.status == "approved"))
    return balance(session, ledger.BUDGET) - int(promised or 0)


def lock(session: Session, key: int) -> None:
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def require_loan(session: Session, loan_id: str, *, for_update: bool = False) -> GuaranteedLoan:
    loan = session.get(GuaranteedLoan, loan_id, with_for_update=for_update or None)
    if loan is None:
        raise NotFound("loan_not_found", None, "没有这笔贷款，或无权查看")
    return loan
