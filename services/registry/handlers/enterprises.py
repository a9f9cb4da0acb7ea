"""Enterprises: registering, verifying, quarterly headcount and their liaisons."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry import domain, readmodel
from services.registry.models import Enterprise, EnterpriseLiaison, Entrepreneur, HeadcountReportRow
from shared import clock, events
from shared.actors import Actor
from shared.contracts.registry import (
    EnterpriseCreate,
    EnterpriseHeadcountReported,
    EnterpriseLiaisonsAssigned,
    EnterpriseRegistered,
    EnterpriseVerified,
    HeadcountReport,
    Liaison,
    LiaisonsAssign,
)
from shared.errors import Conflict
from shared.identity import check_credit_code, credit_code_checksum_ok


def create_enterprise(uow, actor: Actor, data: EnterpriseCreate) -> dict:
    session: Session = uow.session
    owner = _owner_for(session, actor, data.owner_entrepreneur_id)
    domain.check_may_register_enterprise(actor, owner, data.region_code, data.credit_code_override_reason)
    domain.check_enterprise_figures(data)
    code = check_credit_code(data.credit_code, override_reason=data.credit_code_override_reason)
    existing = session.scalar(sa.select(Enterprise.id).where(Enterprise.credit_code == code))
    if existing is not None:
        raise domain.duplicate_enterprise(existing)
    overridden = not credit_code_checksum_ok(code)
    enterprise = Enterprise(
        owner=owner, name=data.name, kind=data.kind, credit_code=code,
        credit_code_override_reason=data.credit_code_override_reason if overridden else None,
        credit_code_override_by=actor.username if overridden else None,
        industry=data.industry, region_code=data.region_code, founded_on=data.founded_on,
        investment_fen=domain.yuan_to_fen(data.investment_yuan), headcount=data.headcount,
        poverty_hires=data.poverty_hires, created_by=actor.user_id, created_at=clock.stamp(),
    )
    uow.add_unique(enterprise)
    uow.publish(events.make_event(EnterpriseRegistered(
        enterprise_id=enterprise.id, owner_entrepreneur_id=owner.id, owner_account_id=owner.account_id,
        name=enterprise.name,
        kind=enterprise.kind, credit_code=code, credit_code_overridden=overridden,
        industry=enterprise.industry, region_code=enterprise.region_code,
        founded_on=enterprise.founded_on, investment_fen=enterprise.investment_fen,
        headcount=enterprise.headcount, poverty_hires=enterprise.poverty_hires,
        registered_at=enterprise.created_at)))
    return readmodel.enterprise_read(enterprise)


def _owner_for(session: Session, actor: Actor, owner_id: str | None) -> Entrepreneur | None:
    if actor.role == "entrepreneur":
        return session.scalar(sa.select(Entrepreneur).where(Entrepreneur.account_id == actor.user_id))
    if not owner_id or actor.role != "official":  # others are refused for their role first
        return None
    owner = session.get(Entrepreneur, owner_id)
    domain.ensure_visible(owner is not None, "entrepreneur")  # unknown and out of reach answer alike
    return owner


def verify_enterprise(uow, actor: Actor, enterprise_id: str, expected_version: int | None) -> dict:
    enterprise = readmodel.get_enterprise(uow.session, actor, enterprise_id)
    if domain.verify(enterprise, actor, expected_version, clock.stamp()):
        uow.session.flush()
        uow.publish(events.make_event(EnterpriseVerified(
            enterprise_id=enterprise.id, region_code=enterprise.region_code,
            verified_by=actor.username, verified_at=enterprise.verified_at)))
    return readmodel.enterprise_read(enterprise)


def report_headcount(uow, actor: Actor, enterprise_id: str, report: HeadcountReport) -> dict:
    session: Session = uow.session
    enterprise = readmodel.get_enterprise(session, actor, enterprise_id)
    domain.check_headcount(report, domain.quarter_start(report.quarter))
    row = session.get(HeadcountReportRow, (enterprise.id, report.quarter), with_for_update=True)
    values = (report.headcount, report.poverty_hires, report.new_hires)
    if row is not None and (row.headcount, row.poverty_hires, row.new_hires) == values:
        return readmodel.enterprise_read(enterprise)  # the same report again changes nothing
    previous = session.scalar(
        sa.select(HeadcountReportRow.headcount)
        .where(HeadcountReportRow.enterprise_id == enterprise.id,
               HeadcountReportRow.quarter < report.quarter)
        .order_by(HeadcountReportRow.quarter.desc()).limit(1))
    if row is None:
        row = HeadcountReportRow(enterprise_id=enterprise.id, quarter=report.quarter, revision=0)
        enterprise.headcount_reports.append(row)
    row.headcount, row.poverty_hires, row.new_hires = values
    row.revision += 1
    row.reported_by, row.reported_at = actor.username, clock.stamp()
    if report.quarter == max(r.quarter for r in enterprise.headcount_reports):
        enterprise.headcount, enterprise.poverty_hires = report.headcount, report.poverty_hires
    session.flush()
    uow.publish(events.make_event(EnterpriseHeadcountReported(
        enterprise_id=enterprise.id, region_code=enterprise.region_code, quarter=report.quarter,
        headcount=report.headcount, poverty_hires=report.poverty_hires,
        new_hires=report.new_hires, revision=row.revision, previous_headcount=previous)))
    return readmodel.enterprise_read(enterprise)


def assign_liaisons(uow, actor: Actor, enterprise_id: str, command: LiaisonsAssign) -> dict:
    session: Session = uow.session
    enterprise = readmodel.get_enterprise(session, actor, enterprise_id)
    domain.check_may_manage_enterprise(actor, enterprise)
    kinds = [item.kind for item in command.liaisons]
    if len(set(kinds)) != len(kinds):
        raise Conflict("liaison_kind_repeated", "liaisons", "每类联络员只能指定一名")
    current = {item.kind: item for item in enterprise.liaisons}
    for item in command.liaisons:
        liaison = current.get(item.kind) or EnterpriseLiaison(kind=item.kind)
        liaison.name, liaison.phone, liaison.organisation = item.name, item.phone, item.organisation
        liaison.level = item.level
        liaison.region_code = domain.liaison_region(enterprise.region_code, item.level)
        liaison.official_username = item.official_username
        liaison.assigned_by, liaison.assigned_at = actor.username, clock.stamp()
        if item.kind not in current:
            enterprise.liaisons.append(liaison)
    session.flush()
    uow.publish(events.make_event(EnterpriseLiaisonsAssigned(
        enterprise_id=enterprise.id, region_code=enterprise.region_code,
        liaisons=[Liaison(**readmodel.liaison_dict(item)) for item in enterprise.liaisons],
        assigned_by=actor.username)))
    return readmodel.enterprise_read(enterprise)
