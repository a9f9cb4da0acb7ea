"""Subsidy claims, their review and payment batches; the quarterly interest subsidy batch."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.finance.domain import loans as loan_rules
from services.finance.domain import payments as payment_rules
from services.finance.domain import subsidies as subsidy_rules
from services.finance.handlers import books, interest_payments, payments
from services.finance.models import (
    ClaimKey,
    GuaranteedLoan,
    InterestSubsidyBatch,
    InterestSubsidyLine,
    KnownEnterprise,
    KnownEntrepreneur,
    Repayment,
    SubsidyBatch,
    SubsidyClaim,
)
from shared import clock, events, regions
from shared.actors import Actor, require_role
from shared.contracts import TodoItem
from shared.contracts import finance as fe
from shared.contracts.finance import BatchCreate, ClaimListQuery, ClaimReview, SubsidyClaimCreate
from shared.db import in_region, text_contains, visible_to
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from shared.money import fen_to_yuan, yuan_to_fen

PAYING_LEVELS = ("county", "city")
EARLIER_SHOWN = 20  # a person's earlier claims of a kind shown beside a claim, newest first


def require_paying_official(actor: Actor) -> None:
    if not actor.is_official or actor.level not in PAYING_LEVELS:
        raise Forbidden("paying_level_required", None, "只有县（区）级及以上工作人员可以办理补贴发放批次")


# ---- claims ---------------------------------------------------------------------------------


def can_view(actor: Actor, claim: SubsidyClaim) -> bool:
    return actor.may_see(owner_account_id=claim.applicant_account_id, region_code=claim.region_code)


def scope(statement, actor: Actor):
    return statement.where(visible_to(actor, owner=SubsidyClaim.applicant_account_id, region=SubsidyClaim.region_code))


def get(session: Session, actor: Actor, claim_id: str) -> SubsidyClaim:
    claim = session.get(SubsidyClaim, claim_id)
    if claim is None or not can_view(actor, claim):
        raise NotFound("claim_not_found", None, "没有这条补贴申领，或无权查看")
    return claim


def read(claim: SubsidyClaim) -> dict:
    return {
        "id": claim.id, "kind": claim.kind, "kind_name": subsidy_rules.KIND_NAMES[claim.kind],
        "entrepreneur_id": claim.entrepreneur_id, "enterprise_id": claim.enterprise_id,
        "claimant_name": claim.claimant_name, "region_code": claim.region_code,
        "region_name": regions.full_name(claim.region_code), "details": claim.details,
        "amount_yuan": fen_to_yuan(claim.amount_fen), "status": claim.status,
        "status_name": subsidy_rules.STATUS_NAMES[claim.status], "policy_code": claim.policy_code,
        "failures": claim.failures, "notes": claim.notes, "claimed_at": claim.claimed_at,
        "reviewed_by": claim.reviewed_by, "reviewed_at": claim.reviewed_at,
        "review_reason": claim.review_reason, "batch_id": claim.batch_id, "paid_at": claim.paid_at,
        "version": claim.version, "assessment": claim.assessment, "resubmission_of": claim.resubmission_of,
    }


def detail(session: Session, actor: Actor, claim: SubsidyClaim) -> dict:
    """The claim with what its reviewer decides on: the assessment kept with it, and the person's
    earlier claims of the same kind (those the caller may see, like any list of claims)."""
    earlier = session.scalars(scope(sa.select(SubsidyClaim), actor).where(
        SubsidyClaim.entrepreneur_id == claim.entrepreneur_id, SubsidyClaim.kind == claim.kind,
        SubsidyClaim.id != claim.id).order_by(SubsidyClaim.claimed_at.desc()).limit(EARLIER_SHOWN))
    return {**read(claim), "payments": payments.claim_payments(session, claim), "previous_claims": [
        {"id": c.id, "claimed_at": c.claimed_at, "status": c.status,
         "status_name": subsidy_rules.STATUS_NAMES[c.status], "amount_yuan": fen_to_yuan(c.amount_fen),
         "subject": subsidy_rules.subject(c.kind, c.details)} for c in earlier],
        "resubmitted_as": session.scalar(sa.select(SubsidyClaim.id).where(
            SubsidyClaim.resubmission_of == claim.id))}


def list_claims(session: Session, actor: Actor, query: ClaimListQuery) -> dict:
    statement = scope(sa.select(SubsidyClaim), actor)
    if query.status:
        statement = statement.where(SubsidyClaim.status == query.status)
    if query.kind:
        statement = statement.where(SubsidyClaim.kind == query.kind)
    if query.entrepreneur_id:
        statement = statement.where(SubsidyClaim.entrepreneur_id == query.entrepreneur_id)
    if query.q:
        statement = statement.where(text_contains(query.q, SubsidyClaim.claimant_name))
    if query.region_code:
        statement = statement.where(in_region(SubsidyClaim.region_code, query.region_code))
    total = session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    rows = session.scalars(statement.order_by(SubsidyClaim.claimed_at.desc())
                           .limit(query.per_page).offset((query.page - 1) * query.per_page))
    return {"items": [read(c) for c in rows], "total": total, "page": query.page,
            "per_page": query.per_page}


def _fact(claim: SubsidyClaim) -> dict:
    return {"claim_id": claim.id, "kind": claim.kind, "entrepreneur_id": claim.entrepreneur_id,
            "enterprise_id": claim.enterprise_id, "region_code": claim.region_code,
            "amount_fen": claim.amount_fen}


def _claimant(session: Session, actor: Actor, data: SubsidyClaimCreate):
    person = session.scalar(sa.select(KnownEntrepreneur).where(KnownEntrepreneur.account_id == actor.user_id))
    if person is None:
        raise InvalidState("entrepreneur_not_registered", "claimant", "请先登记创业者信息（登记后稍候片刻即可申领）")
    firm = session.get(KnownEnterprise, data.enterprise_id) if data.enterprise_id else None
    if data.enterprise_id and (firm is None or firm.owner_entrepreneur_id != person.id):
        raise InvalidInput("enterprise_not_owned", "enterprise_id", "只能为本人创办的经营主体申领")
    return person, firm


def check(session: Session, actor: Actor, data: SubsidyClaimCreate, today: dt.date) -> dict:
    """The assessment a claim would get today, without claiming: every rule it would break."""
    require_role(actor, "entrepreneur")
    if data.resubmits:
        _resubmitted(session, actor, data.resubmits)
    _, _, policy, _, result = _assessed(session, actor, data, today)
    return {"eligible": result.eligible, "failures": [f.as_dict() for f in result.failures],
            "policy_code": policy.code,
            "amount_yuan": fen_to_yuan(result.amount_fen) if result.amount_fen is not None else None}


def _resubmitted(session: Session, actor: Actor, claim_id: str) -> SubsidyClaim:
    """The caller's own refused claim that a new one corrects, once."""
    earlier = session.get(SubsidyClaim, claim_id)
    if earlier is None or earlier.applicant_account_id != actor.user_id:
        raise NotFound("claim_not_found", "resubmits", "没有这笔补贴申领")
    if earlier.status != "rejected":
        raise InvalidState("claim_not_resubmittable", "resubmits", "只有未通过的申领可以修改后重新申领")
    if session.scalar(sa.select(SubsidyClaim.id).where(SubsidyClaim.resubmission_of == claim_id)):
        raise Conflict("claim_already_resubmitted", "resubmits", "这笔申领已经修改后重新申领过")
    return earlier


def _assessed(session: Session, actor: Actor, data: SubsidyClaimCreate, today: dt.date):
    person, firm = _claimant(session, actor, data)
    policy = books.subsidy_policy(session, data.kind, today, (firm or person).region_code)
    held = _held_keys(session, person.id, data)
    facts = subsidy_rules.ClaimantFacts(
        registered=True, verified=person.verified, entrepreneur_id=person.id,
        household_region_code=person.household_region_code, region_code=person.region_code,
        certificates=tuple(person.certificates or ()), enterprise_owned=firm is not None,
        enterprise_founded_on=firm.founded_on if firm else None, held_keys=held,
        categories=tuple(person.categories or ()), enterprise_name=firm.name if firm else None,
        enterprise_headcount=firm.headcount if firm else None, enterprise_new_hires=firm.new_hires if firm else None,
        headcount_quarter=firm.headcount_quarter if firm else None)
    details = data.model_dump(mode="python", exclude={"kind", "enterprise_id", "amount_yuan", "resubmits",
                                                      "only_if_eligible"})
    details["amount_fen"] = yuan_to_fen(data.amount_yuan) if data.amount_yuan else None
    return person, firm, policy, facts, subsidy_rules.assess(policy, facts, details, today)


def claim(uow, actor: Actor, data: SubsidyClaimCreate, today: dt.date) -> dict:
    require_role(actor, "entrepreneur")
    session = uow.session
    earlier = _resubmitted(session, actor, data.resubmits) if data.resubmits else None
    person, firm, policy, facts, result = _assessed(session, actor, data, today)
    if not result.eligible and data.only_if_eligible:
        raise loan_rules.not_eligible(result.failures)
    record = SubsidyClaim(
        kind=data.kind, entrepreneur_id=person.id, enterprise_id=firm.id if firm else None,
        applicant_account_id=actor.user_id, claimant_name=firm.name if firm else person.name,
        region_code=firm.region_code if firm else person.region_code,
        details=data.model_dump(mode="json", exclude={"kind", "enterprise_id", "resubmits", "only_if_eligible"}),
        amount_fen=result.amount_fen, status="eligibility_checked" if result.eligible else "rejected",
        policy_code=policy.code, failures=[f.as_dict() for f in result.failures], notes=result.notes,
        assessment=result.as_record(facts, today),
        review_reason=None if result.eligible else "系统核验未通过", resubmission_of=earlier.id if earlier else None)
    session.add(record)
    session.flush()
    if result.eligible:
        _hold(session, record, result.keys)
    uow.publish(events.make_event(fe.SubsidyClaimed(
        **_fact(record), eligible=result.eligible, failures=record.failures, policy_code=policy.code)))
    if not result.eligible:
        uow.publish(events.make_event(fe.SubsidyRejected(
            **_fact(record), reason="；".join(f.message for f in result.failures), rejected_by="系统")))
    return read(record)


def _held_keys(session: Session, entrepreneur_id: str, data: SubsidyClaimCreate) -> frozenset[str]:
    """Keys live claims already hold: a hire may be claimed by any enterprise only once."""
    if data.kind == "employment":
        statement = sa.select(ClaimKey.key).where(
            ClaimKey.key.in_([f"employment:{hire.id_number}" for hire in data.hires]))
    else:
        statement = sa.select(ClaimKey.key).where(ClaimKey.entrepreneur_id == entrepreneur_id)
    return frozenset(session.scalars(statement))


def _hold(session: Session, record: SubsidyClaim, keys: list[str]) -> None:
    """Take what the claim claims once; a concurrent twin that took it first makes this a conflict."""
    for key in keys:
        session.add(ClaimKey(key=key, claim_id=record.id, entrepreneur_id=record.entrepreneur_id))
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("already_claimed", "kind", "该项补贴已有申领，不能重复申领") from None


def review(uow, actor: Actor, claim_id: str, data: ClaimReview) -> dict:
    session = uow.session
    if not actor.is_official:
        raise Forbidden("official_required", None, "只有工作人员可以审核补贴申领")
    record = get(session, actor, claim_id)
    if data.expected_version is not None and data.expected_version != record.version:
        raise Conflict("stale_version", "expected_version", "申领已被他人修改，请刷新后重试")
    if data.decision == "reject" and len(data.reason) < 2:
        raise InvalidInput("reason_required", "reason", "不予通过时须填写理由")
    if record.status != "eligibility_checked":
        raise InvalidState("claim_status", "status",
                           f"申领当前为“{subsidy_rules.STATUS_NAMES[record.status]}”，不能再审核")
    record.reviewed_by, record.reviewed_at = actor.username, clock.stamp()
    record.review_reason = data.reason or None
    if data.decision == "approve":
        record.status = "approved"
        uow.publish(events.make_event(fe.SubsidyApproved(**_fact(record), approved_by=actor.username)))
    else:
        record.status = "rejected"
        session.execute(sa.delete(ClaimKey).where(ClaimKey.claim_id == record.id))
        uow.publish(events.make_event(fe.SubsidyRejected(
            **_fact(record), reason=data.reason, rejected_by=actor.username)))
    return read(record)


# ---- batches --------------------------------------------------------------------------------


def batch_read(session: Session, batch: SubsidyBatch) -> dict:
    return {"id": batch.id, "region_code": batch.region_code,
            "region_name": regions.full_name(batch.region_code), "status": batch.status,
            "total_yuan": fen_to_yuan(batch.total_fen), "claim_count": batch.claim_count,
            "created_by": batch.created_by, "created_at": batch.created_at,
            "available_yuan": fen_to_yuan(books.subsidy_available(session, books.city_of(batch.region_code))),
            "available_at_approval_yuan": None if batch.available_fen_at_approval is None
            else fen_to_yuan(batch.available_fen_at_approval),
            "approved_by": batch.approved_by, "approved_at": batch.approved_at,
            "paid_by": batch.paid_by, "paid_at": batch.paid_at, "version": batch.version,
            "claims": [read(c) for c in batch.claims], **payments.lines_read(session, batch)}


def get_batch(session: Session, actor: Actor, batch_id: str) -> SubsidyBatch:
    batch = session.get(SubsidyBatch, batch_id)
    if batch is None or not actor.governs(batch.region_code):
        raise NotFound("batch_not_found", None, "没有这个发放批次，或无权查看")
    return batch


def list_batches(session: Session, actor: Actor) -> dict:
    if not actor.is_official:
        return {"items": [], "available_yuan": None}
    rows = session.scalars(sa.select(SubsidyBatch).where(SubsidyBatch.region_code.startswith(
        regions.jurisdiction_prefix(actor.region_code))).order_by(SubsidyBatch.created_at.desc()).limit(100))
    city = regions.city_of(actor.region_code)  # a province's officials read each batch's city on the batch
    return {"items": [batch_read(session, b) for b in rows],
            "available_yuan": None if city is None else fen_to_yuan(books.subsidy_available(session, city))}


def official_todo(session: Session, actor: Actor) -> list[dict]:
    """An official's subsidy work in their region: claims to review (oldest first) and, at the paying
    levels, batches to approve and to pay."""
    count, oldest = session.execute(scope(
        sa.select(sa.func.count(), sa.func.min(SubsidyClaim.claimed_at)), actor)
        .where(SubsidyClaim.status == "eligibility_checked")).one()
    items = [TodoItem(kind="claims_to_review", title="补贴申领，待审核", count=count,
                      waiting_since=oldest.date() if oldest else None, link="/subsidies").as_json()]
    if actor.level in PAYING_LEVELS:
        batches = dict(session.execute(
            sa.select(SubsidyBatch.status, sa.func.count())
            .where(SubsidyBatch.region_code.startswith(regions.jurisdiction_prefix(actor.region_code)),
                   SubsidyBatch.status.in_(("draft", "approved")))
            .group_by(SubsidyBatch.status)).all())
        items += [TodoItem(kind="batches_to_approve", title="补贴发放批次，待审批", count=batches.get("draft", 0),
                           link="/batches").as_json(),
                  TodoItem(kind="batches_to_pay", title="已审批的补贴发放批次，待发放",
                           count=batches.get("approved", 0), link="/batches").as_json()]
    return items


def create_batch(uow, actor: Actor, data: BatchCreate) -> dict:
    require_paying_official(actor)
    session = uow.session
    prefix = regions.jurisdiction_prefix(actor.region_code)
    statement = sa.select(SubsidyClaim).where(SubsidyClaim.status == "approved",
                                              SubsidyClaim.region_code.startswith(prefix))
    if data.claim_ids:
        statement = statement.where(SubsidyClaim.id.in_(data.claim_ids))
    claims = list(session.scalars(statement.with_for_update()))
    if data.claim_ids and len(claims) != len(set(data.claim_ids)):
        raise InvalidState("claims_not_batchable", "claim_ids", "所选申领中有不存在、不在辖区或未审核通过的")
    if not claims:
        raise InvalidState("no_approved_claims", "claim_ids", "辖区内没有待发放的已审核申领")
    batch = SubsidyBatch(region_code=actor.region_code, status="draft", created_by=actor.username,
                         total_fen=sum(c.amount_fen for c in claims), claim_count=len(claims))
    session.add(batch)
    session.flush()
    for record in claims:
        record.status, record.batch_id = "in_batch", batch.id
    session.flush()
    session.refresh(batch)
    return batch_read(session, batch)


def approve_batch(uow, actor: Actor, batch_id: str, accounts: list[dict]) -> dict:
    """Another official than its maker approves the batch against the budget; the payment list's
    lines are issued for the payees whose accounts the registry holds (`accounts`)."""
    require_paying_official(actor)
    session = uow.session
    batch = get_batch(session, actor, batch_id)
    if batch.status != "draft":
        raise InvalidState("batch_status", "status", "批次已审批，不能重复审批")
    payment_rules.check_checker(batch.created_by, actor.username)
    available = books.require_budget(session, books.city_of(batch.region_code), batch.total_fen, "本批次")
    batch.status, batch.approved_by, batch.approved_at = "approved", actor.username, clock.stamp()
    batch.available_fen_at_approval = available
    payments.issue(session, batch, accounts, actor.username)
    return batch_read(session, batch)


def approved_batch(session: Session, actor: Actor, batch_id: str) -> SubsidyBatch:
    """A batch of the caller's region, for its paying steps (a county's or city's officials)."""
    require_paying_official(actor)
    return get_batch(session, actor, batch_id)


def pay_batch(uow, actor: Actor, batch_id: str) -> dict:
    batch = approved_batch(uow.session, actor, batch_id)
    if batch.status != "approved":
        raise InvalidState("batch_status", "status", "只有已审批的批次可以发放")
    payments.pay_all(uow, actor, batch)
    return batch_read(uow.session, batch)


def record_bank_return(uow, actor: Actor, batch_id: str, rows: list[dict]) -> dict:
    batch = approved_batch(uow.session, actor, batch_id)
    payments.bank_return(uow, actor, batch, rows)
    return batch_read(uow.session, batch)


def reissue(uow, actor: Actor, batch_id: str, accounts: list[dict]) -> dict:
    """Lines issued for the claims still waiting for one (a payee's account registered since, or
    corrected after the bank's failure), by one of the officials who may pay the batch."""
    batch = approved_batch(uow.session, actor, batch_id)
    if batch.status != "approved":
        raise InvalidState("batch_status", "status", "只有已审批、尚未发放完毕的批次可以重新生成清单")
    payment_rules.check_payer(batch.created_by, batch.approved_by, actor.username)
    payments.issue(uow.session, batch, accounts, actor.username)
    return batch_read(uow.session, batch)


def cancel_payment(uow, actor: Actor, batch_id: str, claim_id: str, reason: str) -> dict:
    batch = approved_batch(uow.session, actor, batch_id)
    payments.cancel(uow, actor, batch, claim_id, reason)
    return batch_read(uow.session, batch)


# ---- the quarterly interest subsidy ---------------------------------------------------------


def interest_batch_read(session: Session, batch: InterestSubsidyBatch) -> dict:
    return {**interest_payments.lines_read(session, batch), "city_code": batch.city_code, "city_name": regions.name_of(batch.city_code),
            "quarter": batch.quarter, "status": batch.status, "total_yuan": fen_to_yuan(batch.total_fen),
            "programme_total_yuan": fen_to_yuan(batch.total_fen - batch.local_total_fen),
            "local_total_yuan": fen_to_yuan(batch.local_total_fen),
            "created_by": batch.created_by, "created_at": batch.created_at, "paid_by": batch.paid_by,
            "paid_at": batch.paid_at, "version": batch.version,
            "lines": [{"loan_id": line.loan_id, "region_code": line.region_code,
                       "interest_paid_yuan": fen_to_yuan(line.interest_paid_fen),
                       "subsidy_yuan": fen_to_yuan(line.subsidy_fen),
                       "local_subsidy_yuan": fen_to_yuan(line.local_subsidy_fen),
                       "total_yuan": fen_to_yuan(line.subsidy_fen + line.local_subsidy_fen),
                       "policy_code": line.policy_code}
                      for line in batch.lines]}


def require_interest_official(actor: Actor) -> str:
    """The city whose interest subsidy the caller computes and pays: their own, as its city-level official."""
    return books.kept_city(actor, "只有本市市级工作人员可以办理贴息")


def compute_interest(uow, actor: Actor, quarter: str, today: dt.date) -> dict:
    """The city's quarter's subsidy on interest actually paid, loan by loan, under each contract's policy."""
    city = require_interest_official(actor)
    session = uow.session
    first, last = loan_rules.quarter_bounds(quarter)
    if last >= today:
        raise InvalidState("quarter_not_ended", "quarter", f"{quarter}尚未结束，季度结束后才能计算贴息")
    if (existing := session.get(InterestSubsidyBatch, (city, quarter))) is not None:
        return interest_batch_read(session, existing)
    paid = session.execute(
        sa.select(Repayment.loan_id, sa.func.sum(Repayment.interest_fen))
        .join(GuaranteedLoan, GuaranteedLoan.id == Repayment.loan_id)
        .where(Repayment.paid_on.between(first, last), books.in_city(GuaranteedLoan.region_code, city))
        .group_by(Repayment.loan_id)).all()
    batch = InterestSubsidyBatch(city_code=city, quarter=quarter, status="computed", total_fen=0,
                                 created_by=actor.username)
    for loan_id, interest in paid:
        loan = session.get(GuaranteedLoan, loan_id)
        policy = books.loan_policy(session, code=loan.contract_policy_code)
        partners = len(loan.partners) if loan.borrower_kind == "partnership" else 1
        parts = loan_rules.interest_subsidy_parts(policy, loan.cap_basis, loan.approved_amount_fen,
                                                  loan.rate_bp, loan.lpr_bp, int(interest), partners)
        if parts.total_fen:
            batch.lines.append(InterestSubsidyLine(loan_id=loan_id, region_code=loan.region_code, bank_code=loan.bank_code,
                                                   interest_paid_fen=int(interest), subsidy_fen=parts.programme_fen,
                                                   local_subsidy_fen=parts.local_fen, policy_code=policy.code))
    batch.local_total_fen = sum(line.local_subsidy_fen for line in batch.lines)
    batch.total_fen = sum(line.subsidy_fen for line in batch.lines) + batch.local_total_fen
    session.add(batch)
    session.flush()
    interest_payments.issue(session, batch, actor.username)
    return interest_batch_read(session, batch)


def get_interest(session: Session, actor: Actor, quarter: str, city: str | None = None) -> dict:
    """A city's quarter's interest subsidy, with the lines of the caller's region (all for a city's
    or a province's officials)."""
    if not actor.is_official:
        raise Forbidden("official_required", None, "只有工作人员可以查看贴息")
    city = books.city_to_read(actor, city)
    batch = session.get(InterestSubsidyBatch, (city, quarter))
    if batch is None:
        raise NotFound("interest_batch_not_found", "quarter", f"{regions.name_of(city)}{quarter}的贴息尚未计算")
    result = interest_batch_read(session, batch)
    prefix = regions.jurisdiction_prefix(actor.region_code)
    result["lines"] = [line for line in result["lines"] if line["region_code"].startswith(prefix)]
    return result


def pay_interest(uow, actor: Actor, quarter: str) -> dict:
    """The quarter's interest subsidy recorded as paid whole: the treasury paid every bank's line (or
    paid it outside the list); what the bank's return already paid is not paid again."""
    batch = interest_batch(uow.session, actor, quarter, unpaid=True)
    interest_payments.pay_all(uow, actor, batch)
    return interest_batch_read(uow.session, batch)


def record_interest_return(uow, actor: Actor, quarter: str, rows: list[dict]) -> dict:
    batch = interest_batch(uow.session, actor, quarter)
    interest_payments.bank_return(uow, actor, batch, rows)
    return interest_batch_read(uow.session, batch)


def reissue_interest(uow, actor: Actor, quarter: str) -> dict:
    batch = interest_batch(uow.session, actor, quarter, unpaid=True)
    interest_payments.issue(uow.session, batch, actor.username)
    return interest_batch_read(uow.session, batch)


def interest_batch(session: Session, actor: Actor, quarter: str, *, unpaid: bool = False) -> InterestSubsidyBatch:
    """The caller's city's computed quarter, for its city-level officials' paying steps (`unpaid`:
    a step that pays, so not once the quarter is paid)."""
    city = require_interest_official(actor)
    batch = session.get(InterestSubsidyBatch, (city, quarter))
    if batch is None:
        raise NotFound("interest_batch_not_found", "quarter", f"{quarter}的贴息尚未计算")
    if unpaid and batch.status != "computed":
        raise InvalidState("batch_status", "status", "本季度贴息已发放")
    return batch
