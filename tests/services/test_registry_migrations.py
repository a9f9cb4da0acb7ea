"""The registry's migrations build the tables its models describe: every column, of its type and
nullability (Alembic's own comparison, as `alembic revision --autogenerate` would make it).

What the models leave to the migrations is not compared: the tables every service shares (outbox,
inbox, command_log, from shared/migration_ops.py) and the search and list indexes made in SQL."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.registry.models import Base

LEFT_TO_THE_MIGRATIONS = {"remove_table", "remove_index"}


def flattened(differences: list) -> list[tuple]:
    """Alembic nests a column's changes in a list of its own; one tuple per change."""
    return [change for item in differences for change in (item if isinstance(item, list) else [item])]


def test_the_migrated_registry_database_matches_its_models(databases):
    engine = sa.create_engine(databases["registry"].replace("postgresql://", "postgresql+psycopg2://"))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = flattened(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()
    assert [change for change in differences if change[0] not in LEFT_TO_THE_MIGRATIONS] == []
