"""documents on the records: a person's ID card and certificates, an enterprise's licence and
contracts (issue 15, documents)

Revision ID: 0010
Revises: 0009
"""

from shared.migration_ops import create_attachment_table, drop_attachment_table

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_attachment_table("entrepreneur_attachments", "entrepreneur_id", "entrepreneurs")
    create_attachment_table("enterprise_attachments", "enterprise_id", "enterprises")


def downgrade() -> None:
    drop_attachment_table("enterprise_attachments", "enterprise_id")
    drop_attachment_table("entrepreneur_attachments", "entrepreneur_id")
