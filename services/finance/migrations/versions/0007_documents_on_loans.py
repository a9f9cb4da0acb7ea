"""documents on loans: the bank's 借款合同 and vouchers, the applicant's further material (issue 15,
documents)

Revision ID: 0007
Revises: 0006
"""

from shared.migration_ops import create_attachment_table, drop_attachment_table

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_attachment_table("loan_attachments", "loan_id", "loans")


def downgrade() -> None:
    drop_attachment_table("loan_attachments", "loan_id")
