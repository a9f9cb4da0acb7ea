"""Finance's copy of the registry's facts: borrowers and claimants, their enterprises' headcount."""

from __future__ import annotations

from services.finance.models import KnownEnterprise, KnownEntrepreneur
from shared import clock
from shared.contracts.registry import (
    EnterpriseChanged,
    EnterpriseHeadcountReported,
    EnterpriseRegistered,
    EnterpriseVerified,
    EntrepreneurChanged,
    EntrepreneurRegistered,
    EntrepreneurVerified,
)
from shared.registry_copy import keep_all, keep_change, known, mark_verified


def entrepreneurs_registered(session, payloads: list[EntrepreneurRegistered]) -> None:
    keep_all(session, KnownEntrepreneur, [(p.entrepreneur_id, p) for p in payloads], verified=False)


def entrepreneur_verified(session, payload: EntrepreneurVerified) -> None:
    mark_verified(session, KnownEntrepreneur, payload.entrepreneur_id)


def entrepreneur_changed(session, payload: EntrepreneurChanged) -> None:
    keep_change(session, KnownEntrepreneur, payload.entrepreneur_id, payload)


def enterprise_changed(session, payload: EnterpriseChanged) -> None:
    keep_change(session, KnownEnterprise, payload.enterprise_id, payload)


def enterprises_registered(session, payloads: list[EnterpriseRegistered]) -> None:
    keep_all(session, KnownEnterprise, [(p.enterprise_id, p) for p in payloads], verified=False, new_hires=0)


def enterprise_verified(session, payload: EnterpriseVerified) -> None:
    mark_verified(session, KnownEnterprise, payload.enterprise_id)


def headcount_reported(session, payload: EnterpriseHeadcountReported) -> None:
    """Keep the newest quarter's report (and the newest revision of it)."""
    record = known(session, KnownEnterprise, payload.enterprise_id)
    newer = (payload.quarter, payload.revision) >= (record.headcount_quarter or "", record.headcount_revision)
    if newer:
        record.headcount, record.new_hires = payload.headcount, payload.new_hires
        record.headcount_quarter, record.headcount_revision = payload.quarter, payload.revision
        record.updated_at = clock.utcnow()
