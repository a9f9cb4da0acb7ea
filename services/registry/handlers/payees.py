"""Payee accounts (收款账户): where a person's or an enterprise's payments go, set by its owner or an
official of its region. Each change is kept in the record's history and published with the number
masked; the same account again changes nothing. Finance reads the full numbers of a payment list's
payees here (`payee_accounts`), inside the system only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry import domain, readmodel
from services.registry.handlers.corrections import record as record_change
from services.registry.models import Enterprise, Entrepreneur
from shared import clock, events
from shared.actors import Actor
from shared.contracts.registry import (
    PAYEE_BANK_NAMES,
    PAYEE_KIND_NAMES,
    PayeeAccountChanged,
    PayeeAccountLine,
    PayeeAccountUpdate,
    PayeeRecord,
)
from shared.payee_accounts import mask_account


def set_entrepreneur_account(uow, actor: Actor, entrepreneur_id: str, data: PayeeAccountUpdate) -> dict:
    person = readmodel.get_entrepreneur(uow.session, actor, entrepreneur_id)
    domain.check_may_set_payee_account(actor, person, person.account_id)
    before = _set(uow, actor, person, "entrepreneur", person.name, data)
    if before is not None:
        _publish(uow, actor, person, before, entrepreneur_id=person.id, enterprise_id=None)
    return readmodel.entrepreneur_detail(uow.session, person)


def set_enterprise_account(uow, actor: Actor, enterprise_id: str, data: PayeeAccountUpdate) -> dict:
    firm = readmodel.get_enterprise(uow.session, actor, enterprise_id)
    domain.check_may_set_payee_account(actor, firm, firm.owner.account_id)
    before = _set(uow, actor, firm, "enterprise", firm.name, data)
    if before is not None:
        _publish(uow, actor, firm, before, entrepreneur_id=firm.owner_entrepreneur_id, enterprise_id=firm.id)
    return readmodel.enterprise_detail(uow.session, firm)


def _set(uow, actor: Actor, target: Any, kind: str, default_holder: str, data: PayeeAccountUpdate) -> dict | None:
    """Put the account on the record and write down the change: the account before it; None when it
    is the account the record already has (a repeat answers as the first did, whatever version it saw)."""
    before = domain.payee_values(target)
    after = {"payee_kind": data.kind, "payee_bank_code": data.bank_code,
             "payee_account_number": data.account_number, "payee_holder_name": data.holder_name or default_holder}
    if before == after:
        return None
    domain.check_payee_reason(actor, target, data.reason)
    domain.check_version(target, data.expected_version)
    for name, value in after.items():
        setattr(target, name, value)
    uow.session.flush()
    old, new = domain.payee_change(before, after)
    record_change(uow.session, kind, target.id, "payee_account", actor, data.reason or "", old, new)
    return before


def _publish(uow, actor: Actor, target: Any, before: dict, *, entrepreneur_id: str, enterprise_id: str | None) -> None:
    uow.publish(events.make_event(PayeeAccountChanged(
        record_kind="enterprise" if enterprise_id else "entrepreneur", entrepreneur_id=entrepreneur_id,
        enterprise_id=enterprise_id,
        region_code=target.region_code, record_version=target.version, account_kind=target.payee_kind,
        bank_code=target.payee_bank_code, account_masked=mask_account(target.payee_account_number),
        first=before["payee_account_number"] is None, changed_by=actor.username, changed_at=clock.stamp())))


# ---- for finance's payment lists ------------------------------------------------------------------


def payee_accounts(session: Session, records: list[PayeeRecord]) -> list[dict]:
    """Each record's payee, in the order asked (two statements for a whole list): whom to pay, their
    resident ID or credit code, and the whole account number, for the bank's payment list (代发清单)."""
    wanted = {"entrepreneur": {r.id for r in records if r.kind == "entrepreneur"},
              "enterprise": {r.id for r in records if r.kind == "enterprise"}}
    found: dict[tuple[str, str], dict] = {}
    if wanted["entrepreneur"]:
        for person in session.scalars(sa.select(Entrepreneur).where(Entrepreneur.id.in_(wanted["entrepreneur"]))):
            found["entrepreneur", person.id] = {"id_number": person.id_number, **_account(person)}
    if wanted["enterprise"]:
        for firm in session.scalars(sa.select(Enterprise).where(Enterprise.id.in_(wanted["enterprise"]))):
            found["enterprise", firm.id] = {"credit_code": firm.credit_code, **_account(firm)}
    return [PayeeAccountLine(kind=r.kind, id=r.id, **found.get((r.kind, r.id), {"status": "unknown"}))
            .model_dump(mode="json") for r in records]


def _account(target: Any) -> dict:
    number = target.payee_account_number
    if not number:
        return {"status": "missing"}
    return {"status": "ok", "payee_name": target.payee_holder_name, "account_kind": target.payee_kind,
            "account_kind_name": PAYEE_KIND_NAMES.get(target.payee_kind, target.payee_kind),
            "bank_code": target.payee_bank_code,
            "bank_name": PAYEE_BANK_NAMES.get(target.payee_bank_code, target.payee_bank_code),
            "account_number": number, "account_masked": mask_account(number)}
