"""Finance tables: policy versions, the registry read model, loans, subsidies, batches, the ledger."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared import clock
from shared.attachment_table import AttachmentColumns
from shared.db import new_id
from shared.registry_copy import KnownEnterpriseColumns, KnownEntrepreneurColumns


class Base(DeclarativeBase):
    pass


Money = sa.BigInteger  # integer fen


class PolicyVersion(Base):
    """Effective-dated policy data: `domain` is loan, fund, lpr or subsidy:<kind>."""

    __tablename__ = "policy_versions"

    domain: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    params: Mapped[dict] = mapped_column(JSONB)


class PolicyProposal(Base):
    """A new policy version as an administrator proposed it: another administrator approves it (the
    version is then added to `policy_versions` in the same transaction) or returns it with a reason.
    Kept either way, as the record of who changed the programme's figures, when and why."""

    __tablename__ = "policy_proposals"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    domain: Mapped[str] = mapped_column(sa.String(40))
    code: Mapped[str] = mapped_column(sa.String(80))  # the document number (文号)
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    params: Mapped[dict] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(sa.String(500))  # 说明: the document it rests on, what it changes
    status: Mapped[str] = mapped_column(sa.String(12), default="proposed")  # proposed | approved | rejected
    proposed_by: Mapped[str] = mapped_column(sa.String(80))
    proposed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    decided_by: Mapped[str | None] = mapped_column(sa.String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(500))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Bank(Base):
    __tablename__ = "banks"

    code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    confirmation_threshold_fen: Mapped[int] = mapped_column(Money)
    # where the quarter's interest subsidy on its loans is paid (the bank's 贴息资金 account)
    subsidy_account_name: Mapped[str | None] = mapped_column(sa.String(100))
    subsidy_account_number: Mapped[str | None] = mapped_column(sa.String(40))


class BankPartnership(Base):
    """A city's partnership with a bank: the bank lends the city's guaranteed loans from `since` until it
    ends (`ended_on`; loans made before go on). Kept, never deleted, for the history of each loan."""

    __tablename__ = "bank_partnerships"

    bank_code: Mapped[str] = mapped_column(sa.ForeignKey("banks.code"), primary_key=True)
    city_code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    since: Mapped[dt.date] = mapped_column(sa.Date)
    ended_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    changed_by: Mapped[str] = mapped_column(sa.String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


books_generation = sa.Table(
    "books_generation", Base.metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
    sa.CheckConstraint("id = 1", name="books_generation_one_row"),
)
"""One row: a count that triggers move whenever policy_versions, banks or bank_partnerships change
(migration 0015), so that a process knows whether what it keeps of them is still what they hold."""

fund_exposure = sa.Table(
    "fund_exposure", Base.metadata,
    sa.Column("city_code", sa.String(12), primary_key=True),
    sa.Column("exposure_fen", sa.BigInteger, nullable=False),
)
"""Per city, the principal its fund stands behind: approved and not yet lent, plus lent and unpaid.
A trigger on loans keeps it, whatever writes them (migration 0016); a city with none has no row."""


class FundYear(Base):
    """A city's repayment rate of a year, which decides its guarantee fund's leverage the year after.

    Computed from the city's ledger once the year has ended (`source` ledger: principal repaid over
    principal repaid and defaulted), or set by a city official with a reason (`source` override); the
    ledger's figures are kept beside an override."""

    __tablename__ = "fund_years"

    city_code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    repayment_rate_bp: Mapped[int | None] = mapped_column(sa.Integer)  # none: nothing fell due or was repaid
    source: Mapped[str] = mapped_column(sa.String(10), default="ledger")  # ledger | override
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    repaid_fen: Mapped[int | None] = mapped_column(Money)  # the ledger's: principal repaid in the year
    defaulted_fen: Mapped[int | None] = mapped_column(Money)  # and principal outstanding at default
    ledger_rate_bp: Mapped[int | None] = mapped_column(sa.Integer)
    recorded_by: Mapped[str] = mapped_column(sa.String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


# ---- read model of the registry's facts -----------------------------------------------------


class KnownEntrepreneur(KnownEntrepreneurColumns, Base):
    """Who the registry's entrepreneurs are, as far as this service needs (shared/registry_copy.py)."""

    name: Mapped[str] = mapped_column(sa.String(40))
    region_code: Mapped[str] = mapped_column(sa.String(12))
    household_region_code: Mapped[str] = mapped_column(sa.String(12))
    categories: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")  # shown to a claim's reviewer
    # the certificates on the person's record (name, level, issued_on): a skill subsidy claims one of them
    certificates: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    verified: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


class KnownEnterprise(KnownEnterpriseColumns, Base):
    """The registry's enterprises, as far as this service needs (shared/registry_copy.py)."""

    kind: Mapped[str] = mapped_column(sa.String(30))
    region_code: Mapped[str] = mapped_column(sa.String(12))
    founded_on: Mapped[dt.date] = mapped_column(sa.Date)
    verified: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    headcount: Mapped[int] = mapped_column(sa.Integer, default=0)
    new_hires: Mapped[int] = mapped_column(sa.Integer, default=0)
    headcount_quarter: Mapped[str | None] = mapped_column(sa.String(6))
    headcount_revision: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


# ---- loans ----------------------------------------------------------------------------------


class KnownHeadcountReport(Base):
    """An enterprise's quarterly headcount reports (the registry's), newest revision of each: a
    year's new hires are the sum of its quarters'."""

    __tablename__ = "known_headcount_reports"

    enterprise_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    headcount: Mapped[int] = mapped_column(sa.Integer)
    new_hires: Mapped[int] = mapped_column(sa.Integer)
    revision: Mapped[int] = mapped_column(sa.Integer)


class GuaranteedLoan(Base):
    __tablename__ = "loans"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    borrower_kind: Mapped[str] = mapped_column(sa.String(12))  # individual | enterprise | partnership
    # whose caps, term and rules apply: individual (个体工商户 and 家庭农场 too), enterprise or partnership
    cap_basis: Mapped[str] = mapped_column(sa.String(12))
    enterprise_kind: Mapped[str | None] = mapped_column(sa.String(24))
    # first in the bank's queue (seed 001: 优先对返乡创办小微企业（包括农村合作社）提供担保贷款)
    priority: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    entrepreneur_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    applicant_account_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    borrower_name: Mapped[str] = mapped_column(sa.String(100))
    # the refused, ineligible or withdrawn application this one corrects (each is corrected once)
    resubmission_of: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    bank_code: Mapped[str] = mapped_column(sa.ForeignKey("banks.code"), index=True)
    amount_fen: Mapped[int] = mapped_column(Money)
    term_months: Mapped[int] = mapped_column(sa.Integer)
    purpose: Mapped[str] = mapped_column(sa.String(500))
    repayment_method: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(24), index=True)
    policy_code: Mapped[str] = mapped_column(sa.String(80))
    failures: Mapped[list] = mapped_column(JSONB, default=list)
    applied_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    applied_on: Mapped[dt.date] = mapped_column(sa.Date)
    approved_amount_fen: Mapped[int | None] = mapped_column(Money)
    approved_term_months: Mapped[int | None] = mapped_column(sa.Integer)
    contract_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    contract_policy_code: Mapped[str | None] = mapped_column(sa.String(80))
    lpr_bp: Mapped[int | None] = mapped_column(sa.Integer)
    spread_bp: Mapped[int | None] = mapped_column(sa.Integer)
    rate_bp: Mapped[int | None] = mapped_column(sa.Integer)
    maker: Mapped[str | None] = mapped_column(sa.String(80))
    checker: Mapped[str | None] = mapped_column(sa.String(80))
    approved_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(500))
    disbursed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    outstanding_principal_fen: Mapped[int] = mapped_column(Money, default=0)
    interest_paid_fen: Mapped[int] = mapped_column(Money, default=0)
    days_overdue: Mapped[int] = mapped_column(sa.Integer, default=0)
    compensation_fen: Mapped[int | None] = mapped_column(Money)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    checked_on: Mapped[dt.date | None] = mapped_column(sa.Date)  # the overdue sweep's last day
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    instalments: Mapped[list[Instalment]] = relationship(
        order_by="Instalment.number", cascade="all, delete-orphan", lazy="selectin")
    repayments: Mapped[list[Repayment]] = relationship(
        order_by="Repayment.paid_on", cascade="all, delete-orphan", lazy="selectin")
    history: Mapped[list[LoanStep]] = relationship(
        order_by="LoanStep.id", cascade="all, delete-orphan", lazy="selectin")
    # read only for a partnership's loan (`borrower_kind`), when first used
    partners: Mapped[list[LoanPartner]] = relationship(
        order_by="LoanPartner.position", cascade="all, delete-orphan", lazy="select")
    # read with the loan where a decision answers with it (loans.get); never changed through a loan
    bank: Mapped[Bank] = relationship(lazy="raise", viewonly=True)

    __mapper_args__ = {"version_id_col": version}


class LoanPartner(Base):
    """A member of a partnership's loan (合伙创业), the applicant first: each counts the loan among
    their own (lifetime and outstanding)."""

    __tablename__ = "loan_partners"

    loan_id: Mapped[str] = mapped_column(sa.ForeignKey("loans.id"), primary_key=True)
    entrepreneur_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(40))


class Instalment(Base):
    __tablename__ = "instalments"

    loan_id: Mapped[str] = mapped_column(sa.ForeignKey("loans.id"), primary_key=True)
    number: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    principal_fen: Mapped[int] = mapped_column(Money)
    interest_fen: Mapped[int] = mapped_column(Money)
    principal_paid_fen: Mapped[int] = mapped_column(Money, default=0)
    interest_paid_fen: Mapped[int] = mapped_column(Money, default=0)


class Repayment(Base):
    __tablename__ = "repayments"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    loan_id: Mapped[str] = mapped_column(sa.ForeignKey("loans.id"), index=True)
    paid_on: Mapped[dt.date] = mapped_column(sa.Date)
    amount_fen: Mapped[int] = mapped_column(Money)
    interest_fen: Mapped[int] = mapped_column(Money)
    principal_fen: Mapped[int] = mapped_column(Money)
    recorded_by: Mapped[str] = mapped_column(sa.String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


class LoanStep(Base):
    """The loan's timeline: who did what, when."""

    __tablename__ = "loan_steps"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    loan_id: Mapped[str] = mapped_column(sa.ForeignKey("loans.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    actor: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.String(500), default="")


# ---- subsidies ------------------------------------------------------------------------------


class SubsidyClaim(Base):
    __tablename__ = "subsidy_claims"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    entrepreneur_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(sa.String(36))
    applicant_account_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    claimant_name: Mapped[str] = mapped_column(sa.String(100))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    details: Mapped[dict] = mapped_column(JSONB)
    amount_fen: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(sa.String(24), index=True)
    policy_code: Mapped[str] = mapped_column(sa.String(80))
    failures: Mapped[list] = mapped_column(JSONB, default=list)
    notes: Mapped[list] = mapped_column(JSONB, default=list)
    # the refused claim this one corrects (each is corrected once)
    resubmission_of: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    # what the eligibility check used and each rule's outcome (None for claims made before it was kept)
    assessment: Mapped[dict | None] = mapped_column(JSONB)
    claimed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(80))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    review_reason: Mapped[str | None] = mapped_column(sa.String(500))
    batch_id: Mapped[str | None] = mapped_column(sa.ForeignKey("subsidy_batches.id"), index=True)
    paid_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ClaimKey(Base):
    """What a live claim claims once (a tier, a hire, a certificate, a trip): unique across claims."""

    __tablename__ = "subsidy_claim_keys"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    claim_id: Mapped[str] = mapped_column(sa.ForeignKey("subsidy_claims.id"), index=True)
    entrepreneur_id: Mapped[str] = mapped_column(sa.String(36), index=True)


class SubsidyBatch(Base):
    __tablename__ = "subsidy_batches"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    status: Mapped[str] = mapped_column(sa.String(12))  # draft | approved | paid
    total_fen: Mapped[int] = mapped_column(Money)
    claim_count: Mapped[int] = mapped_column(sa.Integer)
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    available_fen_at_approval: Mapped[int | None] = mapped_column(Money)
    approved_by: Mapped[str | None] = mapped_column(sa.String(80))
    approved_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    paid_by: Mapped[str | None] = mapped_column(sa.String(80))
    paid_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    claims: Mapped[list[SubsidyClaim]] = relationship(order_by="SubsidyClaim.claimed_at", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class PaymentLine(Base):
    """One line of a batch's payment list (代发清单) for the paying bank: one claim's amount to its
    payee's account as the registry held it when the line was issued, and what the bank's return
    said of it. A failed line is kept; its claim is issued again on a new line (`attempt`) or
    cancelled from the batch."""

    __tablename__ = "payment_lines"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True)  # what the bank returns against
    batch_id: Mapped[str] = mapped_column(sa.ForeignKey("subsidy_batches.id"), index=True)
    claim_id: Mapped[str] = mapped_column(sa.ForeignKey("subsidy_claims.id"), index=True)
    attempt: Mapped[int] = mapped_column(sa.Integer)
    payee_kind: Mapped[str] = mapped_column(sa.String(12))  # entrepreneur | enterprise
    payee_name: Mapped[str] = mapped_column(sa.String(100))
    payee_id_number: Mapped[str] = mapped_column(sa.String(18))  # resident ID or credit code
    account_kind: Mapped[str] = mapped_column(sa.String(24))
    bank_code: Mapped[str] = mapped_column(sa.String(20))
    bank_name: Mapped[str] = mapped_column(sa.String(80))
    account_number: Mapped[str] = mapped_column(sa.String(40))
    account_masked: Mapped[str] = mapped_column(sa.String(60))
    amount_fen: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(sa.String(12))  # issued | paid | failed | cancelled
    issued_by: Mapped[str] = mapped_column(sa.String(80))
    issued_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    returned_by: Mapped[str | None] = mapped_column(sa.String(80))
    returned_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(sa.String(200))


class InterestSubsidyBatch(Base):
    """A city's interest subsidy of a quarter, on the interest its loans' borrowers paid."""

    __tablename__ = "interest_subsidy_batches"

    city_code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(12))  # computed | paid
    total_fen: Mapped[int] = mapped_column(Money)  # all of it, the local budget's part included
    local_total_fen: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    paid_by: Mapped[str | None] = mapped_column(sa.String(80))
    paid_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    lines: Mapped[list[InterestSubsidyLine]] = relationship(
        order_by="InterestSubsidyLine.loan_id", cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class InterestSubsidyLine(Base):
    __tablename__ = "interest_subsidy_lines"

    city_code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    loan_id: Mapped[str] = mapped_column(sa.ForeignKey("loans.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.String(12))
    bank_code: Mapped[str] = mapped_column(sa.String(20))  # the lending bank, whose line pays it
    paid_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    interest_paid_fen: Mapped[int] = mapped_column(Money)
    subsidy_fen: Mapped[int] = mapped_column(Money)  # the programme's part
    # the part on principal above the policy's subsidy cap, paid from the local budget
    local_subsidy_fen: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    policy_code: Mapped[str] = mapped_column(sa.String(80))

    __table_args__ = (
        sa.ForeignKeyConstraint(["city_code", "quarter"], ["interest_subsidy_batches.city_code",
                                                           "interest_subsidy_batches.quarter"]),
    )


# ---- ledger ---------------------------------------------------------------------------------


class InterestPaymentLine(Base):
    """One lending bank's line of a city's quarter's interest subsidy payment list: the sum of its
    loans' subsidies to the account the bank named, and what the return said of it."""

    __tablename__ = "interest_payment_lines"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True)
    city_code: Mapped[str] = mapped_column(sa.String(12))
    quarter: Mapped[str] = mapped_column(sa.String(6))
    bank_code: Mapped[str] = mapped_column(sa.ForeignKey("banks.code"))
    attempt: Mapped[int] = mapped_column(sa.Integer)
    payee_name: Mapped[str] = mapped_column(sa.String(100))
    account_number: Mapped[str] = mapped_column(sa.String(40))
    account_masked: Mapped[str] = mapped_column(sa.String(60))
    amount_fen: Mapped[int] = mapped_column(Money)
    loan_count: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(12))  # issued | paid | failed
    issued_by: Mapped[str] = mapped_column(sa.String(80))
    issued_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    returned_by: Mapped[str | None] = mapped_column(sa.String(80))
    returned_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (
        sa.ForeignKeyConstraint(["city_code", "quarter"], ["interest_subsidy_batches.city_code",
                                                           "interest_subsidy_batches.quarter"]),
        sa.Index("ix_interest_payment_lines_batch", "city_code", "quarter"),
    )


class LedgerPosting(Base):
    """One movement of a city's money: each city keeps its own books (its fund, its budget)."""

    __tablename__ = "ledger_postings"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    city_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    reference: Mapped[str] = mapped_column(sa.String(120), index=True)
    posted_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    posted_by: Mapped[str] = mapped_column(sa.String(80))

    lines: Mapped[list[LedgerLine]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class LedgerLine(Base):
    __tablename__ = "ledger_lines"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    posting_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_postings.id"), index=True)
    city_code: Mapped[str] = mapped_column(sa.String(12))  # its posting's: a balance needs no join
    account: Mapped[str] = mapped_column(sa.String(80))
    debit_fen: Mapped[int] = mapped_column(Money, default=0)
    credit_fen: Mapped[int] = mapped_column(Money, default=0)

    __table_args__ = (
        sa.CheckConstraint("debit_fen >= 0 AND credit_fen >= 0", name="ledger_amounts_not_negative"),
        sa.Index("ix_ledger_lines_city_account", "city_code", "account"),
    )


class LoanDocument(AttachmentColumns, Base):
    """A document on a loan (借款合同 and the others of LOAN_DOCUMENT_NAMES)."""

    __tablename__ = "loan_attachments"

    loan_id: Mapped[str] = mapped_column(sa.ForeignKey("loans.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
