"""Notifications tables: who the people are (from the registry's events), the messages, their read
marks, the text messages to send, the time limits to remind of, and each user's delivery settings."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared import clock
from shared.db import new_id
from shared.registry_copy import KnownEnterpriseColumns, KnownEntrepreneurColumns


class Base(DeclarativeBase):
    pass


class KnownEntrepreneur(KnownEntrepreneurColumns, Base):
    """Whose account a person's messages reach (a claimed record's history follows it)."""

    name: Mapped[str] = mapped_column(sa.String(40))


class KnownEnterprise(KnownEnterpriseColumns, Base):
    """Which person an enterprise's messages reach: its owner."""


class Notification(Base):
    """One message (消息) to one audience: a person (by their record, so that a record claimed later
    brings its messages with it), a unit of officials (a region at a level, or only its head), or
    a bank's liaisons. `key` makes each message once: the event it came from and its audience, or
    the time limit and day it reminds of."""

    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(200), default="")
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    entrepreneur_id: Mapped[str | None] = mapped_column(sa.String(36))
    enterprise_id: Mapped[str | None] = mapped_column(sa.String(36))
    unit_region: Mapped[str | None] = mapped_column(sa.String(12))
    unit_level: Mapped[str | None] = mapped_column(sa.String(10))
    heads_only: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    bank_code: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)

    __table_args__ = (
        sa.Index("notifications_person", "entrepreneur_id", sa.text("created_at DESC"),
                 postgresql_where=sa.text("entrepreneur_id IS NOT NULL")),
        sa.Index("notifications_enterprise", "enterprise_id", sa.text("created_at DESC"),
                 postgresql_where=sa.text("enterprise_id IS NOT NULL")),
        sa.Index("notifications_unit", "unit_region", "unit_level", sa.text("created_at DESC"),
                 postgresql_where=sa.text("unit_region IS NOT NULL")),
        sa.Index("notifications_bank", "bank_code", sa.text("created_at DESC"),
                 postgresql_where=sa.text("bank_code IS NOT NULL")),
    )


class NotificationRead(Base):
    """A user has read a message (a unit's messages are read by each of its officials alone)."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[str] = mapped_column(sa.ForeignKey("notifications.id", ondelete="CASCADE"),
                                                 primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, index=True)
    read_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)


class DeliverySetting(Base):
    """A user's choices: text messages on or off, a work mobile for staff, and "all read up to"."""

    __tablename__ = "delivery_settings"

    user_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    region_code: Mapped[str | None] = mapped_column(sa.String(12))
    level: Mapped[str | None] = mapped_column(sa.String(10))
    bank_code: Mapped[str | None] = mapped_column(sa.String(20))
    unit_head: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    sms: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    read_through: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)

    __table_args__ = (sa.Index("delivery_settings_unit", "region_code", "level"),
                      sa.Index("delivery_settings_bank", "bank_code"))


class TextMessage(Base):
    """A text message (短信) to send for a message: to the phone on a person's record (asked of the
    registry when it is sent; this service keeps no one's phone) or to a user's work mobile. Its id
    is the provider's key against repeats."""

    __tablename__ = "text_messages"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    notification_id: Mapped[str] = mapped_column(sa.ForeignKey("notifications.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(sa.String(60))  # "person:<entrepreneur id>" | "user:<user id>"
    text: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_try_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    last_error: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.UniqueConstraint("notification_id", "recipient"),
                      sa.Index("text_messages_due", "next_try_at", postgresql_where=sa.text("status = 'pending'")))


class TimeLimit(Base):
    """A difficulty's time limit that its unit is reminded of, on the day (临期提醒) and after it
    has passed (超期预警), until the step is done."""

    __tablename__ = "time_limits"

    difficulty_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    step: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # contact | resolve
    reference: Mapped[str] = mapped_column(sa.String(40))
    enterprise_id: Mapped[str] = mapped_column(sa.String(36))
    unit_region: Mapped[str] = mapped_column(sa.String(12))
    unit_level: Mapped[str] = mapped_column(sa.String(10))
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    open: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    __table_args__ = (sa.Index("time_limits_open", "due_on", postgresql_where=sa.text("open")),)
