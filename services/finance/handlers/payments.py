"""A subsidy batch paid through the bank: the payment list's lines, the bank's return, a failed
claim issued again or cancelled. The payees' accounts come from the registry (asked by the service
before the transaction); a line keeps the account it was issued to."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.finance.domain import ledger
from services.finance.domain import payments as rules
from services.finance.domain import subsidies as subsidy_rules
from services.finance.handlers import books
from services.finance.models import PaymentLine, SubsidyBatch, SubsidyClaim
from shared import clock, events
from shared.actors import Actor
from shared.contracts import finance as fe
from shared.errors import InvalidState, NotFound
from shared.money import fen_to_yuan

SETTLED = ("paid", "cancelled")


def payee_of(claim: SubsidyClaim) -> dict:
    """Whose account a claim is paid to: an enterprise's claim to its basic account, a person's to theirs."""
    if claim.enterprise_id:
        return {"kind": "enterprise", "id": claim.enterprise_id}
    return {"kind": "entrepreneur", "id": claim.entrepreneur_id}


def _lines(session: Session, batch: SubsidyBatch) -> list[PaymentLine]:
    return list(session.scalars(sa.select(PaymentLine).where(PaymentLine.batch_id == batch.id)
                                .order_by(PaymentLine.issued_at, PaymentLine.reference)))


def _latest(lines: list[PaymentLine]) -> dict[str, PaymentLine]:
    latest: dict[str, PaymentLine] = {}
    for line in lines:
        if line.claim_id not in latest or line.attempt > latest[line.claim_id].attempt:
            latest[line.claim_id] = line
    return latest


def _to_issue(batch: SubsidyBatch, latest: dict[str, PaymentLine]) -> list[SubsidyClaim]:
    """The batch's claims that wait for a line (`latest`, each claim's last one): none issued yet,
    or the last one failed."""
    return [claim for claim in batch.claims if claim.status == "in_batch"
            and (claim.id not in latest or latest[claim.id].status == "failed")]


def payees_to_issue(session: Session, batch: SubsidyBatch) -> list[dict]:
    return [payee_of(claim) for claim in _to_issue(batch, _latest(_lines(session, batch)))]


def issue(session: Session, batch: SubsidyBatch, accounts: list[dict], by: str) -> list[str]:
    """A line for each claim waiting for one whose payee has an account now; the names of those
    whose payee has none (they wait until it is registered)."""
    found = {(a["kind"], a["id"]): a for a in accounts if a.get("status") == "ok"}
    latest = _latest(_lines(session, batch))
    missing = []
    for claim in _to_issue(batch, latest):
        payee = payee_of(claim)
        account = found.get((payee["kind"], payee["id"]))
        if account is None:
            missing.append(claim.claimant_name)
            continue
        session.add(PaymentLine(
            reference=rules.new_reference(), batch_id=batch.id, claim_id=claim.id,
            attempt=latest[claim.id].attempt + 1 if claim.id in latest else 1, payee_kind=payee["kind"],
            payee_name=account["payee_name"],
            payee_id_number=account.get("id_number") or account.get("credit_code") or "",
            account_kind=account["account_kind_name"] or account["account_kind"], bank_code=account["bank_code"],
            bank_name=account["bank_name"], account_number=account["account_number"],
            account_masked=account["account_masked"], amount_fen=claim.amount_fen, status="issued", issued_by=by))
    session.flush()
    return missing


def file_of(session: Session, batch: SubsidyBatch) -> tuple[str, bytes]:
    """The payment list of the lines waiting for the bank: what the paying bank takes."""
    if batch.status == "draft":
        raise InvalidState("batch_not_approved", "status", "批次审批后才能下载代发清单")
    kinds = {claim.id: subsidy_rules.KIND_NAMES[claim.kind] for claim in batch.claims}
    waiting = [line for line in _lines(session, batch) if line.status == "issued"]
    if not waiting:
        raise InvalidState("nothing_to_pay", None, "本批次没有等待银行发放的清单行（都已回盘，或收款人尚未登记收款账户）")
    content = rules.payment_file([rules.FileLine(
        line.reference, line.payee_name, line.payee_id_number, line.bank_name, line.account_kind,
        line.account_number, line.account_masked, line.amount_fen, kinds.get(line.claim_id, "")) for line in waiting])
    return f"代发清单_{batch.id[:8]}_{clock.today():%Y%m%d}.csv", content


def bank_return(uow, actor: Actor, batch: SubsidyBatch, rows: list[dict]) -> None:
    """The bank's return applied: each paid line's claim paid (its ledger posting and event), each
    failed line kept with the bank's reason; the batch paid once every claim is paid or cancelled."""
    rules.check_payer(batch.created_by, batch.approved_by, actor.username)
    if batch.status == "draft":  # a paid one takes its return again: a repeat changes nothing
        raise InvalidState("batch_status", "status", "批次审批后才能登记银行回盘")
    session = uow.session
    lines = {line.reference: line for line in _lines(session, batch)}
    changes = rules.reconcile({ref: line.status for ref, line in lines.items()}, rules.returned(rows))
    now = clock.stamp()
    claims = {claim.id: claim for claim in batch.claims}
    for result in changes:
        line = lines[result.reference]
        line.returned_by, line.returned_at = actor.username, now
        if result.paid:
            line.status = "paid"
            pay(uow, batch, claims[line.claim_id], actor.username, now)
        else:
            line.status, line.failure_reason = "failed", result.reason[:200]
            failed(uow, batch, claims[line.claim_id], line, now)
    settle(batch, actor.username, now)


def failed(uow, batch: SubsidyBatch, claim: SubsidyClaim, line: PaymentLine, at) -> None:
    uow.publish(events.make_event(fe.SubsidyPaymentFailed(
        claim_id=claim.id, kind=claim.kind, entrepreneur_id=claim.entrepreneur_id, enterprise_id=claim.enterprise_id,
        region_code=claim.region_code, amount_fen=claim.amount_fen, batch_id=batch.id,
        reason=line.failure_reason or "", account_masked=line.account_masked, returned_at=at)))


def pay(uow, batch: SubsidyBatch, claim: SubsidyClaim, by: str, at) -> None:
    claim.status, claim.paid_at = "paid", at
    books.post(uow.session, books.city_of(batch.region_code),
               ledger.subsidy_paid(f"claim:{claim.id}", claim.kind, claim.amount_fen), by)
    uow.publish(events.make_event(fe.SubsidyPaid(
        claim_id=claim.id, kind=claim.kind, entrepreneur_id=claim.entrepreneur_id, enterprise_id=claim.enterprise_id,
        region_code=claim.region_code, amount_fen=claim.amount_fen, batch_id=batch.id, paid_at=at)))


def settle(batch: SubsidyBatch, by: str, at) -> None:
    """The batch is paid once each of its claims is."""
    if batch.claims and all(claim.status == "paid" for claim in batch.claims):
        batch.status, batch.paid_by, batch.paid_at = "paid", by, at


def pay_all(uow, actor: Actor, batch: SubsidyBatch) -> None:
    """The whole batch recorded as paid (the bank paid every line, or it was paid outside a list):
    lines still waiting are marked paid too."""
    rules.check_payer(batch.created_by, batch.approved_by, actor.username)
    now = clock.stamp()
    for line in _lines(uow.session, batch):
        if line.status == "issued":
            line.status, line.returned_by, line.returned_at = "paid", actor.username, now
    for claim in batch.claims:
        if claim.status == "in_batch":
            pay(uow, batch, claim, actor.username, now)
    settle(batch, actor.username, now)


def cancel(uow, actor: Actor, batch: SubsidyBatch, claim_id: str, reason: str) -> None:
    """A claim whose payment failed taken out of the batch (back to approved, for a later batch), with
    the reason; the batch's total no longer counts it."""
    rules.check_payer(batch.created_by, batch.approved_by, actor.username)
    claim = next((c for c in batch.claims if c.id == claim_id), None)
    if claim is None:
        raise NotFound("claim_not_in_batch", "claim_id", "本批次中没有这笔申领")
    latest = _latest(_lines(uow.session, batch)).get(claim.id)
    if claim.status != "in_batch" or latest is None or latest.status != "failed":
        raise InvalidState("claim_not_failed", "claim_id", "只有银行回盘发放失败的申领可以从批次中取消")
    latest.status = "cancelled"
    latest.failure_reason = f"{latest.failure_reason}；取消：{reason}"[:200]
    claim.status, claim.batch_id = "approved", None
    claim.notes = [*claim.notes, f"发放失败，已从批次取消：{reason}"]
    batch.total_fen -= claim.amount_fen
    batch.claim_count -= 1
    uow.session.flush()
    uow.session.refresh(batch, ["claims"])
    settle(batch, actor.username, clock.stamp())


def lines_read(session: Session, batch: SubsidyBatch) -> dict:
    """The batch's payment lines as officials see them (account numbers masked) and what waits."""
    lines = _lines(session, batch)
    latest = _latest(lines)
    waiting = _to_issue(batch, latest) if batch.status == "approved" else []
    newest = {line.reference for line in latest.values()}
    return {"payment_lines": [{**line_read(line), "latest": line.reference in newest} for line in lines],
            "awaiting_account": [{"claim_id": claim.id, "claimant_name": claim.claimant_name}
                                 for claim in waiting if claim.id not in latest],
            "to_reissue": sorted(claim.id for claim in waiting if claim.id in latest)}


def line_read(line: PaymentLine) -> dict:
    return {"reference": line.reference, "claim_id": line.claim_id, "attempt": line.attempt,
            "payee_name": line.payee_name, "bank_name": line.bank_name, "account_kind": line.account_kind,
            "account_masked": line.account_masked, "amount_yuan": fen_to_yuan(line.amount_fen),
            "status": line.status, "status_name": rules.LINE_STATUS_NAMES[line.status],
            "failure_reason": line.failure_reason, "issued_at": line.issued_at, "returned_at": line.returned_at}


def claim_payments(session: Session, claim: SubsidyClaim) -> list[dict]:
    """What was sent to the bank for a claim and what came back, for the claim's page."""
    return [line_read(line) for line in session.scalars(
        sa.select(PaymentLine).where(PaymentLine.claim_id == claim.id).order_by(PaymentLine.attempt))]
