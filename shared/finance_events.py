"""Events of the finance service: guaranteed loans, interest subsidy, one-off subsidies.

Amounts are integer fen. Every loan event names the borrower (entrepreneur, enterprise), the region
and the bank, so that consumers (consultation, dashboards) need no other lookup.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime

from shared.events import EventPayload, register


class LoanFact(EventPayload, frozen=True):
    source: ClassVar[str] = "finance"

    loan_id: str
    borrower_kind: str  # individual | enterprise
    entrepreneur_id: str
    enterprise_id: str | None
    region_code: str
    bank_code: str


@register
class LoanApplied(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_applied"

    amount_fen: int
    term_months: int
    applied_on: date


@register
class LoanEligibilityAssessed(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_eligibility_assessed"

    eligible: bool
    failures: list[dict]
    policy_code: str


@register
class LoanApproved(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_approved"

    amount_fen: int
    term_months: int
    contract_date: date
    lpr_bp: int
    rate_bp: int
    policy_code: str
    maker: str
    checker: str | None


@register
class LoanRejected(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_rejected"

    reason: str
    rejected_by: str


@register
class LoanWithdrawn(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_withdrawn"

    withdrawn_by: str


@register
class LoanDisbursed(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_disbursed"

    principal_fen: int
    disbursed_on: date
    maturity_on: date
    repayment_method: str


@register
class LoanRepaymentRecorded(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_repayment_recorded"

    repayment_id: str
    paid_on: date
    amount_fen: int
    interest_fen: int
    principal_fen: int
    outstanding_principal_fen: int


@register
class LoanOverdue(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_overdue"

    days_overdue: int
    as_of: date
    outstanding_principal_fen: int


@register
class LoanBackToRepaying(LoanFact, frozen=True):
    """An overdue loan whose arrears are paid: it is no longer overdue."""

    event_type: ClassVar[str] = "loan_back_to_repaying"

    as_of: date


@register
class LoanDefaulted(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_defaulted"

    days_overdue: int
    as_of: date
    outstanding_principal_fen: int


@register
class LoanCompensated(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_compensated"

    outstanding_principal_fen: int
    fund_paid_fen: int
    bank_borne_fen: int
    as_of: date


@register
class LoanSettled(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_settled"

    settled_on: date


@register
class InterestSubsidyPaid(LoanFact, frozen=True):
    event_type: ClassVar[str] = "interest_subsidy_paid"

    quarter: str
    interest_paid_fen: int
    subsidy_fen: int
    policy_code: str
    paid_at: AwareDatetime


class SubsidyFact(EventPayload, frozen=True):
    source: ClassVar[str] = "finance"

    claim_id: str
    kind: str  # startup | employment | skill | travel
    entrepreneur_id: str
    enterprise_id: str | None
    region_code: str
    amount_fen: int


@register
class SubsidyClaimed(SubsidyFact, frozen=True):
    event_type: ClassVar[str] = "subsidy_claimed"

    eligible: bool
    failures: list[dict]
    policy_code: str


@register
class SubsidyApproved(SubsidyFact, frozen=True):
    event_type: ClassVar[str] = "subsidy_approved"

    approved_by: str


@register
class SubsidyRejected(SubsidyFact, frozen=True):
    event_type: ClassVar[str] = "subsidy_rejected"

    reason: str
    rejected_by: str


@register
class SubsidyPaid(SubsidyFact, frozen=True):
    event_type: ClassVar[str] = "subsidy_paid"

    batch_id: str
    paid_at: AwareDatetime
