"""Records registered on someone's behalf (代为登记), claimed by the person: proved by a code sent to
the phone on the record (短信验证码), or confirmed by an official who sees them in person (便民服务中心).
The record, its enterprises and their history then belong to the person's account; every step is
kept (the request, who decided, the record's change) and the change is published."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session, selectinload

from services.registry import domain, readmodel
from services.registry.handlers import corrections
from services.registry.models import ClaimRequest, Enterprise, Entrepreneur
from shared import clock, events, regions
from shared.actors import Actor
from shared.contracts.registry import (
    ClaimCodeRequest,
    ClaimCodeRequested,
    ClaimCodeSent,
    ClaimDecision,
    ClaimInPersonRequested,
    ClaimQuery,
    ClaimRead,
    ClaimSubmit,
)
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from shared.sms import SmsMessage, SmsProvider

log = structlog.get_logger(__name__)

CODE_TTL = dt.timedelta(minutes=10)
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 5  # wrong codes before a new one must be asked for
MAX_CODES_PER_DAY = 5  # codes one person may ask for one record in a day


class WrongCode(Exception):
    """A wrong code: the claim's transaction is let go, and the attempt is counted in a transaction of
    its own (`count_wrong_code`) before the refusal is answered."""


def claim_read(claim: ClaimRequest) -> dict:
    return ClaimRead(
        id=claim.id, entrepreneur_id=claim.entrepreneur_id, entrepreneur_name=claim.entrepreneur.name,
        region_code=claim.region_code, region_name=regions.full_name(claim.region_code),
        account_username=claim.account_username, account_name=claim.account_name, method=claim.method,
        status=claim.status, note=claim.note, created_at=claim.created_at, decided_by=claim.decided_by,
        decided_at=claim.decided_at, decision_note=claim.decision_note).model_dump(mode="json")


def _code_hash(claim_id: str, code: str) -> str:
    return hashlib.sha256(f"{claim_id}:{code}".encode()).hexdigest()


# ---- the person asks -------------------------------------------------------------------------------


def _claimable(session: Session, actor: Actor, id_number: str) -> Entrepreneur:
    """The record with this resident ID that the caller may claim."""
    if actor.role != "entrepreneur":
        raise Forbidden("role_not_allowed", None, "只有创业者本人可以认领登记记录")
    own = session.scalar(sa.select(Entrepreneur.id).where(Entrepreneur.account_id == actor.user_id))
    if own is not None:
        raise Conflict("account_already_registered", None, "您的账号已关联创业者登记，请在“我的档案”中查看")
    record = session.scalar(sa.select(Entrepreneur).where(Entrepreneur.id_number == id_number).with_for_update())
    if record is None:
        raise NotFound("no_record_to_claim", "id_number", "没有找到该身份证号码的登记记录，请直接填写创业者登记表")
    if record.account_id is not None:
        raise Conflict("record_already_claimed", "id_number",
                       "该登记记录已关联其他账号；如非本人所为，请携带身份证件到便民服务中心办理")
    return record


def _open_request(session: Session, actor: Actor, record: Entrepreneur, method: str) -> ClaimRequest:
    claim = session.scalar(sa.select(ClaimRequest).where(
        ClaimRequest.entrepreneur_id == record.id, ClaimRequest.account_id == actor.user_id,
        ClaimRequest.method == method, ClaimRequest.status == "pending").with_for_update())
    if claim is None:
        claim = ClaimRequest(entrepreneur=record, region_code=record.region_code, account_id=actor.user_id,
                             account_username=actor.username, account_name=actor.display_name, method=method,
                             status="pending", created_at=clock.stamp(), attempts=0, code_requests=0)
        session.add(claim)
    return claim


def send_code(uow, actor: Actor, command: ClaimCodeRequest) -> dict:
    session: Session = uow.session
    record = _claimable(session, actor, command.id_number)
    claim = _open_request(session, actor, record, "sms_code")
    now = clock.utcnow()
    last = claim.code_requested_at
    if last is not None and now - last < RESEND_AFTER:
        raise Conflict("code_sent_recently", None, "验证码刚刚发送，请稍候一分钟再重新获取",
                       details={"resend_after": (last + RESEND_AFTER).isoformat()})
    same_day = last is not None and last.astimezone(clock.SHANGHAI).date() == now.astimezone(clock.SHANGHAI).date()
    if same_day and claim.code_requests >= MAX_CODES_PER_DAY:
        raise Conflict("too_many_codes", None, "今天获取验证码的次数已达上限，请明天再试，或到便民服务中心当面办理")
    claim.code_requests = claim.code_requests + 1 if same_day else 1
    claim.code_requested_at, claim.code_hash, claim.code_expires_at = now, None, None
    claim.attempts = 0
    session.flush()
    uow.publish(events.make_event(ClaimCodeRequested(
        claim_id=claim.id, entrepreneur_id=record.id, region_code=record.region_code, requested_at=now)))
    return ClaimCodeSent(phone=domain.mask_phone(record.phone), expires_at=now + CODE_TTL,
                         resend_after=now + RESEND_AFTER).model_dump(mode="json")


def deliver_code(session: Session, payload: ClaimCodeRequested, sms: SmsProvider) -> None:
    """The code for one request, made and sent once; a request already answered by a newer one, or
    too old to matter, is let go (and logged)."""
    claim = session.get(ClaimRequest, payload.claim_id, with_for_update=True)
    if claim is None or claim.status != "pending" or claim.code_requested_at != payload.requested_at:
        log.info("claim_code_superseded", claim_id=payload.claim_id)
        return
    now = clock.utcnow()
    if now - payload.requested_at > CODE_TTL:
        log.warning("claim_code_too_late", claim_id=claim.id, requested_at=payload.requested_at.isoformat())
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    claim.code_hash, claim.code_expires_at, claim.code_sent_at = _code_hash(claim.id, code), now + CODE_TTL, now
    phone = session.scalar(sa.select(Entrepreneur.phone).where(Entrepreneur.id == claim.entrepreneur_id))
    session.flush()  # the code is kept before it leaves: a failed send rolls both back and is retried
    sms.send(SmsMessage(id=f"claim-{claim.id}-{int(payload.requested_at.timestamp())}", phone=phone, text=(
        f"您正在认领返乡创业登记信息，验证码{code}，{int(CODE_TTL.total_seconds() // 60)}分钟内有效。"
        "如非本人操作，请忽略本短信。")))
    log.info("claim_code_sent", claim_id=claim.id)


def claim(uow, actor: Actor, command: ClaimSubmit) -> tuple[dict, int]:
    """With a code: the record becomes the caller's at once (200). In person: a request an official of
    the record's region confirms (202)."""
    session: Session = uow.session
    record = _claimable(session, actor, command.id_number)
    if command.in_person:
        request = _open_request(session, actor, record, "in_person")
        request.note = command.note or request.note
        new = request.id is None
        session.flush()
        if new:  # asked again while it waits: nobody is told twice
            uow.publish(events.make_event(ClaimInPersonRequested(
                claim_id=request.id, entrepreneur_id=record.id, region_code=record.region_code,
                requested_at=request.created_at)))
        return claim_read(request), 202
    if not command.code:
        raise InvalidInput("code_required", "code", "请填写短信验证码，或选择到便民服务中心当面确认")
    request = session.scalar(sa.select(ClaimRequest).where(
        ClaimRequest.entrepreneur_id == record.id, ClaimRequest.account_id == actor.user_id,
        ClaimRequest.method == "sms_code", ClaimRequest.status == "pending").with_for_update())
    if request is None or request.code_hash is None:
        raise InvalidState("code_not_sent", "code", "请先获取验证码")
    if request.attempts >= MAX_ATTEMPTS:
        raise InvalidState("code_attempts_exceeded", "code", "验证码输错次数过多，请重新获取")
    if clock.utcnow() > request.code_expires_at:
        raise InvalidState("code_expired", "code", "验证码已过期，请重新获取")
    if not hmac.compare_digest(request.code_hash, _code_hash(request.id, command.code or "")):
        raise WrongCode()
    request.code_hash = None  # a code is used once
    link(uow, request, actor, actor.username, "短信验证码")
    return readmodel.entrepreneur_detail(session, record), 200


def count_wrong_code(uow, actor: Actor, command: ClaimSubmit) -> InvalidInput:
    """One more wrong attempt on the caller's open request, and the refusal that says how many remain."""
    request = uow.session.scalar(sa.select(ClaimRequest).join(ClaimRequest.entrepreneur).where(
        Entrepreneur.id_number == command.id_number, ClaimRequest.account_id == actor.user_id,
        ClaimRequest.method == "sms_code", ClaimRequest.status == "pending").with_for_update())
    request.attempts += 1
    left = MAX_ATTEMPTS - request.attempts
    return InvalidInput("code_wrong", "code", f"验证码不正确，还可以再试{left}次" if left > 0 else "验证码不正确，请重新获取")


# ---- an official decides ---------------------------------------------------------------------------


def _decidable(session: Session, actor: Actor, claim_id: str) -> ClaimRequest:
    request = session.get(ClaimRequest, claim_id, with_for_update=True,
                          options=[selectinload(ClaimRequest.entrepreneur)])
    visible = request is not None and actor.governs(request.entrepreneur.region_code)
    if not visible:
        raise NotFound("claim_not_found", None, domain.NOT_VISIBLE)
    return request


def approve(uow, actor: Actor, claim_id: str, command: ClaimDecision) -> dict:
    request = _decidable(uow.session, actor, claim_id)
    if request.status == "approved":
        return claim_read(request)  # confirmed already: nothing more
    if request.status != "pending":
        raise InvalidState("claim_decided", None, "该认领申请已处理")
    if request.method != "in_person":
        raise InvalidState("claim_by_code", None, "该申请通过短信验证码办理，不需要工作人员确认")
    request.decision_note = command.note
    link(uow, request, actor, request.account_username, "工作人员当面确认")
    return claim_read(request)


def reject(uow, actor: Actor, claim_id: str, command: ClaimDecision) -> dict:
    request = _decidable(uow.session, actor, claim_id)
    if request.status == "rejected":
        return claim_read(request)
    if request.status != "pending":
        raise InvalidState("claim_decided", None, "该认领申请已处理")
    if not command.note:
        raise InvalidInput("reason_required", "note", "请写明未通过的原因，申请人会看到")
    request.status, request.decided_by, request.decided_at = "rejected", actor.username, clock.stamp()
    request.decision_note = command.note
    return claim_read(request)


def link(uow, request: ClaimRequest, actor: Actor, account_label: str, how: str) -> None:
    """The record and its enterprises become the requesting account's; other open requests for the
    record are closed; the change is kept and published."""
    session: Session = uow.session
    record = session.get(Entrepreneur, request.entrepreneur_id, with_for_update=True)
    if record.account_id is not None:
        raise Conflict("record_already_claimed", None, "该登记记录已关联其他账号")
    if session.scalar(sa.select(Entrepreneur.id).where(Entrepreneur.account_id == request.account_id)) is not None:
        raise Conflict("account_already_registered", None, "该账号已关联其他创业者登记")
    now = clock.stamp()
    record.account_id = request.account_id
    request.status, request.decided_by, request.decided_at = "approved", actor.username, now
    session.execute(sa.update(ClaimRequest).where(
        ClaimRequest.entrepreneur_id == record.id, ClaimRequest.status == "pending", ClaimRequest.id != request.id,
    ).values(status="rejected", decided_at=now, decision_note="该登记记录已由本人认领"))
    firms = session.scalars(sa.select(Enterprise).where(Enterprise.owner_entrepreneur_id == record.id)
                            .options(selectinload(Enterprise.owner))).all()
    for firm in firms:
        sa.orm.attributes.flag_modified(firm, "name")  # a new version, so that the copies take the new owner
    session.flush()
    account = f"{request.account_name}（{account_label}）" if request.account_name else account_label
    corrections.record(session, "entrepreneur", record.id, "claimed", actor, how, {"account": None},
                       {"account": account})
    corrections.publish_entrepreneur(uow, record, "claimed", ["account_id"], actor, how)
    for firm in firms:
        corrections.publish_enterprise(uow, firm, "claimed", ["owner_account_id"], actor, how)


# ---- lists and to-do ------------------------------------------------------------------------------


def list_claims(session: Session, actor: Actor, query: ClaimQuery) -> dict:
    statement = sa.select(ClaimRequest).where(readmodel.claims_visible(actor))
    if query.status:
        statement = statement.where(ClaimRequest.status == query.status)
    total = session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.options(selectinload(ClaimRequest.entrepreneur))
                           .order_by(ClaimRequest.created_at.desc(), ClaimRequest.id)
                           .offset((query.page - 1) * query.per_page).limit(query.per_page)).all()
    return {"items": [claim_read(row) for row in rows], "total": total, "page": query.page,
            "per_page": query.per_page}
