"""Escalation tables: policy versions, the calendar's entries, the registry read model, difficulties."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared import clock
from shared.attachment_table import AttachmentColumns
from shared.db import new_id
from shared.registry_copy import KnownEnterpriseColumns


class Base(DeclarativeBase):
    pass


class PolicyVersion(Base):
    __tablename__ = "policy_versions"

    domain: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    params: Mapped[dict] = mapped_column(JSONB)


NATIONWIDE = ""  # calendar_days.city_code of the State Council's days, which every city keeps


class CalendarDay(Base):
    """A day of a published holiday schedule: a holiday, or a make-up working day; the State
    Council's for every city, or a city's own (an autonomous prefecture's 彝族年, 藏历新年 …)."""

    __tablename__ = "calendar_days"

    city_code: Mapped[str] = mapped_column(sa.String(12), primary_key=True, default=NATIONWIDE)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(sa.Boolean)
    name: Mapped[str] = mapped_column(sa.String(40), default="")


class PublishedYear(Base):
    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    entered_by: Mapped[str] = mapped_column(sa.String(80))
    entered_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


class KnownEnterprise(KnownEnterpriseColumns, Base):
    """The registry's enterprises, as far as this service needs (shared/registry_copy.py). The owner's
    account comes with the enterprise's own event: this service keeps nothing else of entrepreneurs,
    so it does not take every registration (issue 14)."""

    owner_account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    region_code: Mapped[str] = mapped_column(sa.String(12))
    liaisons: Mapped[list] = mapped_column(JSONB, default=list)


class Difficulty(Base):
    __tablename__ = "difficulties"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), unique=True)
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    enterprise_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    enterprise_name: Mapped[str] = mapped_column(sa.String(100))
    reporter_account_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    category: Mapped[str] = mapped_column(sa.String(20))
    description: Mapped[str] = mapped_column(sa.Text)
    urgency: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    level: Mapped[str] = mapped_column(sa.String(10), index=True)
    liaison: Mapped[dict | None] = mapped_column(JSONB)
    policy_code: Mapped[str] = mapped_column(sa.String(80))
    reported_on: Mapped[dt.date] = mapped_column(sa.Date)
    level_since: Mapped[dt.date] = mapped_column(sa.Date)
    contact_due: Mapped[dt.date] = mapped_column(sa.Date)
    resolve_due: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    contacted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    late_contact: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    resolved_by: Mapped[str | None] = mapped_column(sa.String(80))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    signed_off_by: Mapped[str | None] = mapped_column(sa.String(80))
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp, onupdate=clock.stamp)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    steps: Mapped[list[Step]] = relationship(order_by="Step.id", cascade="all, delete-orphan",
                                             lazy="selectin")
    decisions: Mapped[list[Decision]] = relationship(order_by="Decision.attached_at",
                                                     cascade="all, delete-orphan", lazy="selectin")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.uploaded_at",
                                                         cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class Step(Base):
    """The difficulty's timeline: who did what, when, at which level, and what they said."""

    __tablename__ = "difficulty_steps"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    difficulty_id: Mapped[str] = mapped_column(sa.ForeignKey("difficulties.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    actor: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(30))
    level: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str] = mapped_column(sa.Text, default="")


class Attachment(AttachmentColumns, Base):
    """A file the enterprise attached (shared/attachments.py), kept in the database."""

    __tablename__ = "difficulty_attachments"

    difficulty_id: Mapped[str] = mapped_column(sa.ForeignKey("difficulties.id"), index=True)


class Decision(Base):
    """A quarterly consultation's resolution on the difficulty (from `consultation`)."""

    __tablename__ = "consultation_decisions"

    resolution_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    difficulty_id: Mapped[str] = mapped_column(sa.ForeignKey("difficulties.id"), index=True)
    quarter: Mapped[str] = mapped_column(sa.String(6))
    lead_department: Mapped[str] = mapped_column(sa.String(100))
    co_departments: Mapped[list] = mapped_column(JSONB, default=list)
    measure: Mapped[str] = mapped_column(sa.Text)
    deadline: Mapped[dt.date] = mapped_column(sa.Date)
    attached_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
