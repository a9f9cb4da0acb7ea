"""the quarter's interest subsidy paid through the treasury's payment list: one line per lending
bank, and the return on each; each loan's subsidy line knows its bank and when it was paid (issue 17)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 05:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("interest_subsidy_lines", sa.Column("bank_code", sa.String(length=20), nullable=True))
    op.add_column("interest_subsidy_lines", sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE interest_subsidy_lines l SET bank_code = loans.bank_code FROM loans WHERE loans.id = l.loan_id")
    op.execute("UPDATE interest_subsidy_lines l SET paid_at = b.paid_at FROM interest_subsidy_batches b"
               " WHERE b.city_code = l.city_code AND b.quarter = l.quarter AND b.status = 'paid'")
    op.alter_column("interest_subsidy_lines", "bank_code", nullable=False)
    op.create_table(
        "interest_payment_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("city_code", sa.String(length=12), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("payee_name", sa.String(length=100), nullable=False),
        sa.Column("account_number", sa.String(length=40), nullable=False),
        sa.Column("account_masked", sa.String(length=60), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("loan_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returned_by", sa.String(length=80), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["bank_code"], ["banks.code"]),
        sa.ForeignKeyConstraint(["city_code", "quarter"], ["interest_subsidy_batches.city_code",
                                                           "interest_subsidy_batches.quarter"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_interest_payment_lines_batch", "interest_payment_lines", ["city_code", "quarter"])


def downgrade() -> None:
    op.drop_index("ix_interest_payment_lines_batch", table_name="interest_payment_lines")
    op.drop_table("interest_payment_lines")
    op.drop_column("interest_subsidy_lines", "paid_at")
    op.drop_column("interest_subsidy_lines", "bank_code")
