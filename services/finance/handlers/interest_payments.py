"""A city's quarter's interest subsidy paid through the treasury's payment list: one line per
lending bank, to the account the bank registered for the subsidy (贴息资金专户), and the return on
each line. A bank's loans are booked and told paid when its line is; a failed line is issued again
once the bank's account is corrected."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.finance.domain import ledger
from services.finance.domain import payments as rules
from services.finance.handlers import books
from services.finance.models import (
    GuaranteedLoan,
    InterestPaymentLine,
    InterestSubsidyBatch,
    InterestSubsidyLine,
)
from shared import clock, events, regions
from shared.actors import Actor
from shared.contracts import finance as fe
from shared.errors import InvalidState
from shared.money import fen_to_yuan
from shared.payee_accounts import mask_account


def _lines(session: Session, batch: InterestSubsidyBatch) -> list[InterestPaymentLine]:
    return list(session.scalars(sa.select(InterestPaymentLine).where(
        InterestPaymentLine.city_code == batch.city_code, InterestPaymentLine.quarter == batch.quarter)
        .order_by(InterestPaymentLine.bank_code, InterestPaymentLine.attempt)))


def _per_bank(batch: InterestSubsidyBatch) -> dict[str, list[InterestSubsidyLine]]:
    """The quarter's loan lines not yet paid, by lending bank."""
    banks: dict[str, list[InterestSubsidyLine]] = {}
    for line in batch.lines:
        if line.paid_at is None:
            banks.setdefault(line.bank_code, []).append(line)
    return banks


def _latest(lines: list[InterestPaymentLine]) -> dict[str, InterestPaymentLine]:
    """Each bank's last line (the lines come by bank, then attempt)."""
    return {line.bank_code: line for line in lines}


def _waiting(batch: InterestSubsidyBatch, latest: dict[str, InterestPaymentLine]) -> list[str]:
    """The banks whose loans wait for a line: none issued yet, or the last one failed."""
    return [code for code in sorted(_per_bank(batch))
            if code not in latest or latest[code].status == "failed"]


def issue(session: Session, batch: InterestSubsidyBatch, by: str) -> list[str]:
    """A line for each bank waiting for one whose subsidy account is registered; the names of the
    banks without one (they wait until an administrator registers it)."""
    latest = _latest(_lines(session, batch))
    per_bank, missing = _per_bank(batch), []
    for code in _waiting(batch, latest):
        bank = books.bank(session, code)
        if not bank.subsidy_account_number:
            missing.append(bank.name)
            continue
        attempt = latest[code].attempt + 1 if code in latest else 1
        session.add(InterestPaymentLine(
            reference=f"TX{batch.city_code[:6]}{batch.quarter}{code}{attempt}"[:24], city_code=batch.city_code,
            quarter=batch.quarter, bank_code=code, attempt=attempt,
            payee_name=bank.subsidy_account_name or bank.name, account_number=bank.subsidy_account_number,
            account_masked=mask_account(bank.subsidy_account_number) or "",
            amount_fen=sum(line.subsidy_fen + line.local_subsidy_fen for line in per_bank[code]),
            loan_count=len(per_bank[code]), status="issued", issued_by=by))
    session.flush()
    return missing


def file_of(session: Session, batch: InterestSubsidyBatch) -> tuple[str, bytes]:
    """The lines waiting for the treasury, as the payment list."""
    waiting = [line for line in _lines(session, batch) if line.status == "issued"]
    if not waiting:
        raise InvalidState("nothing_to_pay", None,
                           f"{batch.quarter}没有等待发放的贴息清单行（都已回盘、已发放，或贷款银行尚未登记贴息资金专户）")
    content = rules.payment_file([rules.FileLine(
        line.reference, line.payee_name, line.bank_code, books.bank(session, line.bank_code).name, "贴息资金专户",
        line.account_number, line.account_masked, line.amount_fen,
        f"{batch.quarter}创业担保贷款贴息（{line.loan_count}笔贷款）") for line in waiting])
    return f"贴息代发清单_{regions.name_of(batch.city_code)}_{batch.quarter}.csv", content


def bank_return(uow, actor: Actor, batch: InterestSubsidyBatch, rows: list[dict]) -> None:
    """The treasury's return applied: a paid line pays and books each of its bank's loans; a failed
    one is kept with the reason, to be issued again."""
    # a paid quarter has no line waiting: a repeat of its return changes nothing, a contradiction is refused
    lines = {line.reference: line for line in _lines(uow.session, batch)}
    changes = rules.reconcile({ref: line.status for ref, line in lines.items()}, rules.returned(rows))
    now = clock.stamp()
    paid_banks = []
    for result in changes:
        line = lines[result.reference]
        line.returned_by, line.returned_at = actor.username, now
        if result.paid:
            line.status = "paid"
            paid_banks.append(line.bank_code)
        else:
            line.status, line.failure_reason = "failed", result.reason[:200]
    if paid_banks:
        _pay(uow, batch, [line for line in batch.lines if line.bank_code in paid_banks and line.paid_at is None],
             actor.username, now)
    _settle(batch, actor.username, now)


def pay_all(uow, actor: Actor, batch: InterestSubsidyBatch) -> None:
    """Every loan not yet paid, paid (its bank's waiting line too)."""
    now = clock.stamp()
    for line in _lines(uow.session, batch):
        if line.status == "issued":
            line.status, line.returned_by, line.returned_at = "paid", actor.username, now
    _pay(uow, batch, [line for line in batch.lines if line.paid_at is None], actor.username, now)
    _settle(batch, actor.username, now)


def _pay(uow, batch: InterestSubsidyBatch, loan_lines: list[InterestSubsidyLine], by: str, at) -> None:
    """Each loan's subsidy booked (the local budget's part to its own account) and announced."""
    session = uow.session
    books.require_budget(session, batch.city_code, sum(line.subsidy_fen + line.local_subsidy_fen for line in loan_lines),
                   "贴息")
    for line in loan_lines:
        loan = session.get(GuaranteedLoan, line.loan_id)
        line.paid_at = at
        books.post(session, batch.city_code, ledger.interest_subsidy_paid(
            f"interest:{batch.quarter}:{loan.id}", line.subsidy_fen, line.local_subsidy_fen), by)
        uow.publish(events.make_event(fe.InterestSubsidyPaid(
            loan_id=loan.id, borrower_kind=loan.borrower_kind, entrepreneur_id=loan.entrepreneur_id,
            enterprise_id=loan.enterprise_id, region_code=loan.region_code, bank_code=loan.bank_code,
            quarter=batch.quarter, interest_paid_fen=line.interest_paid_fen,
            subsidy_fen=line.subsidy_fen + line.local_subsidy_fen, local_subsidy_fen=line.local_subsidy_fen,
            policy_code=line.policy_code, paid_at=at)))


def _settle(batch: InterestSubsidyBatch, by: str, at) -> None:
    if all(line.paid_at is not None for line in batch.lines):
        batch.status, batch.paid_by, batch.paid_at = "paid", by, at


def lines_read(session: Session, batch: InterestSubsidyBatch) -> dict:
    """The quarter's bank lines (accounts masked) and the banks still waiting for one."""
    lines = _lines(session, batch)
    latest = _latest(lines)
    issued = set(latest)
    waiting = set(_waiting(batch, latest)) if batch.status == "computed" else set()
    return {"bank_lines": [{
        "reference": line.reference, "bank_code": line.bank_code, "bank_name": books.bank(session, line.bank_code).name,
        "attempt": line.attempt, "payee_name": line.payee_name, "account_masked": line.account_masked,
        "amount_yuan": fen_to_yuan(line.amount_fen), "loan_count": line.loan_count, "status": line.status,
        "status_name": rules.LINE_STATUS_NAMES[line.status], "failure_reason": line.failure_reason,
        "issued_at": line.issued_at, "returned_at": line.returned_at} for line in lines],
        "awaiting_bank_account": [books.bank(session, code).name for code in sorted(waiting - issued)],
        "banks_to_reissue": sorted(waiting & issued)}
