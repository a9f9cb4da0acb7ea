"""a count that moves whenever the policy versions, the banks or their partnerships change, so that
each finance process keeps those small tables in memory and asks one number per command instead of
reading them (issue 14)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 05:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("policy_versions", "banks", "bank_partnerships")


def upgrade() -> None:
    op.create_table(
        "books_generation",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="books_generation_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    # from a random count: a process that talks to two databases in turn (as tests do) never takes
    # one's count for the other's
    op.execute("INSERT INTO books_generation (id, n) VALUES (1, floor(random() * 1e15)::bigint)")
    # whatever writes them (a command, a migration, an operator's SQL): statement-level, so that a
    # many-row change moves the count once
    op.execute("""
        CREATE FUNCTION books_generation_moves() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE books_generation SET n = n + 1 WHERE id = 1;
            RETURN NULL;
        END $$""")
    for table in TABLES:
        op.execute(f"CREATE TRIGGER {table}_books_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                   f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION books_generation_moves()")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_books_generation ON {table}")
    op.execute("DROP FUNCTION books_generation_moves()")
    op.drop_table("books_generation")
