"""Projects' copy of the registry's facts: who the entrepreneurs are, their skills and enterprises."""

from __future__ import annotations

from services.projects.models import KnownEnterprise, KnownEntrepreneur
from shared.contracts.registry import (
    EnterpriseRegistered,
    EntrepreneurRegistered,
    EntrepreneurVerified,
)
from shared.registry_copy import keep, mark_verified


def entrepreneur_registered(session, payload: EntrepreneurRegistered) -> None:
    keep(session, KnownEntrepreneur, payload.entrepreneur_id, payload, verified=False)


def entrepreneur_verified(session, payload: EntrepreneurVerified) -> None:
    mark_verified(session, KnownEntrepreneur, payload.entrepreneur_id)


def enterprise_registered(session, payload: EnterpriseRegistered) -> None:
    keep(session, KnownEnterprise, payload.enterprise_id, payload)
