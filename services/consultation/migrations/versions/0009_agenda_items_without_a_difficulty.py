"""an enterprise convened for a late loan or fewer staff gets an agenda item of its own (without a
difficulty), so that the meeting can assign it a resolution

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agenda_items", sa.Column("kind", sa.String(length=12), server_default="difficulty",
                                            nullable=False))
    op.add_column("agenda_items", sa.Column("subject_key", sa.String(length=60), nullable=True))
    op.alter_column("agenda_items", "difficulty_id", existing_type=sa.String(length=36), nullable=True)
    op.create_index(op.f("ix_agenda_items_subject_key"), "agenda_items", ["subject_key"], unique=False)
    op.create_unique_constraint("agenda_items_round_region_quarter_subject_key_key", "agenda_items",
                                ["round_region", "quarter", "subject_key"])


def downgrade() -> None:
    op.execute("DELETE FROM progress_notes WHERE resolution_id IN (SELECT r.id FROM resolutions r "
               "JOIN agenda_items i ON i.id = r.item_id WHERE i.difficulty_id IS NULL)")
    op.execute("DELETE FROM resolutions WHERE item_id IN (SELECT id FROM agenda_items WHERE difficulty_id IS NULL)")
    op.execute("DELETE FROM agenda_items WHERE difficulty_id IS NULL")
    op.drop_constraint("agenda_items_round_region_quarter_subject_key_key", "agenda_items", type_="unique")
    op.drop_index(op.f("ix_agenda_items_subject_key"), table_name="agenda_items")
    op.alter_column("agenda_items", "difficulty_id", existing_type=sa.String(length=36), nullable=False)
    op.drop_column("agenda_items", "subject_key")
    op.drop_column("agenda_items", "kind")
