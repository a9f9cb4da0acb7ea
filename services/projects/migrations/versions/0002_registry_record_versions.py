"""the registry's version of each record kept beside the copy

The registry publishes corrections, returns and claims (`entrepreneur_changed`, `enterprise_changed`)
with the record's version (issue 15).

Revision ID: 0002
Revises: 0001
"""

from shared.migration_ops import add_record_versions, drop_record_versions

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("known_entrepreneurs", "known_enterprises")


def upgrade() -> None:
    add_record_versions(*TABLES)


def downgrade() -> None:
    drop_record_versions(*TABLES)
