"""Projects tables: the library's projects, recommendations, interest, promotion events, signings."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared import clock
from shared.db import new_id
from shared.registry_copy import KnownEnterpriseColumns, KnownEntrepreneurColumns


class Base(DeclarativeBase):
    pass


class KnownEntrepreneur(KnownEntrepreneurColumns, Base):
    """Who the registry's entrepreneurs are, as far as this service needs (shared/registry_copy.py)."""

    name: Mapped[str] = mapped_column(sa.String(40))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    skills: Mapped[list] = mapped_column(JSONB, default=list)
    verified: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class KnownEnterprise(KnownEnterpriseColumns, Base):
    """The registry's enterprises, as far as this service needs (shared/registry_copy.py)."""

    industry: Mapped[str] = mapped_column(sa.String(100))
    region_code: Mapped[str] = mapped_column(sa.String(12))
    investment_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(sa.String(100))
    sector: Mapped[str] = mapped_column(sa.String(20), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    investment_fen: Mapped[int] = mapped_column(sa.BigInteger)
    expected_jobs: Mapped[int] = mapped_column(sa.Integer)
    policies: Mapped[list] = mapped_column(JSONB, default=list)
    contact_name: Mapped[str] = mapped_column(sa.String(40))
    contact_phone: Mapped[str] = mapped_column(sa.String(20))
    library_level: Mapped[str] = mapped_column(sa.String(10), index=True)
    library_region: Mapped[str] = mapped_column(sa.String(12), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), index=True)
    recommended_to: Mapped[str | None] = mapped_column(sa.String(10))
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    history: Mapped[list[ProjectStep]] = relationship(order_by="ProjectStep.id", cascade="all, delete-orphan",
                                                      lazy="selectin")
    signings: Mapped[list[Signing]] = relationship(order_by="Signing.signed_on", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class ProjectStep(Base):
    __tablename__ = "project_steps"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)
    actor: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")


class Interest(Base):
    """An entrepreneur's expression of interest (我有意向) in a project."""

    __tablename__ = "interests"

    project_id: Mapped[str] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
    entrepreneur_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


class PromotionEvent(Base):
    """项目推介会: a date, a place, the projects shown, and the signings (集中签约) made there."""

    __tablename__ = "promotion_events"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(sa.String(100))
    held_on: Mapped[dt.date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str] = mapped_column(sa.String(10))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    project_ids: Mapped[list] = mapped_column(JSONB, default=list)
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)

    signings: Mapped[list[Signing]] = relationship(order_by="Signing.signed_on", lazy="selectin")


class Signing(Base):
    __tablename__ = "signings"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(sa.ForeignKey("projects.id"), unique=True)
    promotion_event_id: Mapped[str | None] = mapped_column(sa.ForeignKey("promotion_events.id"), index=True)
    entrepreneur_id: Mapped[str | None] = mapped_column(sa.String(36))
    enterprise_id: Mapped[str | None] = mapped_column(sa.String(36))
    party_name: Mapped[str] = mapped_column(sa.String(100))
    signed_on: Mapped[dt.date] = mapped_column(sa.Date)
    signed_by: Mapped[str] = mapped_column(sa.String(80))
