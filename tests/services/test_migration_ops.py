"""The helper for new migrations creates the messaging tables exactly as every service has them."""

import uuid

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from shared.migrate import SERVICES_WITH_DATABASE, drop_database, ensure_database
from shared.migration_ops import create_messaging_tables, drop_messaging_tables

TABLES = ("outbox", "inbox", "command_log")


def described(engine: sa.Engine) -> dict:
    inspector = sa.inspect(engine)
    present = set(inspector.get_table_names())
    return {table: {"columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                    "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                    "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
                    "indexes": sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table))}
            for table in TABLES if table in present}


def test_the_helper_makes_the_tables_every_service_migrated(infra, databases):
    name = f"guiyan_ops_{uuid.uuid4().hex[:8]}"
    ensure_database(infra.postgres_url, name)
    engine = sa.create_engine(f"{infra.postgres_url.rstrip('/')}/{name}".replace("postgresql://", "postgresql+psycopg2://", 1),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            with Operations.context(MigrationContext.configure(connection)):
                create_messaging_tables()
        made = described(engine)
        for service in SERVICES_WITH_DATABASE:
            theirs = sa.create_engine(databases[service].replace("postgresql://", "postgresql+psycopg2://", 1),
                                      poolclass=sa.pool.NullPool)
            kept = described(theirs)
            assert {"outbox", "inbox"} <= set(kept), service
            assert kept == {table: made[table] for table in kept}, service
            theirs.dispose()
        with engine.begin() as connection:
            with Operations.context(MigrationContext.configure(connection)):
                drop_messaging_tables()
        assert not set(TABLES) & set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
        drop_database(infra.postgres_url, name)
