"""Pooled connections: what a borrowed connection's settings leave behind for its next user."""

import sqlalchemy as sa

from shared.db import make_engine


def test_an_autocommit_or_repeatable_read_use_leaves_the_connection_at_the_servers_default(databases):
    """An explicit READ COMMITTED left behind made psycopg2 send `SET default_transaction_isolation
    TO DEFAULT` after every later autocommit statement: a round trip per outbox hand-off and per
    token looked up."""
    engine = make_engine(databases["registry"], pool_size=1)
    try:
        for level in ("AUTOCOMMIT", "REPEATABLE READ"):
            with engine.connect().execution_options(isolation_level=level) as connection:
                connection.execute(sa.text("SELECT 1"))
            with engine.connect() as connection:
                raw = connection.connection.dbapi_connection
                assert raw.isolation_level is None and not raw.autocommit, level
                assert connection.execute(sa.text("SHOW transaction_isolation")).scalar() == "read committed"
    finally:
        engine.dispose()
