"""the department list (部门名录), seeded with the programme city's departments; meetings and resolutions
keep each department's code beside its name (old free text mapped where a name or alias matches)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 08:03:40.399222
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.consultation.domain import department_data
from services.consultation.domain.departments import Directory
from shared import clock

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None
SEEDED_BY = "系统（部门名录初始数据）"


def upgrade() -> None:
    departments = op.create_table(
        "departments",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("short_name", sa.String(length=30), nullable=False),
        sa.Column("aliases", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("name"),
    )
    op.add_column("meetings", sa.Column("department_codes", postgresql.JSONB(astext_type=sa.Text()),
                                        server_default="[]", nullable=False))
    op.add_column("resolutions", sa.Column("lead_department_code", sa.String(length=40), nullable=True))
    op.add_column("resolutions", sa.Column("co_department_codes", postgresql.JSONB(astext_type=sa.Text()),
                                           server_default="[]", nullable=False))
    op.create_index(op.f("ix_resolutions_lead_department_code"), "resolutions", ["lead_department_code"], unique=False)
    op.create_foreign_key("resolutions_lead_department_code_fkey", "resolutions", "departments",
                          ["lead_department_code"], ["code"])
    op.bulk_insert(departments, [
        {"code": d.code, "name": d.name, "short_name": d.short_name, "aliases": list(d.aliases), "level": d.level,
         "region_code": d.region_code, "active": d.active, "position": position, "changed_by": SEEDED_BY,
         "changed_at": clock.utcnow()}
        for position, d in enumerate(department_data.DEPARTMENTS, start=1)])
    _map_old_records(Directory(list(department_data.DEPARTMENTS)))


def _map_old_records(directory: Directory) -> None:
    """Every department recorded as free text gets the code of the department whose name it matches."""
    bind = op.get_bind()
    for rid, lead, co in bind.execute(sa.text("SELECT id, lead_department, co_departments FROM resolutions")).all():
        bind.execute(sa.text("UPDATE resolutions SET lead_department_code = :lead, co_department_codes = "
                             "CAST(:co AS jsonb) WHERE id = :id"),
                     {"id": rid, "lead": directory.code_of(None, lead),
                      "co": _codes(directory, co)})
    for quarter, names in bind.execute(sa.text("SELECT quarter, departments FROM meetings")).all():
        bind.execute(sa.text("UPDATE meetings SET department_codes = CAST(:codes AS jsonb) WHERE quarter = :q"),
                     {"q": quarter, "codes": _codes(directory, names)})


def _codes(directory: Directory, names) -> str:
    return json.dumps([directory.code_of(None, name) for name in names or []])


def downgrade() -> None:
    op.drop_constraint("resolutions_lead_department_code_fkey", "resolutions", type_="foreignkey")
    op.drop_index(op.f("ix_resolutions_lead_department_code"), table_name="resolutions")
    op.drop_column("resolutions", "co_department_codes")
    op.drop_column("resolutions", "lead_department_code")
    op.drop_column("meetings", "department_codes")
    op.drop_table("departments")
