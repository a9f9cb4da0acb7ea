"""a city's own calendar days (local holidays and their make-up working days) beside the State
Council's, which every city keeps (issue 16, tenancy)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calendar_days", sa.Column("city_code", sa.String(length=12), nullable=False, server_default=""))
    op.alter_column("calendar_days", "city_code", server_default=None)
    op.drop_constraint("calendar_days_pkey", "calendar_days", type_="primary")
    op.create_primary_key("calendar_days_pkey", "calendar_days", ["city_code", "day"])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM calendar_days WHERE city_code <> ''"))
    op.drop_constraint("calendar_days_pkey", "calendar_days", type_="primary")
    op.drop_column("calendar_days", "city_code")
    op.create_primary_key("calendar_days_pkey", "calendar_days", ["day"])
