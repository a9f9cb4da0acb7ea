"""the overdue sweep remembers the day it last checked a loan

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("loans", sa.Column("checked_on", sa.Date(), nullable=True))
    op.execute("CREATE INDEX instalments_due ON instalments (loan_id, due_on)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS instalments_due")
    op.drop_column("loans", "checked_on")
