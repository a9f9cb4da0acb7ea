"""indexes for a county's and a township's lists, newest first: `left(region_code, 6)` and
`left(region_code, 9)`, then `created_at DESC, id`, with `region_code` itself so that the capped
count reads the index alone (issue 14: a county's first page took 300 ms once
an import of 100,000 people elsewhere was the newest rows: the newest-first scan went through all of
them to find the county's 21)

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LEVELS = {"county": 6, "township": 9}


def upgrade() -> None:
    for table in ("entrepreneurs", "enterprises"):
        for level, length in LEVELS.items():
            op.execute(f"CREATE INDEX {table}_{level}_newest ON {table} (left(region_code, {length}), created_at DESC, id)"
                       " INCLUDE (region_code)")
        op.execute(f"ANALYZE {table}")  # the planner's statistics of the new index expressions


def downgrade() -> None:
    for table in ("entrepreneurs", "enterprises"):
        for level in LEVELS:
            op.execute(f"DROP INDEX IF EXISTS {table}_{level}_newest")
