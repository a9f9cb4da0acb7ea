"""the registry's version of each record kept beside the copy

The registry publishes corrections, returns and claims (`entrepreneur_changed`, `enterprise_changed`)
with the record's version (issue 15).

Revision ID: 0004
Revises: 0003
"""

from shared.migration_ops import add_record_versions, drop_record_versions

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("known_entrepreneurs", "known_enterprises")


def upgrade() -> None:
    add_record_versions(*TABLES)


def downgrade() -> None:
    drop_record_versions(*TABLES)
