"""facts by entrepreneur (an enterprise's timeline also shows its owner's personal loans and subsidies)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 19:20:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_facts_entrepreneur_id ON facts ((payload ->> 'entrepreneur_id'))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_facts_entrepreneur_id")
