"""Who to deal with about a record another service keeps: a loan's borrower for the bank that
reviews it, an enterprise's owner for the officials who handle its difficulties.

The phone and the resident ID live only here (events never carry them), so the registry decides who
gets them. For a loan it decides from its own copy of finance's `loan_applied` (the bank and region
the loan was routed to), with the same rule finance applies to the loan itself; it never asks
finance, and the gateway's word that a caller "can see the loan" is not taken.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from services.registry import domain
from services.registry.models import Enterprise, Entrepreneur, KnownLoan
from services.registry.readmodel import get_enterprise
from shared import regions
from shared.actors import Actor
from shared.contracts.finance import LoanApplied
from shared.contracts.registry import BorrowerRead, EnterpriseContactRead

ROUTING = ("borrower_kind", "entrepreneur_id", "enterprise_id", "region_code", "bank_code")


def loans_applied(session: Session, payloads: list[LoanApplied]) -> None:
    """Keep each loan's routing; a replay changes nothing (a loan's bank and region never change)."""
    rows = {p.loan_id: {"id": p.loan_id, **{name: getattr(p, name) for name in ROUTING}} for p in payloads}
    if rows:
        session.execute(insert(KnownLoan).on_conflict_do_nothing(index_elements=["id"]), list(rows.values()))


def borrower(session: Session, actor: Actor, loan_id: str) -> dict:
    loan = session.get(KnownLoan, loan_id)
    person = session.get(Entrepreneur, loan.entrepreneur_id) if loan else None
    domain.ensure_visible(person is not None and domain.can_view_borrower(actor, loan, person.account_id), "loan")
    firm = session.get(Enterprise, loan.enterprise_id, options=[selectinload(Enterprise.headcount_reports)]) \
        if loan.enterprise_id else None
    return BorrowerRead(
        loan_id=loan.id, borrower_kind=loan.borrower_kind, entrepreneur_id=person.id, name=person.name,
        id_number=domain.mask_id_number(person.id_number), gender=person.gender, birth_date=person.birth_date,
        phone=person.phone, region_code=person.region_code, region_name=regions.full_name(person.region_code),
        verified=person.status == "verified", enterprise=_enterprise_facts(firm) if firm else None,
    ).model_dump(mode="json")


def _enterprise_facts(firm: Enterprise) -> dict:
    latest = firm.headcount_reports[-1] if firm.headcount_reports else None
    return {"id": firm.id, "name": firm.name, "kind": firm.kind, "credit_code": firm.credit_code,
            "founded_on": firm.founded_on.isoformat(), "headcount": firm.headcount,
            "poverty_hires": firm.poverty_hires, "verified": firm.status == "verified",
            "latest_report": {"quarter": latest.quarter, "headcount": latest.headcount,
                              "new_hires": latest.new_hires} if latest else None}


def enterprise_contact(session: Session, actor: Actor, enterprise_id: str) -> dict:
    """The owner's name and phone: for the enterprise's officials and its owner (the registry's own
    rule for the enterprise), nobody else."""
    firm = get_enterprise(session, actor, enterprise_id)
    return EnterpriseContactRead(enterprise_id=firm.id, enterprise_name=firm.name,
                                 owner_entrepreneur_id=firm.owner.id, owner_name=firm.owner.name,
                                 owner_phone=firm.owner.phone).model_dump(mode="json")
