"""each roster entry keeps the facts that put it there (one per reason)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("roster_entries", sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()),
                                              server_default="[]", nullable=False))


def downgrade() -> None:
    op.drop_column("roster_entries", "evidence")
