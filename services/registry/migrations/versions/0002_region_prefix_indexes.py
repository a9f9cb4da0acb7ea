"""Indexes for jurisdiction by prefix (region_code LIKE '5110%') and for newest-first lists.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX entrepreneurs_region_prefix ON entrepreneurs (region_code varchar_pattern_ops)")
    op.execute("CREATE INDEX enterprises_region_prefix ON enterprises (region_code varchar_pattern_ops)")
    op.execute("CREATE INDEX entrepreneurs_newest ON entrepreneurs (created_at DESC, id)")
    op.execute("CREATE INDEX enterprises_newest ON enterprises (created_at DESC, id)")


def downgrade() -> None:
    for name in ("entrepreneurs_region_prefix", "enterprises_region_prefix",
                 "entrepreneurs_newest", "enterprises_newest"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
