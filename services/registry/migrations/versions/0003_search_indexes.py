"""Indexes for officials' searches at a million records (issue 14).

Names (and an enterprise's name and industry) are Chinese, where a search is mostly two characters
("张伟"): pg_trgm finds no trigram in two characters and falls back to reading the whole index, so
they are indexed by their one- and two-character pieces (`registry_grams`, a GIN array index) and
the query asks for the fragment's pieces (`registry_query_grams`) before ILIKE checks the rows.
Resident IDs, phones and credit codes are digits and capitals, searched by fragments of three or
more: pg_trgm's GIN indexes. The region prefix and newest-first indexes of 0002 serve the lists
(EXPLAIN: the (created_at DESC, id) walk stops after a page; a composite index on the region could
not keep the order across the codes of a township).

At 1,000,000 entrepreneurs and 300,000 enterprises the indexes take about 40 s to build, with
writes to both tables waiting meanwhile.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GRAMS = """
CREATE FUNCTION registry_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT DISTINCT substr(lower(value), i, size)
               FROM generate_series(1, char_length(value)) AS i, (VALUES (1), (2)) AS sizes (size)
               WHERE i + size - 1 <= char_length(value))
$$
"""

QUERY_GRAMS = """
CREATE FUNCTION registry_query_grams(fragment text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN char_length(fragment) < 2 THEN ARRAY[lower(fragment)]
              ELSE ARRAY(SELECT DISTINCT substr(lower(fragment), i, 2)
                         FROM generate_series(1, char_length(fragment) - 1) AS i) END
$$
"""

INDEXES = {
    "entrepreneurs_name_grams": "entrepreneurs USING gin (registry_grams(name))",
    "entrepreneurs_id_number_trgm": "entrepreneurs USING gin (id_number gin_trgm_ops)",
    "entrepreneurs_phone_trgm": "entrepreneurs USING gin (phone gin_trgm_ops)",
    "enterprises_name_grams": "enterprises USING gin ((registry_grams(name) || registry_grams(industry)))",
    "enterprises_credit_code_trgm": "enterprises USING gin (credit_code gin_trgm_ops)",
}


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(GRAMS)
    op.execute(QUERY_GRAMS)
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {definition}")
    op.execute("ANALYZE entrepreneurs")  # the planner's statistics of the new index expressions
    op.execute("ANALYZE enterprises")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("DROP FUNCTION IF EXISTS registry_query_grams(text)")
    op.execute("DROP FUNCTION IF EXISTS registry_grams(text)")
