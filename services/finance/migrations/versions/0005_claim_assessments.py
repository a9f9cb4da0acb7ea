"""a subsidy claim keeps what its eligibility check used and each rule's outcome; the copy of the
registry keeps each person's categories (脱贫人口 …), which the reviewer sees beside them (issue 15)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subsidy_claims", sa.Column("assessment", JSONB(), nullable=True))
    op.add_column("known_entrepreneurs", sa.Column("categories", JSONB(), nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("known_entrepreneurs", "categories")
    op.drop_column("subsidy_claims", "assessment")
