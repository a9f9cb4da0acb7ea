"""Gateway tables: user accounts, their roles, login sessions (pages and API tokens alike), login throttling."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared import clock
from shared.db import new_id


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    display_name: Mapped[str] = mapped_column(sa.String(80), default="")
    region_code: Mapped[str | None] = mapped_column(sa.String(12))
    level: Mapped[str | None] = mapped_column(sa.String(10))
    bank_code: Mapped[str | None] = mapped_column(sa.String(20))
    unit_head: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)


class LoginSession(Base):
    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # "page" | "api"
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)


class LoginThrottle(Base):
    """Wrong passwords in a row from one address for one username ("" counts every username)."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
