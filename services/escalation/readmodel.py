"""Escalation's copy of the registry's facts: who owns an enterprise, where it is, its liaisons."""

from __future__ import annotations

from services.escalation.models import KnownEnterprise
from shared.contracts.registry import EnterpriseLiaisonsAssigned, EnterpriseRegistered
from shared.registry_copy import keep, known


def enterprise_registered(session, payload: EnterpriseRegistered) -> None:
    keep(session, KnownEnterprise, payload.enterprise_id, payload, liaisons=[])


def liaisons_assigned(session, payload: EnterpriseLiaisonsAssigned) -> None:
    """The newest assignment replaces the list; one that overtakes its registration is retried."""
    known(session, KnownEnterprise, payload.enterprise_id).liaisons = [item.model_dump() for item in payload.liaisons]
