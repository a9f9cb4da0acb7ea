"""Consultation tables: every fact of the other services (to rebuild from), quarters and their rosters."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class StoredFact(Base):
    """An event of another service, kept whole: the read models are rebuilt from these."""

    __tablename__ = "facts"

    event_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(60), index=True)
    producer: Mapped[str] = mapped_column(sa.String(40))
    occurred_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    region_code: Mapped[str | None] = mapped_column(sa.String(12))
    payload: Mapped[dict] = mapped_column(JSONB)


class Quarter(Base):
    __tablename__ = "quarters"

    code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10))  # open | closed
    cutoff: Mapped[dt.date] = mapped_column(sa.Date)
    opened_by: Mapped[str] = mapped_column(sa.String(80))
    opened_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=_now)

    entries: Mapped[list[RosterEntry]] = relationship(order_by="RosterEntry.enterprise_name", lazy="selectin",
                                                      cascade="all, delete-orphan")


class RosterEntry(Base):
    """An enterprise convened this quarter: the facts that put it there, or an official's reason."""

    __tablename__ = "roster_entries"

    quarter: Mapped[str] = mapped_column(sa.ForeignKey("quarters.code"), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    enterprise_name: Mapped[str] = mapped_column(sa.String(100))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    reasons: Mapped[list] = mapped_column(JSONB, default=list)
    source: Mapped[str] = mapped_column(sa.String(10))  # rules | official
    removed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    changed_by: Mapped[str | None] = mapped_column(sa.String(80))
