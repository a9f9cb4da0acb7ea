"""Projects' copy of the registry's facts: who the entrepreneurs are, their skills and enterprises."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from services.projects.models import KnownEnterprise, KnownEntrepreneur
from shared.contracts.registry import (
    EnterpriseRegistered,
    EntrepreneurRegistered,
    EntrepreneurVerified,
)


def entrepreneur_registered(session, payload: EntrepreneurRegistered) -> None:
    values = {"id": payload.entrepreneur_id, "account_id": payload.account_id, "name": payload.name,
              "region_code": payload.region_code, "skills": list(payload.skills)}
    session.execute(insert(KnownEntrepreneur).values(**values, verified=False)
                    .on_conflict_do_update(index_elements=["id"], set_=values))


def entrepreneur_verified(session, payload: EntrepreneurVerified) -> None:
    person = session.get(KnownEntrepreneur, payload.entrepreneur_id)
    if person is None:
        raise LookupError(f"entrepreneur {payload.entrepreneur_id} not known yet")  # retried
    person.verified = True


def enterprise_registered(session, payload: EnterpriseRegistered) -> None:
    values = {"id": payload.enterprise_id, "owner_entrepreneur_id": payload.owner_entrepreneur_id,
              "name": payload.name, "industry": payload.industry, "region_code": payload.region_code,
              "investment_fen": payload.investment_fen}
    session.execute(insert(KnownEnterprise).values(**values).on_conflict_do_update(index_elements=["id"], set_=values))
