"""Corrections both ways: an official returns a record with a reason, its owner corrects and
resubmits it; officials correct what they entered. Every change keeps who, when, why, and each
changed field before and after, and is published as it now stands for the other services' copies."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy.orm import Session

from services.registry import domain, readmodel
from services.registry.models import Enterprise, Entrepreneur, RecordChange
from shared import clock, events
from shared.actors import Actor
from shared.contracts.registry import (
    EnterpriseChanged,
    EnterpriseCreate,
    EntrepreneurChanged,
    EntrepreneurCreate,
    ReturnCommand,
)
from shared.errors import Forbidden
from shared.identity import check_credit_code, check_resident_id, credit_code_checksum_ok
from shared.validation import parse

PATCH_ONLY = {"expected_version", "reason"}


def entrepreneur_form(record: Entrepreneur) -> dict:
    """The record in the shape of its registration form, as JSON."""
    return to_jsonable_python({name: getattr(record, name) for name in EntrepreneurCreate.model_fields})


def enterprise_form(enterprise: Enterprise) -> dict:
    values = {name: getattr(enterprise, name) for name in EnterpriseCreate.model_fields
              if name not in ("owner_entrepreneur_id", "investment_yuan")}
    values["investment_yuan"] = domain.fen_to_yuan(enterprise.investment_fen)
    return to_jsonable_python(values)


def _merged(model: type[BaseModel], current: dict, patch: BaseModel) -> tuple[Any, dict]:
    """The record with the patch's fields over it, checked as a whole by the registration's rules."""
    changes = patch.model_dump(mode="json", exclude_unset=True, exclude=PATCH_ONLY)
    data = parse(model, {**current, **changes})
    after = data.model_dump(mode="json", exclude={"owner_entrepreneur_id"})
    return data, after


def record(session: Session, kind: str, record_id: str, change: str, actor: Actor, reason: str,
           before: dict, after: dict) -> None:
    session.add(RecordChange(record_kind=kind, record_id=record_id, change=change, changed_by=actor.username,
                             changed_at=clock.stamp(), reason=reason, before=before, after=after))


def publish_entrepreneur(uow, person: Entrepreneur, change: str, fields: list[str], actor: Actor,
                         reason: str = "") -> None:
    uow.publish(events.make_event(EntrepreneurChanged(
        entrepreneur_id=person.id, record_version=person.version, change=change, changed_fields=fields,
        changed_by=actor.username, changed_at=clock.stamp(), reason=reason, name=person.name,
        region_code=person.region_code, household_region_code=person.household_region_code,
        categories=person.categories, education=person.education, skills=person.skills,
        certificates=person.certificates, return_date=person.return_date, account_id=person.account_id,
        status=person.status,
        verified=person.status == "verified")))


def publish_enterprise(uow, enterprise: Enterprise, change: str, fields: list[str], actor: Actor,
                       reason: str = "") -> None:
    uow.publish(events.make_event(EnterpriseChanged(
        enterprise_id=enterprise.id, record_version=enterprise.version, change=change, changed_fields=fields,
        changed_by=actor.username, changed_at=clock.stamp(), reason=reason,
        owner_entrepreneur_id=enterprise.owner_entrepreneur_id, owner_account_id=enterprise.owner.account_id,
        name=enterprise.name, kind=enterprise.kind, credit_code=enterprise.credit_code,
        industry=enterprise.industry, region_code=enterprise.region_code, founded_on=enterprise.founded_on,
        investment_fen=enterprise.investment_fen, headcount=enterprise.headcount,
        poverty_hires=enterprise.poverty_hires, status=enterprise.status,
        verified=enterprise.status == "verified")))


# ---- returned for correction ----------------------------------------------------------------------


def _return(uow, actor: Actor, target, kind: str, command: ReturnCommand, publish) -> bool:
    """Send the record back; False when it already is (asking again changes nothing)."""
    domain.check_may_return(actor, target)
    if target.status == "returned":
        return False
    domain.check_version(target, command.expected_version)
    target.status, target.return_reason = "returned", command.reason
    uow.session.flush()
    record(uow.session, kind, target.id, "returned", actor, command.reason,
           {"status": "registered"}, {"status": "returned"})
    publish(uow, target, "returned", ["status"], actor, command.reason)
    return True


def return_entrepreneur(uow, actor: Actor, entrepreneur_id: str, command: ReturnCommand) -> dict:
    person = readmodel.get_entrepreneur(uow.session, actor, entrepreneur_id)
    _return(uow, actor, person, "entrepreneur", command, publish_entrepreneur)
    return readmodel.entrepreneur_detail(uow.session, person)


def return_enterprise(uow, actor: Actor, enterprise_id: str, command: ReturnCommand) -> dict:
    enterprise = readmodel.get_enterprise(uow.session, actor, enterprise_id)
    _return(uow, actor, enterprise, "enterprise", command, publish_enterprise)
    return readmodel.enterprise_detail(uow.session, enterprise)


# ---- corrected, resubmitted -----------------------------------------------------------------------


def _settle(uow, actor: Actor, target, kind: str, before: dict, after: dict, reason: str, publish) -> None:
    """Write down and publish what changed; a returned record goes back to waiting for verification."""
    resubmitted = target.status == "returned"
    if resubmitted:
        target.status, target.return_reason = "registered", None
    if not after and not resubmitted:
        return  # the same values again: nothing to record
    uow.session.flush()
    change = "resubmitted" if resubmitted and actor.role == "entrepreneur" else "corrected"
    if resubmitted:
        before, after = {**before, "status": "returned"}, {**after, "status": "registered"}
    record(uow.session, kind, target.id, change, actor, reason, before, after)
    publish(uow, target, change, sorted(after), actor, reason)


def update_entrepreneur(uow, actor: Actor, entrepreneur_id: str, patch) -> dict:
    session: Session = uow.session
    person = readmodel.get_entrepreneur(session, actor, entrepreneur_id)
    domain.check_may_correct(actor, person, person.account_id, patch.reason)
    domain.check_version(person, patch.expected_version)
    current = entrepreneur_form(person)
    data, merged = _merged(EntrepreneurCreate, current, patch)
    merged["categories"] = list(dict.fromkeys(merged["categories"]))
    before, after = domain.changed(current, merged)
    if "region_code" in after:
        domain.check_region_reachable(actor, data.region_code)
    if "id_number" in after:
        twin = session.scalar(sa.select(Entrepreneur.id).where(Entrepreneur.id_number == data.id_number,
                                                               Entrepreneur.id != person.id))
        if twin is not None:
            raise domain.duplicate_entrepreneur(twin)
        resident = check_resident_id(data.id_number)
        person.gender, person.birth_date = resident.gender, resident.birth_date
    for name in after:  # the lists as JSON (categories without repeats), the rest as the form checked them
        setattr(person, name, merged[name] if name in ("certificates", "categories") else getattr(data, name))
    _settle(uow, actor, person, "entrepreneur", before, after, patch.reason or "", publish_entrepreneur)
    return readmodel.entrepreneur_detail(session, person)


def update_enterprise(uow, actor: Actor, enterprise_id: str, patch) -> dict:
    session: Session = uow.session
    enterprise = readmodel.get_enterprise(session, actor, enterprise_id)
    domain.check_may_correct(actor, enterprise, enterprise.owner.account_id, patch.reason)
    domain.check_version(enterprise, patch.expected_version)
    if actor.role == "entrepreneur" and patch.credit_code_override_reason:
        raise Forbidden("override_needs_official", "credit_code_override_reason",
                        "只有工作人员可以在校验位不符时确认登记")
    current = enterprise_form(enterprise)
    data, merged = _merged(EnterpriseCreate, current, patch)
    domain.check_enterprise_figures(data)
    before, after = domain.changed(current, merged)
    if "region_code" in after:
        domain.check_region_reachable(actor, data.region_code)
    if "credit_code" in after or "credit_code_override_reason" in after:
        code = check_credit_code(data.credit_code, override_reason=data.credit_code_override_reason)
        twin = session.scalar(sa.select(Enterprise.id).where(Enterprise.credit_code == code,
                                                             Enterprise.id != enterprise.id))
        if twin is not None:
            raise domain.duplicate_enterprise(twin)
        overridden = not credit_code_checksum_ok(code)
        enterprise.credit_code = code
        enterprise.credit_code_override_reason = data.credit_code_override_reason if overridden else None
        enterprise.credit_code_override_by = actor.username if overridden else None
    for name in ("name", "kind", "industry", "region_code", "founded_on", "headcount", "poverty_hires"):
        if name in after:
            setattr(enterprise, name, getattr(data, name))
    if "investment_yuan" in after:
        enterprise.investment_fen = domain.yuan_to_fen(data.investment_yuan)
    _settle(uow, actor, enterprise, "enterprise", before, after, patch.reason or "", publish_enterprise)
    return readmodel.enterprise_detail(session, enterprise)
