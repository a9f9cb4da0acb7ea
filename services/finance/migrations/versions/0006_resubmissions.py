"""an application or a claim corrected and made again points at the one it corrects (once each)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("loans", "subsidy_claims"):
        op.add_column(table, sa.Column("resubmission_of", sa.String(length=36), nullable=True))
        op.create_unique_constraint(f"{table}_resubmission_of_key", table, ["resubmission_of"])


def downgrade() -> None:
    for table in ("loans", "subsidy_claims"):
        op.drop_constraint(f"{table}_resubmission_of_key", table, type_="unique")
        op.drop_column(table, "resubmission_of")
