"""the planner's settings for the registry's many small reads, set once for its database

Lists are many small reads at once: parallel workers only add their start-up to each (at 1M rows, on
two cores, they halved the lists served per second). The tables and indexes are read from memory
(about 600 MB at 1M/300k rows), so a page read at random costs little more than one in sequence; at
the default (4) the planner read a township's whole region index to spare 600 random reads ("张伟" in
a township: 49 ms, then 1 ms). These were set in each list's transaction, a round trip per list; a
database's own settings reach every new connection instead.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SETTINGS = {"max_parallel_workers_per_gather": "0", "random_page_cost": "1.1"}


def upgrade() -> None:
    for name, value in SETTINGS.items():
        op.execute(f"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET {name} = {value}', current_database()); END $$")


def downgrade() -> None:
    for name in SETTINGS:
        op.execute(f"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET {name}', current_database()); END $$")
