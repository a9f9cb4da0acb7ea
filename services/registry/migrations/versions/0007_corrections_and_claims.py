"""Corrections both ways and records claimed by their owners (issue 15)

- `return_reason` on entrepreneurs and enterprises: why an official sent the record back
  (status `returned`, 退回修改) until its owner resubmits it;
- `record_changes`: every change after registration, with who, when, why, and each changed field
  before and after (shown on the record);
- `claim_requests`: a person's request to take over a record registered on their behalf, proved by
  a code sent to the record's phone or confirmed by an official in person.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("entrepreneurs", "enterprises"):
        op.add_column(table, sa.Column("return_reason", sa.String(500), nullable=True))
    op.create_table(
        "record_changes",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("record_kind", sa.String(12), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("change", sa.String(12), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        sa.Column("before", JSONB, nullable=False, server_default="{}"),
        sa.Column("after", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("ix_record_changes_record", "record_changes", ["record_kind", "record_id", "id"])
    op.create_table(
        "claim_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("entrepreneur_id", sa.String(36), sa.ForeignKey("entrepreneurs.id"), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("account_username", sa.String(80), nullable=False),
        sa.Column("account_name", sa.String(80), nullable=False, server_default=""),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_requests", sa.Integer, nullable=False, server_default="0"),
        sa.Column("code_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(500), nullable=False, server_default=""),
    )
    op.create_index("ix_claim_requests_entrepreneur_id", "claim_requests", ["entrepreneur_id"])
    op.create_index("ix_claim_requests_account_id", "claim_requests", ["account_id"])
    op.create_index("ix_claim_requests_pending", "claim_requests", ["region_code", "created_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("uq_claim_requests_open", "claim_requests", ["entrepreneur_id", "account_id", "method"],
                    unique=True, postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_table("claim_requests")
    op.drop_table("record_changes")
    for table in ("entrepreneurs", "enterprises"):
        op.drop_column(table, "return_reason")
