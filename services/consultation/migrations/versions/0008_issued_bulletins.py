"""issued bulletins: a closed round's bulletin as issued (per region, with revisions); when each fact
was kept, to find those that arrived after a quarter closed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:05:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_bulletins",
        sa.Column("round_region", sa.String(length=12), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["round_region", "quarter"], ["quarters.region_code", "quarters.code"]),
        sa.PrimaryKeyConstraint("round_region", "quarter", "scope", "revision"),
    )
    # now() is evaluated once here: the facts kept so far all count as kept before any issue
    op.add_column("facts", sa.Column("kept_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                                     nullable=False))
    op.create_index(op.f("ix_facts_kept_at"), "facts", ["kept_at"], unique=False)
    op.add_column("quarters", sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
    # the bulletins frozen at closing so far become their rounds' first issue
    op.execute("""
        INSERT INTO issued_bulletins (round_region, quarter, scope, revision, issued_on, note, content)
        SELECT region_code, code, region_code, 1, closed_on, '', bulletin FROM quarters
        WHERE status = 'closed' AND bulletin IS NOT NULL AND closed_on IS NOT NULL""")
    op.execute("UPDATE quarters SET checked_at = now() WHERE status = 'closed'")  # checked as of the facts kept so far


def downgrade() -> None:
    op.drop_column("quarters", "checked_at")
    op.drop_index(op.f("ix_facts_kept_at"), table_name="facts")
    op.drop_column("facts", "kept_at")
    op.drop_table("issued_bulletins")
