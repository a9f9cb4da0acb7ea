"""subsidy batches paid through the bank's payment list (代发清单): the lines issued to the paying
bank with each payee's account as it was, and the bank's return on each (issue 17)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("payee_kind", sa.String(length=12), nullable=False),
        sa.Column("payee_name", sa.String(length=100), nullable=False),
        sa.Column("payee_id_number", sa.String(length=18), nullable=False),
        sa.Column("account_kind", sa.String(length=24), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("bank_name", sa.String(length=80), nullable=False),
        sa.Column("account_number", sa.String(length=40), nullable=False),
        sa.Column("account_masked", sa.String(length=60), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returned_by", sa.String(length=80), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["subsidy_batches.id"]),
        sa.ForeignKeyConstraint(["claim_id"], ["subsidy_claims.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index(op.f("ix_payment_lines_batch_id"), "payment_lines", ["batch_id"])
    op.create_index(op.f("ix_payment_lines_claim_id"), "payment_lines", ["claim_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_lines_claim_id"), table_name="payment_lines")
    op.drop_index(op.f("ix_payment_lines_batch_id"), table_name="payment_lines")
    op.drop_table("payment_lines")
