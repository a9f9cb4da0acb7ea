"""indexes for the newest-first lists: a bank's queue, a region's loans and claims

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "loans_bank_newest": "loans (bank_code, applied_at DESC)",
    "loans_newest": "loans (applied_at DESC)",
    "subsidy_claims_newest": "subsidy_claims (claimed_at DESC)",
}


def upgrade() -> None:
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {target}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
