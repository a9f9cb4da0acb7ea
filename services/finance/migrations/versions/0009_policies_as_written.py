"""the loan policies as written (issue 17): caps by kind of borrower, partnerships, the year's hiring
share from every quarterly report, the bank's queue with small and micro enterprises first, the
interest subsidy above the cap from the local budget, and the fund's repayment rate from the ledger

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# the policies' own words, added to the versions already seeded (0001): which enterprises borrow as
# enterprises (seed 001: 小微企业（包括农村合作社）) and a partnership's share of its members' caps
LOAN_PARAMS = '{"enterprise_kinds": ["small_micro", "cooperative"], "partnership_cap_bp": 11000}'


def upgrade() -> None:
    op.create_table(
        "known_headcount_reports",
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("new_hires", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "quarter"),
    )
    # the latest quarter each copy kept is all that is known of the earlier reports
    op.execute("INSERT INTO known_headcount_reports (enterprise_id, quarter, headcount, new_hires, revision) "
               "SELECT id, headcount_quarter, headcount, new_hires, headcount_revision FROM known_enterprises "
               "WHERE headcount_quarter IS NOT NULL")

    op.add_column("loans", sa.Column("cap_basis", sa.String(length=12), nullable=True))
    op.add_column("loans", sa.Column("enterprise_kind", sa.String(length=24), nullable=True))
    op.add_column("loans", sa.Column("priority", sa.Boolean(), nullable=True))
    # loans already decided keep the caps they were decided on (the borrower's kind)
    op.execute("UPDATE loans SET cap_basis = borrower_kind, enterprise_kind = ("
               " SELECT e.kind FROM known_enterprises e WHERE e.id = loans.enterprise_id)")
    op.execute("UPDATE loans SET priority = coalesce(enterprise_kind IN ('small_micro', 'cooperative'), false)")
    op.alter_column("loans", "cap_basis", nullable=False)
    op.alter_column("loans", "priority", nullable=False)
    op.create_table(
        "loan_partners",
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("entrepreneur_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"]),
        sa.PrimaryKeyConstraint("loan_id", "entrepreneur_id"),
    )
    op.create_index(op.f("ix_loan_partners_entrepreneur_id"), "loan_partners", ["entrepreneur_id"])
    op.execute(sa.text("UPDATE policy_versions SET params = params || CAST(:extra AS jsonb) WHERE domain = 'loan'")
               .bindparams(extra=LOAN_PARAMS))

    op.add_column("interest_subsidy_batches", sa.Column("local_total_fen", sa.BigInteger(), server_default="0",
                                                        nullable=False))
    op.add_column("interest_subsidy_lines", sa.Column("local_subsidy_fen", sa.BigInteger(), server_default="0",
                                                      nullable=False))

    op.alter_column("fund_years", "repayment_rate_bp", nullable=True)
    op.add_column("fund_years", sa.Column("source", sa.String(length=10), nullable=True))
    op.add_column("fund_years", sa.Column("reason", sa.String(length=500), nullable=True))
    op.add_column("fund_years", sa.Column("repaid_fen", sa.BigInteger(), nullable=True))
    op.add_column("fund_years", sa.Column("defaulted_fen", sa.BigInteger(), nullable=True))
    op.add_column("fund_years", sa.Column("ledger_rate_bp", sa.Integer(), nullable=True))
    # rates typed in before were an official's figures
    op.execute("UPDATE fund_years SET source = 'override', reason = '系统按账簿计算之前录入'")
    op.alter_column("fund_years", "source", nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM fund_years WHERE repayment_rate_bp IS NULL")
    for column in ("ledger_rate_bp", "defaulted_fen", "repaid_fen", "reason", "source"):
        op.drop_column("fund_years", column)
    op.alter_column("fund_years", "repayment_rate_bp", nullable=False)
    op.drop_column("interest_subsidy_lines", "local_subsidy_fen")
    op.drop_column("interest_subsidy_batches", "local_total_fen")
    op.execute("UPDATE policy_versions SET params = params - 'enterprise_kinds' - 'partnership_cap_bp' "
               "WHERE domain = 'loan'")
    op.drop_index(op.f("ix_loan_partners_entrepreneur_id"), table_name="loan_partners")
    op.drop_table("loan_partners")
    for column in ("priority", "enterprise_kind", "cap_basis"):
        op.drop_column("loans", column)
    op.drop_table("known_headcount_reports")
