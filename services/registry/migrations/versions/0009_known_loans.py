"""the registry's copy of finance's loan applications: which bank and region each loan's borrower
is shown to (issue 15, "staff decide blind")

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_loans",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("borrower_kind", sa.String(12), nullable=False),
        sa.Column("entrepreneur_id", sa.String(36), nullable=False),
        sa.Column("enterprise_id", sa.String(36), nullable=True),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("bank_code", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("known_loans")
