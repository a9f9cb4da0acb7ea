"""Projects' copy of the registry's facts: who the entrepreneurs are, their skills and enterprises."""

from __future__ import annotations

from services.projects.models import KnownEnterprise, KnownEntrepreneur
from shared.contracts.registry import (
    EnterpriseChanged,
    EnterpriseRegistered,
    EntrepreneurChanged,
    EntrepreneurRegistered,
    EntrepreneurVerified,
)
from shared.registry_copy import keep_all, keep_change, mark_verified


def entrepreneurs_registered(session, payloads: list[EntrepreneurRegistered]) -> None:
    keep_all(session, KnownEntrepreneur, [(p.entrepreneur_id, p) for p in payloads], verified=False)


def entrepreneur_verified(session, payload: EntrepreneurVerified) -> None:
    mark_verified(session, KnownEntrepreneur, payload.entrepreneur_id)


def enterprises_registered(session, payloads: list[EnterpriseRegistered]) -> None:
    keep_all(session, KnownEnterprise, [(p.enterprise_id, p) for p in payloads])


def entrepreneur_changed(session, payload: EntrepreneurChanged) -> None:
    keep_change(session, KnownEntrepreneur, payload.entrepreneur_id, payload)


def enterprise_changed(session, payload: EnterpriseChanged) -> None:
    keep_change(session, KnownEnterprise, payload.enterprise_id, payload)
