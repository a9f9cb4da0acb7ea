"""agenda items, meetings, resolutions and their progress notes; the quarter's closing and bulletin

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 19:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("quarters", sa.Column("closed_on", sa.Date(), nullable=True))
    op.add_column("quarters", sa.Column("closed_by", sa.String(length=80), nullable=True))
    op.add_column("quarters", sa.Column("bulletin", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("quarter", sa.String(length=6), sa.ForeignKey("quarters.code"), nullable=False),
        sa.Column("difficulty_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("enterprise_name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("carried_over_from", sa.String(length=6), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("quarter", "difficulty_id"),
    )
    op.create_index("ix_agenda_items_quarter", "agenda_items", ["quarter"])
    op.create_index("ix_agenda_items_difficulty_id", "agenda_items", ["difficulty_id"])
    op.create_index("ix_agenda_items_region_code", "agenda_items", ["region_code"])
    op.create_table(
        "meetings",
        sa.Column("quarter", sa.String(length=6), sa.ForeignKey("quarters.code"), primary_key=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("chair", sa.String(length=60), nullable=False),
        sa.Column("departments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "resolutions",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("item_id", sa.String(length=36), sa.ForeignKey("agenda_items.id"), nullable=False, unique=True),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("lead_department", sa.String(length=60), nullable=False),
        sa.Column("co_departments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("measure", sa.String(length=1000), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("assigned_by", sa.String(length=80), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_resolutions_quarter", "resolutions", ["quarter"])
    op.create_index("ix_resolutions_deadline", "resolutions", ["deadline"])
    op.create_table(
        "progress_notes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("resolution_id", sa.String(length=36), sa.ForeignKey("resolutions.id"), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("noted_by", sa.String(length=80), nullable=False),
    )
    op.create_index("ix_progress_notes_resolution_id", "progress_notes", ["resolution_id"])


def downgrade() -> None:
    op.drop_table("progress_notes")
    op.drop_table("resolutions")
    op.drop_table("meetings")
    op.drop_table("agenda_items")
    op.drop_column("quarters", "bulletin")
    op.drop_column("quarters", "closed_by")
    op.drop_column("quarters", "closed_on")
