"""the owner's account kept on each enterprise; the copy of every entrepreneur dropped

Escalation kept every registered entrepreneur only to know whose account owns an enterprise. The
enterprise's own event now carries the owner's account, so the service no longer takes every
registration (issue 14). The accounts already known move onto the enterprises.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("known_enterprises", sa.Column("owner_account_id", sa.String(36), nullable=True))
    op.create_index("ix_known_enterprises_owner_account_id", "known_enterprises", ["owner_account_id"])
    op.execute("UPDATE known_enterprises e SET owner_account_id = p.account_id FROM known_entrepreneurs p"
               " WHERE p.id = e.owner_entrepreneur_id")
    op.drop_table("known_entrepreneurs")


def downgrade() -> None:
    op.create_table(
        "known_entrepreneurs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=True, index=True),
    )
    op.execute("INSERT INTO known_entrepreneurs (id, account_id) SELECT DISTINCT ON (owner_entrepreneur_id)"
               " owner_entrepreneur_id, owner_account_id FROM known_enterprises")
    op.drop_index("ix_known_enterprises_owner_account_id", "known_enterprises")
    op.drop_column("known_enterprises", "owner_account_id")
