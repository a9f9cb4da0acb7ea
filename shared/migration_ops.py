"""Operations for new migrations: the messaging tables every service keeps.

Every service's database holds the same three tables beside its own: `outbox` (events recorded in
the transaction that caused them, sent by the relay), `inbox` (events a consumer has applied once)
and `command_log` (the results of commands sent with an Idempotency-Key). A new service's first
migration calls `create_messaging_tables()`; the released first migrations keep their own copies of
these statements, frozen as they were applied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def create_messaging_tables() -> None:
    op.create_table(
        "command_log",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("producer", sa.String(length=40), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("outbox_unsent", "outbox", ["next_attempt_at", "id"], unique=False,
                    postgresql_where=sa.text("sent_at IS NULL"))


def drop_messaging_tables() -> None:
    op.drop_index("outbox_unsent", table_name="outbox", postgresql_where=sa.text("sent_at IS NULL"))
    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_table("command_log")


def add_record_versions(*tables: str) -> None:
    """The registry's version of each record a service keeps a copy of (`shared.registry_copy`): a
    correction, return or claim applies only over an older one. Records copied so far are at 1."""
    for table in tables:
        op.add_column(table, sa.Column("record_version", sa.Integer, nullable=False, server_default="1"))


def drop_record_versions(*tables: str) -> None:
    for table in tables:
        op.drop_column(table, "record_version")


def create_attachment_table(table: str, owner_column: str, owner_table: str) -> None:
    """A table of attached files (`shared.attachment_table.AttachmentColumns`), each of a document
    kind, belonging to rows of `owner_table`."""
    op.create_table(
        table,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column(owner_column, sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint([owner_column], [f"{owner_table}.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(f"ix_{table}_{owner_column}", table, [owner_column], unique=False)


def drop_attachment_table(table: str, owner_column: str) -> None:
    op.drop_index(f"ix_{table}_{owner_column}", table_name=table)
    op.drop_table(table)
