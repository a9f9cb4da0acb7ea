"""Entrepreneurs: registering and verifying a person's record."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry import domain, readmodel
from services.registry.models import Entrepreneur
from shared import clock, events
from shared.actors import Actor
from shared.contracts.registry import (
    EntrepreneurCreate,
    EntrepreneurRegistered,
    EntrepreneurVerified,
)
from shared.identity import check_resident_id


def create_entrepreneur(uow, actor: Actor, data: EntrepreneurCreate) -> dict:
    session: Session = uow.session
    own = (sa.select(Entrepreneur.id).where(Entrepreneur.account_id == actor.user_id).limit(1)
           if actor.role == "entrepreneur" else sa.select(sa.null()))
    twin = sa.select(Entrepreneur.id).where(Entrepreneur.id_number == data.id_number)
    linked, existing = session.execute(sa.select(own.scalar_subquery(), twin.scalar_subquery())).one()
    domain.check_may_register_entrepreneur(actor, data.region_code, linked is not None)
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
        created_by=actor.user_id, created_at=clock.stamp(),
    )
    uow.add_unique(record)
    uow.publish(events.make_event(EntrepreneurRegistered(
        entrepreneur_id=record.id, name=record.name, region_code=record.region_code,
        household_region_code=record.household_region_code, categories=record.categories,
        education=record.education, skills=record.skills, certificates=record.certificates,
        return_date=record.return_date, registered_at=record.created_at, account_id=record.account_id)))
    return readmodel.entrepreneur_read(record)


def verify_entrepreneur(uow, actor: Actor, entrepreneur_id: str, expected_version: int | None) -> dict:
    record = readmodel.get_entrepreneur(uow.session, actor, entrepreneur_id)
    if domain.verify(record, actor, expected_version, clock.stamp()):
        uow.session.flush()
        uow.publish(events.make_event(EntrepreneurVerified(
            entrepreneur_id=record.id, region_code=record.region_code,
            verified_by=actor.username, verified_at=record.verified_at)))
    return readmodel.entrepreneur_read(record)
