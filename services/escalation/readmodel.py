"""Escalation's copy of the registry's facts: who owns an enterprise, where it is, its liaisons."""

from __future__ import annotations

from services.escalation.models import KnownEnterprise
from shared.contracts.registry import (
    EnterpriseChanged,
    EnterpriseLiaisonsAssigned,
    EnterpriseRegistered,
)
from shared.registry_copy import keep_all, keep_change, known


def enterprises_registered(session, payloads: list[EnterpriseRegistered]) -> None:
    keep_all(session, KnownEnterprise, [(p.enterprise_id, p) for p in payloads], liaisons=[])


def liaisons_assigned(session, payload: EnterpriseLiaisonsAssigned) -> None:
    """The newest assignment replaces the list; one that overtakes its registration is retried."""
    known(session, KnownEnterprise, payload.enterprise_id).liaisons = [item.model_dump() for item in payload.liaisons]


def enterprise_changed(session, payload: EnterpriseChanged) -> None:
    """A correction, a return or the owner's claim: the name, region and owner's account as they now are."""
    keep_change(session, KnownEnterprise, payload.enterprise_id, payload)
