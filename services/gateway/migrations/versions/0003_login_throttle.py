"""login throttle by (username, client address) replaces the per-username lock

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
    op.create_table("login_throttle",
                    sa.Column("username", sa.String(length=80), nullable=False),
                    sa.Column("address", sa.String(length=64), nullable=False),
                    sa.Column("failures", sa.Integer(), nullable=False),
                    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint("username", "address"))
    op.create_index(op.f("ix_login_throttle_last_failure_at"), "login_throttle", ["last_failure_at"])
    op.drop_column("users", "locked_until")
    op.drop_column("users", "failed_logins")


def downgrade() -> None:
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("users", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_index(op.f("ix_login_throttle_last_failure_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
