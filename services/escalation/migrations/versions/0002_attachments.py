"""attachments of difficulties, type and size checked, kept in the database

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "difficulty_attachments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("difficulty_id", sa.String(36), sa.ForeignKey("difficulties.id"), nullable=False, index=True),
        sa.Column("filename", sa.String(120), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.String(80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("difficulty_attachments")
