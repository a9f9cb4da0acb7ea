"""Gateway tables: user accounts, their roles, login sessions (pages and API tokens alike), login throttling.

Core tables, not mapped classes: the gateway reads and writes them with a handful of statements, and
a process that loads the ORM for them carries 6 MB more for good (issue 14's 80 MB per process)."""

from __future__ import annotations

import sqlalchemy as sa

from shared import clock
from shared.db import new_id

metadata = sa.MetaData()

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.String(36), primary_key=True, default=new_id),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("display_name", sa.String(80), nullable=False, default=""),
    sa.Column("region_code", sa.String(12)),
    sa.Column("level", sa.String(10)),
    sa.Column("bank_code", sa.String(20)),
    sa.Column("unit_head", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, default=clock.utcnow),
)

login_sessions = sa.Table(
    "login_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("kind", sa.String(8), nullable=False),  # "page" | "api"
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

login_throttle = sa.Table(
    "login_throttle", metadata,
    # wrong passwords in a row from one address for one username ("" counts every username)
    sa.Column("username", sa.String(80), primary_key=True),
    sa.Column("address", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("blocked_until", sa.DateTime(timezone=True)),
)
