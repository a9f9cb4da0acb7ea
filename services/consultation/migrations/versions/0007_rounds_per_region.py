"""every round of the consultation belongs to a region: a city's, or a county's held before it; a
county's agenda items can be sent up to its city's round with the county's note

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:10:00
"""

import sqlalchemy as sa
from alembic import op

from shared.actors import programme_city

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHILDREN = ("roster_entries", "agenda_items", "meetings")


def upgrade() -> None:
    city = programme_city()  # the quarters held so far were the one programme city's
    for table in CHILDREN:
        op.drop_constraint(f"{table}_quarter_fkey", table, type_="foreignkey")
    for table in ("quarters", *CHILDREN, "resolutions"):
        column = "region_code" if table == "quarters" else "round_region"
        op.add_column(table, sa.Column(column, sa.String(length=12), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET {column} = :city").bindparams(city=city))
        op.alter_column(table, column, nullable=False)
    op.drop_constraint("quarters_pkey", "quarters", type_="primary")
    op.create_primary_key("quarters_pkey", "quarters", ["region_code", "code"])
    op.drop_constraint("roster_entries_pkey", "roster_entries", type_="primary")
    op.create_primary_key("roster_entries_pkey", "roster_entries", ["round_region", "quarter", "enterprise_id"])
    op.drop_constraint("meetings_pkey", "meetings", type_="primary")
    op.create_primary_key("meetings_pkey", "meetings", ["round_region", "quarter"])
    op.drop_constraint("agenda_items_quarter_difficulty_id_key", "agenda_items", type_="unique")
    op.create_unique_constraint("agenda_items_round_region_quarter_difficulty_id_key", "agenda_items",
                                ["round_region", "quarter", "difficulty_id"])
    op.drop_index("ix_agenda_items_quarter", table_name="agenda_items")
    op.create_index("ix_agenda_items_round", "agenda_items", ["round_region", "quarter"])
    for table in CHILDREN:
        op.create_foreign_key(f"{table}_round_region_quarter_fkey", table, "quarters",
                              ["round_region", "quarter"], ["region_code", "code"])
    op.add_column("agenda_items", sa.Column("referred_on", sa.Date(), nullable=True))
    op.add_column("agenda_items", sa.Column("referral_note", sa.String(length=500), nullable=True))
    op.add_column("agenda_items", sa.Column("referred_from", sa.String(length=12), nullable=True))


def downgrade() -> None:
    regions_held = op.get_bind().scalar(sa.text("SELECT count(DISTINCT region_code) FROM quarters"))
    if regions_held > 1:  # one quarter per code cannot hold several regions' rounds
        raise RuntimeError("rounds of several regions are held: they cannot be folded into one quarter per code")
    for column in ("referred_from", "referral_note", "referred_on"):
        op.drop_column("agenda_items", column)
    for table in CHILDREN:
        op.drop_constraint(f"{table}_round_region_quarter_fkey", table, type_="foreignkey")
    op.drop_index("ix_agenda_items_round", table_name="agenda_items")
    op.create_index("ix_agenda_items_quarter", "agenda_items", ["quarter"])
    op.drop_constraint("agenda_items_round_region_quarter_difficulty_id_key", "agenda_items", type_="unique")
    op.create_unique_constraint("agenda_items_quarter_difficulty_id_key", "agenda_items", ["quarter", "difficulty_id"])
    for table, key in (("meetings", ["quarter"]), ("roster_entries", ["quarter", "enterprise_id"]),
                       ("quarters", ["code"])):
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, key)
    for table in ("quarters", *CHILDREN, "resolutions"):
        op.drop_column(table, "region_code" if table == "quarters" else "round_region")
    for table in CHILDREN:
        op.create_foreign_key(f"{table}_quarter_fkey", table, "quarters", ["quarter"], ["code"])
