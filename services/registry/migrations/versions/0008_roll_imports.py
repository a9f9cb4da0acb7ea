"""An office's roll imported: the upload, its check (the dry run) and each row's state (issue 15)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in (
            "total_rows", "invalid_rows", "already_registered", "processed_rows", "created_people", "created_firms")),
        sa.Column("errors", JSONB, nullable=False, server_default="[]"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_imports_region_code", "imports", ["region_code"])
    op.create_table(
        "import_rows",
        sa.Column("import_id", sa.String(36), sa.ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("entrepreneur", JSONB, nullable=True),
        sa.Column("enterprise", JSONB, nullable=True),
        sa.Column("liaisons", JSONB, nullable=True),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_import_rows_pending", "import_rows", ["import_id", "line"],
                    postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_table("import_rows")
    op.drop_table("imports")
