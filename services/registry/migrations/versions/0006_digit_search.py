"""Resident-ID and phone fragments found by their four-digit pieces (issue 14).

pg_trgm cuts digits into trigrams, of which there are only a thousand, and a fragment that repeats
itself ("101010", "880808", a birth date such as 1988-08-08) makes two or three that nearly every
row holds: a search for it read most of the table's index entries and checked the rows one by one
(0.5–0.6 s at 1,000,000 entrepreneurs; the search's p95 under load was 1 s). The four-digit pieces
(`registry_code_grams`, a GIN array index) are ten thousand, and a six-digit fragment asks for all
three of its own. Fragments shorter than four digits keep the trigram indexes of 0003.

At 1,000,000 entrepreneurs the two indexes take about 30 s to build, with writes to the table
waiting meanwhile.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# PL/pgSQL, not SQL: a search's rows are checked against the same expression, and this form costs a
# third of a set-returning query's (7 µs a resident ID against 19)
CODE_GRAMS = """
CREATE FUNCTION registry_code_grams(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  pieces text[] := '{}';
  code text := upper(value);
BEGIN
  FOR i IN 1 .. char_length(code) - 3 LOOP
    pieces := pieces || substr(code, i, 4);
  END LOOP;
  RETURN pieces;
END
$$
"""

INDEXES = {
    "entrepreneurs_id_number_grams": "entrepreneurs USING gin (registry_code_grams(id_number))",
    "entrepreneurs_phone_grams": "entrepreneurs USING gin (registry_code_grams(phone))",
}


def upgrade() -> None:
    op.execute(CODE_GRAMS)
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {definition}")
    op.execute("ANALYZE entrepreneurs")  # the planner's statistics of the new index expressions


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("DROP FUNCTION IF EXISTS registry_code_grams(text)")
