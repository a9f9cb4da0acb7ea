"""Finance's own copy of the registry's facts, built from registry events (no synchronous calls).

Registrations are upserts. A fact about a record not yet known here (a verification overtaking its
registration on another queue) raises `NotYetKnown`, so the message is retried with back-off
instead of being lost.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from services.finance.models import KnownEnterprise, KnownEntrepreneur
from shared import clock
from shared.contracts.registry import (
    EnterpriseHeadcountReported,
    EnterpriseRegistered,
    EnterpriseVerified,
    EntrepreneurRegistered,
    EntrepreneurVerified,
)


class NotYetKnown(LookupError):
    """The record this fact is about has not reached finance yet; retry later."""


def _known(session, model, key: str):
    record = session.get(model, key)
    if record is None:
        raise NotYetKnown(f"{model.__tablename__} {key}")
    return record


def entrepreneur_registered(session, payload: EntrepreneurRegistered) -> None:
    values = {"id": payload.entrepreneur_id, "account_id": payload.account_id, "name": payload.name,
              "region_code": payload.region_code,
              "household_region_code": payload.household_region_code, "updated_at": clock.utcnow()}
    session.execute(insert(KnownEntrepreneur).values(**values, verified=False)
                    .on_conflict_do_update(index_elements=["id"], set_=values))


def entrepreneur_verified(session, payload: EntrepreneurVerified) -> None:
    record = _known(session, KnownEntrepreneur, payload.entrepreneur_id)
    record.verified, record.updated_at = True, clock.utcnow()


def enterprise_registered(session, payload: EnterpriseRegistered) -> None:
    values = {"id": payload.enterprise_id, "owner_entrepreneur_id": payload.owner_entrepreneur_id,
              "name": payload.name, "kind": payload.kind, "region_code": payload.region_code,
              "founded_on": payload.founded_on, "headcount": payload.headcount, "updated_at": clock.utcnow()}
    session.execute(insert(KnownEnterprise).values(**values, verified=False, new_hires=0)
                    .on_conflict_do_update(index_elements=["id"], set_=values))


def enterprise_verified(session, payload: EnterpriseVerified) -> None:
    record = _known(session, KnownEnterprise, payload.enterprise_id)
    record.verified, record.updated_at = True, clock.utcnow()


def headcount_reported(session, payload: EnterpriseHeadcountReported) -> None:
    """Keep the newest quarter's report (and the newest revision of it)."""
    record = _known(session, KnownEnterprise, payload.enterprise_id)
    newer = (payload.quarter, payload.revision) >= (record.headcount_quarter or "", record.headcount_revision)
    if newer:
        record.headcount, record.new_hires = payload.headcount, payload.new_hires
        record.headcount_quarter, record.headcount_revision = payload.quarter, payload.revision
        record.updated_at = clock.utcnow()
