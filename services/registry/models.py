"""Registry tables: entrepreneurs, enterprises, their liaisons and quarterly headcount."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared import clock
from shared.attachment_table import AttachmentColumns
from shared.db import REGION_LEVELS, new_id

LIST_LEVELS = {"county": 6, "township": 9}  # the lists with an index of their level's own (migration 0012)


def level_indexed(table: str) -> tuple:
    """A table's `__table_args__`: its lists at county and township level, newest first, each with an
    index on the region's prefix, then the lists' order, and the region code itself, so that a list's
    capped count reads the index alone (an expression's column must be there too); the levels are
    named in the table's info for shared.db's region conditions (REGION_LEVELS)."""
    return (*(sa.Index(f"{table}_{level}_newest", sa.text(f"left(region_code, {length})"), sa.text("created_at DESC"),
                       sa.text("id"), postgresql_include=["region_code"]) for level, length in LIST_LEVELS.items()),
            {"info": {REGION_LEVELS: tuple(LIST_LEVELS.values())}})


class PayeeAccountColumns:
    """The account a record's payments go to (收款账户): set by its owner or its region's officials,
    each change kept in `record_changes` with the number masked. The full number leaves the registry
    only in the payment list finance asks for (`payee_accounts`)."""

    payee_kind: Mapped[str | None] = mapped_column(sa.String(24))  # bank_card | social_security_card | basic_account
    payee_bank_code: Mapped[str | None] = mapped_column(sa.String(20))
    payee_account_number: Mapped[str | None] = mapped_column(sa.String(30))
    payee_holder_name: Mapped[str | None] = mapped_column(sa.String(100))


class Base(DeclarativeBase):
    pass


class Entrepreneur(PayeeAccountColumns, Base):
    __tablename__ = "entrepreneurs"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    id_number: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    gender: Mapped[str] = mapped_column(sa.String(6))
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    phone: Mapped[str] = mapped_column(sa.String(11))
    household_region_code: Mapped[str] = mapped_column(sa.String(12))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    return_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    previous_work_place: Mapped[str] = mapped_column(sa.String(500), default="")
    previous_occupation: Mapped[str] = mapped_column(sa.String(500), default="")
    education: Mapped[str] = mapped_column(sa.String(20))
    skills: Mapped[list] = mapped_column(JSONB, default=list)
    certificates: Mapped[list] = mapped_column(JSONB, default=list)
    categories: Mapped[list] = mapped_column(JSONB, default=list)
    status: Mapped[str] = mapped_column(sa.String(12), default="registered")
    return_reason: Mapped[str | None] = mapped_column(sa.String(500))
    account_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    created_by: Mapped[str] = mapped_column(sa.String(36))
    verified_by: Mapped[str | None] = mapped_column(sa.String(80))
    verified_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    enterprises: Mapped[list[Enterprise]] = relationship(back_populates="owner")
    __table_args__ = level_indexed("entrepreneurs")
    __mapper_args__ = {"version_id_col": version}


class Enterprise(PayeeAccountColumns, Base):
    __tablename__ = "enterprises"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    owner_entrepreneur_id: Mapped[str] = mapped_column(sa.ForeignKey("entrepreneurs.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(24))
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    credit_code_override_reason: Mapped[str | None] = mapped_column(sa.String(500))
    credit_code_override_by: Mapped[str | None] = mapped_column(sa.String(80))
    industry: Mapped[str] = mapped_column(sa.String(100))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    founded_on: Mapped[dt.date] = mapped_column(sa.Date)
    investment_fen: Mapped[int] = mapped_column(sa.BigInteger)
    headcount: Mapped[int] = mapped_column(sa.Integer)
    poverty_hires: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(12), default="registered")
    return_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by: Mapped[str] = mapped_column(sa.String(36))
    verified_by: Mapped[str | None] = mapped_column(sa.String(80))
    verified_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    owner: Mapped[Entrepreneur] = relationship(back_populates="enterprises")
    liaisons: Mapped[list[EnterpriseLiaison]] = relationship(
        cascade="all, delete-orphan", order_by="EnterpriseLiaison.kind")
    headcount_reports: Mapped[list[HeadcountReportRow]] = relationship(
        cascade="all, delete-orphan", order_by="HeadcountReportRow.quarter")
    __table_args__ = level_indexed("enterprises")
    __mapper_args__ = {"version_id_col": version}


class EnterpriseLiaison(Base):
    __tablename__ = "enterprise_liaisons"

    enterprise_id: Mapped[str] = mapped_column(sa.ForeignKey("enterprises.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    phone: Mapped[str] = mapped_column(sa.String(11))
    organisation: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str] = mapped_column(sa.String(10))
    region_code: Mapped[str] = mapped_column(sa.String(12))
    official_username: Mapped[str | None] = mapped_column(sa.String(80))
    assigned_by: Mapped[str] = mapped_column(sa.String(80))
    assigned_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


class HeadcountReportRow(Base):
    __tablename__ = "headcount_reports"

    enterprise_id: Mapped[str] = mapped_column(sa.ForeignKey("enterprises.id"), primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    headcount: Mapped[int] = mapped_column(sa.Integer)
    poverty_hires: Mapped[int] = mapped_column(sa.Integer)
    new_hires: Mapped[int] = mapped_column(sa.Integer)
    revision: Mapped[int] = mapped_column(sa.Integer, default=1)
    reported_by: Mapped[str] = mapped_column(sa.String(80))
    reported_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


class KnownLoan(Base):
    """Finance's loan applications as far as this service needs them to decide who may see a borrower
    (from `loan_applied`): the bank a loan was routed to, its region, its borrower. A loan's routing
    never changes after it is applied for, so no later fact is kept."""

    __tablename__ = "known_loans"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    borrower_kind: Mapped[str] = mapped_column(sa.String(12))  # individual | enterprise
    entrepreneur_id: Mapped[str] = mapped_column(sa.String(36))
    enterprise_id: Mapped[str | None] = mapped_column(sa.String(36))
    region_code: Mapped[str] = mapped_column(sa.String(12))
    bank_code: Mapped[str] = mapped_column(sa.String(20))


class RecordChange(Base):
    """One change to a record after its registration: who, when, why, each field before and after."""

    __tablename__ = "record_changes"
    __table_args__ = (sa.Index("ix_record_changes_record", "record_kind", "record_id", "id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    record_kind: Mapped[str] = mapped_column(sa.String(12))  # entrepreneur | enterprise
    record_id: Mapped[str] = mapped_column(sa.String(36))
    change: Mapped[str] = mapped_column(sa.String(24))  # corrected | returned | resubmitted | claimed | payee_account
    changed_by: Mapped[str] = mapped_column(sa.String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    before: Mapped[dict] = mapped_column(JSONB, default=dict)
    after: Mapped[dict] = mapped_column(JSONB, default=dict)


class ClaimRequest(Base):
    """A person's request to take over the record registered on their behalf: proved by a code sent
    to the record's phone (only the code's hash is kept), or confirmed by an official in person."""

    __tablename__ = "claim_requests"
    __table_args__ = (
        sa.Index("ix_claim_requests_pending", "region_code", "created_at", postgresql_where=sa.text("status = 'pending'")),
        # one open request per person and record: asking again reuses it
        sa.Index("uq_claim_requests_open", "entrepreneur_id", "account_id", "method", unique=True,
                 postgresql_where=sa.text("status = 'pending'")),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    entrepreneur_id: Mapped[str] = mapped_column(sa.ForeignKey("entrepreneurs.id"), index=True)
    region_code: Mapped[str] = mapped_column(sa.String(12))
    account_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    account_username: Mapped[str] = mapped_column(sa.String(80))
    account_name: Mapped[str] = mapped_column(sa.String(80), default="")
    method: Mapped[str] = mapped_column(sa.String(10))  # sms_code | in_person
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending | approved | rejected
    code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    code_expires_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    code_requested_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    code_requests: Mapped[int] = mapped_column(sa.Integer, default=0)  # codes asked for on that day
    code_sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(sa.String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")

    entrepreneur: Mapped[Entrepreneur] = relationship()


class RollImport(Base):
    """An office's roll uploaded for import: checked first (the dry run), then imported in batches
    that survive a restart (each row keeps its own state)."""

    __tablename__ = "imports"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    file_name: Mapped[str] = mapped_column(sa.String(200))
    created_by: Mapped[str] = mapped_column(sa.String(80))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)  # the importing official's jurisdiction
    status: Mapped[str] = mapped_column(sa.String(12))  # uploading | checked | importing | done
    total_rows: Mapped[int] = mapped_column(sa.Integer, default=0)
    invalid_rows: Mapped[int] = mapped_column(sa.Integer, default=0)
    already_registered: Mapped[int] = mapped_column(sa.Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_people: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_firms: Mapped[int] = mapped_column(sa.Integer, default=0)
    errors: Mapped[list] = mapped_column(JSONB, default=list)  # every refused cell: line, column, code, message
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class RollImportRow(Base):
    __tablename__ = "import_rows"
    __table_args__ = (sa.Index("ix_import_rows_pending", "import_id", "line",
                               postgresql_where=sa.text("status = 'pending'")),)

    import_id: Mapped[str] = mapped_column(sa.ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True)
    line: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10))  # pending | invalid (a row registered is deleted)
    entrepreneur: Mapped[dict | None] = mapped_column(JSONB)
    enterprise: Mapped[dict | None] = mapped_column(JSONB)
    liaisons: Mapped[dict | None] = mapped_column(JSONB)
    note: Mapped[str] = mapped_column(sa.String(200), default="")


class EntrepreneurDocument(AttachmentColumns, Base):
    """A document on a person's record (身份证, certificates: ENTREPRENEUR_DOCUMENT_NAMES)."""

    __tablename__ = "entrepreneur_attachments"

    entrepreneur_id: Mapped[str] = mapped_column(sa.ForeignKey("entrepreneurs.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))


class EnterpriseDocument(AttachmentColumns, Base):
    """A document on an enterprise's record (营业执照, contracts: ENTERPRISE_DOCUMENT_NAMES)."""

    __tablename__ = "enterprise_attachments"

    enterprise_id: Mapped[str] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
