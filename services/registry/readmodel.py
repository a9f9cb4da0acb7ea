"""The registry's reads: records as the caller may see them, lists scoped to their region."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from services.registry import domain
from services.registry.models import Enterprise, EnterpriseLiaison, Entrepreneur
from shared import regions
from shared.actors import Actor
from shared.contracts.registry import EnterpriseRead, EntrepreneurRead, ListQuery
from shared.db import visible_to


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
        liaisons=[liaison_dict(item) for item in enterprise.liaisons],
        headcount_reports=[
            {"quarter": r.quarter, "headcount": r.headcount, "poverty_hires": r.poverty_hires,
             "new_hires": r.new_hires, "revision": r.revision, "reported_by": r.reported_by,
             "reported_at": r.reported_at.isoformat()}
            for r in enterprise.headcount_reports
        ],
    ).model_dump(mode="json")


def liaison_dict(item: EnterpriseLiaison) -> dict:
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
    return statement.where(visible_to(actor, owner=owner_column, region=model.region_code))


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
