"""each partner bank's account for the quarter's interest subsidy (贴息资金专户), which the city's
interest-subsidy payment list pays to (issue 17)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 04:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("banks", sa.Column("subsidy_account_name", sa.String(length=100), nullable=True))
    op.add_column("banks", sa.Column("subsidy_account_number", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("banks", "subsidy_account_number")
    op.drop_column("banks", "subsidy_account_name")
