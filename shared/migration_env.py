"""The body of every service's Alembic env.py (online migrations only)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from shared.outbox import messaging_metadata


def run(target_metadata: sa.MetaData) -> None:
    config = context.config
    metadatas = [target_metadata, messaging_metadata]
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadatas, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
