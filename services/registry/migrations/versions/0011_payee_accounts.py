"""payee accounts on the records (收款账户, issue 17): a person's bank card or social security card's
financial account, an enterprise's basic account (基本存款账户), with the bank and the holder's name;
`record_changes.change` widened for the change kind `payee_account`

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = (("payee_kind", 24), ("payee_bank_code", 20), ("payee_account_number", 30), ("payee_holder_name", 100))


def upgrade() -> None:
    for table in ("entrepreneurs", "enterprises"):
        for name, length in COLUMNS:
            op.add_column(table, sa.Column(name, sa.String(length), nullable=True))
    op.alter_column("record_changes", "change", type_=sa.String(24), existing_type=sa.String(12),
                    existing_nullable=False)


def downgrade() -> None:
    # the audit entries stay, under a kind that fits the narrower column
    op.execute("UPDATE record_changes SET change = 'payee' WHERE change = 'payee_account'")
    op.alter_column("record_changes", "change", type_=sa.String(12), existing_type=sa.String(24),
                    existing_nullable=False)
    for table in ("enterprises", "entrepreneurs"):
        for name, _ in reversed(COLUMNS):
            op.drop_column(table, name)
