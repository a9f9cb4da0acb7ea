"""The registry's service layer: load, apply the domain's rules, save, record the events."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from services.registry import domain
from services.registry.models import Enterprise, EnterpriseLiaison, Entrepreneur, HeadcountReportRow
from shared import clock, events, regions
from shared.actors import Actor
from shared.contracts.registry import (
    EnterpriseCreate,
    EnterpriseRead,
    EntrepreneurCreate,
    EntrepreneurRead,
    HeadcountReport,
    LiaisonsAssign,
    ListQuery,
)
from shared.errors import Conflict
from shared.identity import check_credit_code, check_resident_id, credit_code_checksum_ok

# ---- reads ----------------------------------------------------------------------------------


def entrepreneur_read(record: Entrepreneur, *, masked: bool = False) -> dict:
    return EntrepreneurRead(
        id=record.id, name=record.name,
        id_number=domain.mask_id_number(record.id_number) if masked else record.id_number,
        gender=record.gender, birth_date=record.birth_date,
        phone=domain.mask_phone(record.phone) if masked else record.phone,
        household_region_code=record.household_region_code,
        household_region_name=regions.full_name(record.household_region_code),
        region_code=record.region_code, region_name=regions.full_name(record.region_code),
        return_date=record.return_date, previous_work_place=record.previous_work_place,
        previous_occupation=record.previous_occupation, education=record.education,
        skills=record.skills, certificates=record.certificates, categories=record.categories,
        status=record.status, verified_by=record.verified_by, verified_at=record.verified_at,
        created_at=record.created_at, version=record.version,
    ).model_dump(mode="json")


def enterprise_read(enterprise: Enterprise) -> dict:
    return EnterpriseRead(
        id=enterprise.id, owner_entrepreneur_id=enterprise.owner_entrepreneur_id,
        owner_name=enterprise.owner.name, name=enterprise.name, kind=enterprise.kind,
        credit_code=enterprise.credit_code,
        credit_code_override_reason=enterprise.credit_code_override_reason,
        industry=enterprise.industry, region_code=enterprise.region_code,
        region_name=regions.full_name(enterprise.region_code), founded_on=enterprise.founded_on,
        investment_yuan=domain.fen_to_yuan(enterprise.investment_fen),
        headcount=enterprise.headcount, poverty_hires=enterprise.poverty_hires,
        status=enterprise.status, verified_by=enterprise.verified_by,
        verified_at=enterprise.verified_at, created_at=enterprise.created_at,
        version=enterprise.version,
        liaisons=[_liaison_dict(item) for item in enterprise.liaisons],
        headcount_reports=[
            {"quarter": r.quarter, "headcount": r.headcount, "poverty_hires": r.poverty_hires,
             "new_hires": r.new_hires, "revision": r.revision, "reported_by": r.reported_by,
             "reported_at": r.reported_at.isoformat()}
            for r in enterprise.headcount_reports
        ],
    ).model_dump(mode="json")


def _liaison_dict(item: EnterpriseLiaison) -> dict:
    return {"kind": item.kind, "name": item.name, "phone": item.phone,
            "organisation": item.organisation, "level": item.level,
            "region_code": item.region_code, "official_username": item.official_username}


def get_entrepreneur(session: Session, actor: Actor, entrepreneur_id: str) -> Entrepreneur:
    record = session.get(Entrepreneur, entrepreneur_id)
    domain.ensure_visible(record is not None and domain.can_view_entrepreneur(actor, record),
                          "entrepreneur")
    return record


def get_my_entrepreneur(session: Session, actor: Actor) -> dict | None:
    record = session.scalar(sa.select(Entrepreneur).where(Entrepreneur.account_id == actor.user_id))
    return entrepreneur_read(record) if record else None


def get_enterprise(session: Session, actor: Actor, enterprise_id: str) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id, options=[selectinload(Enterprise.owner)])
    domain.ensure_visible(
        enterprise is not None and domain.can_view_enterprise(actor, enterprise), "enterprise")
    return enterprise


def _scope(statement, actor: Actor, model, owner_column) -> sa.Select:
    """Only what the caller may see: their own records, or their region and below."""
    if actor.role == "entrepreneur":
        return statement.where(owner_column == actor.user_id)
    if actor.is_official:
        return statement.where(model.region_code.startswith(regions.jurisdiction_prefix(actor.region_code)))
    return statement.where(sa.false())


def _page(session: Session, statement, query: ListQuery, read) -> dict:
    total = session.scalar(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.scalars(
        statement.limit(query.per_page).offset((query.page - 1) * query.per_page)).all()
    return {"items": [read(row) for row in rows], "total": total, "page": query.page,
            "per_page": query.per_page}


def _filters(statement, model, query: ListQuery, *text_columns):
    if query.status:
        statement = statement.where(model.status == query.status)
    if query.region_code:
        statement = statement.where(
            model.region_code.startswith(regions.jurisdiction_prefix(query.region_code)))
    if query.q:
        pattern = f"%{query.q}%"
        statement = statement.where(sa.or_(*(column.ilike(pattern) for column in text_columns)))
    return statement


def list_entrepreneurs(session: Session, actor: Actor, query: ListQuery) -> dict:
    statement = _scope(sa.select(Entrepreneur), actor, Entrepreneur, Entrepreneur.account_id)
    statement = _filters(statement, Entrepreneur, query, Entrepreneur.name,
                         Entrepreneur.id_number, Entrepreneur.phone)
    statement = statement.order_by(Entrepreneur.created_at.desc(), Entrepreneur.id)
    return _page(session, statement, query, lambda r: entrepreneur_read(r, masked=True))


def list_enterprises(session: Session, actor: Actor, query: ListQuery) -> dict:
    statement = sa.select(Enterprise).join(Enterprise.owner).options(selectinload(Enterprise.owner))
    statement = _scope(statement, actor, Enterprise, Entrepreneur.account_id)
    statement = _filters(statement, Enterprise, query, Enterprise.name, Enterprise.credit_code,
                         Enterprise.industry)
    statement = statement.order_by(Enterprise.created_at.desc(), Enterprise.id)
    return _page(session, statement, query, enterprise_read)


# ---- commands -------------------------------------------------------------------------------


def create_entrepreneur(uow, actor: Actor, data: EntrepreneurCreate) -> dict:
    session: Session = uow.session
    linked = actor.role == "entrepreneur" and session.scalar(
        sa.select(Entrepreneur.id).where(Entrepreneur.account_id == actor.user_id)) is not None
    domain.check_may_register_entrepreneur(actor, data.region_code, linked)
    existing = session.scalar(sa.select(Entrepreneur.id).where(Entrepreneur.id_number == data.id_number))
    if existing is not None:
        raise domain.duplicate_entrepreneur(existing)
    resident = check_resident_id(data.id_number)
    record = Entrepreneur(
        id_number=resident.number, name=data.name, gender=resident.gender,
        birth_date=resident.birth_date, phone=data.phone,
        household_region_code=data.household_region_code, region_code=data.region_code,
        return_date=data.return_date, previous_work_place=data.previous_work_place,
        previous_occupation=data.previous_occupation, education=data.education,
        skills=list(data.skills), certificates=[c.model_dump(mode="json") for c in data.certificates],
        categories=list(dict.fromkeys(data.categories)),
        account_id=actor.user_id if actor.role == "entrepreneur" else None,
        created_by=actor.user_id, created_at=clock.utcnow(),
    )
    session.add(record)
    _flush_unique(session, lambda: domain.duplicate_entrepreneur(
        session.scalar(sa.select(Entrepreneur.id).where(Entrepreneur.id_number == data.id_number)) or ""))
    uow.publish(events.make_event(events.EntrepreneurRegistered(
        entrepreneur_id=record.id, name=record.name, region_code=record.region_code,
        household_region_code=record.household_region_code, categories=record.categories,
        education=record.education, skills=record.skills, return_date=record.return_date,
        registered_at=record.created_at, account_id=record.account_id)))
    return entrepreneur_read(record)


def _flush_unique(session: Session, conflict) -> None:
    """A concurrent twin won the unique index: report it as the domain's conflict."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict() from None


def verify_entrepreneur(uow, actor: Actor, entrepreneur_id: str, expected_version: int | None) -> dict:
    record = get_entrepreneur(uow.session, actor, entrepreneur_id)
    if domain.verify(record, actor, expected_version, clock.utcnow()):
        uow.session.flush()
        uow.publish(events.make_event(events.EntrepreneurVerified(
            entrepreneur_id=record.id, region_code=record.region_code,
            verified_by=actor.username, verified_at=record.verified_at)))
    return entrepreneur_read(record)


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
        poverty_hires=data.poverty_hires, created_by=actor.user_id, created_at=clock.utcnow(),
    )
    session.add(enterprise)
    _flush_unique(session, lambda: domain.duplicate_enterprise(
        session.scalar(sa.select(Enterprise.id).where(Enterprise.credit_code == code)) or ""))
    uow.publish(events.make_event(events.EnterpriseRegistered(
        enterprise_id=enterprise.id, owner_entrepreneur_id=owner.id, name=enterprise.name,
        kind=enterprise.kind, credit_code=code, credit_code_overridden=overridden,
        industry=enterprise.industry, region_code=enterprise.region_code,
        founded_on=enterprise.founded_on, investment_fen=enterprise.investment_fen,
        headcount=enterprise.headcount, poverty_hires=enterprise.poverty_hires,
        registered_at=enterprise.created_at)))
    return enterprise_read(enterprise)


def _owner_for(session: Session, actor: Actor, owner_id: str | None) -> Entrepreneur | None:
    if actor.role == "entrepreneur":
        return session.scalar(sa.select(Entrepreneur).where(Entrepreneur.account_id == actor.user_id))
    if not owner_id or actor.role != "official":  # others are refused for their role first
        return None
    owner = session.get(Entrepreneur, owner_id)
    domain.ensure_visible(owner is not None, "entrepreneur")  # unknown and out of reach answer alike
    return owner


def verify_enterprise(uow, actor: Actor, enterprise_id: str, expected_version: int | None) -> dict:
    enterprise = get_enterprise(uow.session, actor, enterprise_id)
    if domain.verify(enterprise, actor, expected_version, clock.utcnow()):
        uow.session.flush()
        uow.publish(events.make_event(events.EnterpriseVerified(
            enterprise_id=enterprise.id, region_code=enterprise.region_code,
            verified_by=actor.username, verified_at=enterprise.verified_at)))
    return enterprise_read(enterprise)


def report_headcount(uow, actor: Actor, enterprise_id: str, report: HeadcountReport) -> dict:
    session: Session = uow.session
    enterprise = get_enterprise(session, actor, enterprise_id)
    domain.check_headcount(report, domain.quarter_start(report.quarter))
    row = session.get(HeadcountReportRow, (enterprise.id, report.quarter), with_for_update=True)
    values = (report.headcount, report.poverty_hires, report.new_hires)
    if row is not None and (row.headcount, row.poverty_hires, row.new_hires) == values:
        return enterprise_read(enterprise)  # the same report again changes nothing
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
    row.reported_by, row.reported_at = actor.username, clock.utcnow()
    if report.quarter == max(r.quarter for r in enterprise.headcount_reports):
        enterprise.headcount, enterprise.poverty_hires = report.headcount, report.poverty_hires
    session.flush()
    uow.publish(events.make_event(events.EnterpriseHeadcountReported(
        enterprise_id=enterprise.id, region_code=enterprise.region_code, quarter=report.quarter,
        headcount=report.headcount, poverty_hires=report.poverty_hires,
        new_hires=report.new_hires, revision=row.revision, previous_headcount=previous)))
    return enterprise_read(enterprise)


def assign_liaisons(uow, actor: Actor, enterprise_id: str, command: LiaisonsAssign) -> dict:
    session: Session = uow.session
    enterprise = get_enterprise(session, actor, enterprise_id)
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
        liaison.assigned_by, liaison.assigned_at = actor.username, clock.utcnow()
        if item.kind not in current:
            enterprise.liaisons.append(liaison)
    session.flush()
    uow.publish(events.make_event(events.EnterpriseLiaisonsAssigned(
        enterprise_id=enterprise.id, region_code=enterprise.region_code,
        liaisons=[events.Liaison(**_liaison_dict(item)) for item in enterprise.liaisons],
        assigned_by=actor.username)))
    return enterprise_read(enterprise)
