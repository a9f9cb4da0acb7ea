"""Finance's copy of the registry's facts: borrowers and claimants, their enterprises' headcount."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from services.finance.models import KnownEnterprise, KnownEntrepreneur, KnownHeadcountReport
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
    """Keep every quarter's report, its newest revision (a year's new hires are the sum of its
    quarters'), and on the enterprise the newest quarter's."""
    record = known(session, KnownEnterprise, payload.enterprise_id)
    session.execute(insert(KnownHeadcountReport).values(
        enterprise_id=payload.enterprise_id, quarter=payload.quarter, headcount=payload.headcount,
        new_hires=payload.new_hires, revision=payload.revision).on_conflict_do_update(
        index_elements=["enterprise_id", "quarter"],
        set_={"headcount": payload.headcount, "new_hires": payload.new_hires, "revision": payload.revision},
        where=KnownHeadcountReport.revision < payload.revision))
    newer = (payload.quarter, payload.revision) >= (record.headcount_quarter or "", record.headcount_revision)
    if newer:
        record.headcount, record.new_hires = payload.headcount, payload.new_hires
        record.headcount_quarter, record.headcount_revision = payload.quarter, payload.revision
        record.updated_at = clock.utcnow()
