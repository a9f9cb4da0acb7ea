"""Escalation's copy of the registry's facts: who owns an enterprise, where it is, its liaisons."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from services.escalation.models import KnownEnterprise, KnownEntrepreneur
from shared.contracts.registry import (
    EnterpriseLiaisonsAssigned,
    EnterpriseRegistered,
    EntrepreneurRegistered,
)


def entrepreneur_registered(session, payload: EntrepreneurRegistered) -> None:
    values = {"id": payload.entrepreneur_id, "account_id": payload.account_id}
    session.execute(insert(KnownEntrepreneur).values(**values)
                    .on_conflict_do_update(index_elements=["id"], set_=values))


def enterprise_registered(session, payload: EnterpriseRegistered) -> None:
    values = {"id": payload.enterprise_id, "owner_entrepreneur_id": payload.owner_entrepreneur_id,
              "name": payload.name, "region_code": payload.region_code}
    session.execute(insert(KnownEnterprise).values(**values, liaisons=[])
                    .on_conflict_do_update(index_elements=["id"], set_=values))


def liaisons_assigned(session, payload: EnterpriseLiaisonsAssigned) -> None:
    """The newest assignment replaces the list; one that overtakes its registration is retried."""
    firm = session.get(KnownEnterprise, payload.enterprise_id)
    if firm is None:
        raise LookupError(f"enterprise {payload.enterprise_id} not known yet")
    firm.liaisons = [item.model_dump() for item in payload.liaisons]
