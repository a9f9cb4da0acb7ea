"""Pooled connections: how a transaction is framed on the wire (shared.dbapi), and what a borrowed
connection's settings leave behind for its next user."""

import uuid

import psycopg2.extensions
import pytest
import sqlalchemy as sa

from shared import clock, events
from shared.contracts import registry as re
from shared.db import UnitOfWork, make_engine
from shared.outbox import outbox


class CountingCursor(psycopg2.extensions.cursor):
    """Every string the connection sends, one per round trip."""

    sent: list[str] = []

    def execute(self, query, vars=None):
        CountingCursor.sent.append(query)
        return super().execute(query, vars)

    def executemany(self, query, vars_list):
        CountingCursor.sent.append(query)  # a round trip for each set of values, counted once here
        return super().executemany(query, vars_list)


@pytest.fixture
def engine(databases):
    made = make_engine(databases["registry"], pool_size=1)
    sa.event.listen(made, "connect", lambda raw, record: setattr(raw, "cursor_factory", CountingCursor))
    yield made
    made.dispose()


@pytest.fixture
def sent(engine):
    with engine.connect() as connection:  # the pool's connection made, and the dialect's first questions asked
        connection.execute(sa.text("SELECT 1"))
    CountingCursor.sent = []
    return CountingCursor.sent


@pytest.fixture
def scratch(engine):
    name = f"framing_{uuid.uuid4().hex[:8]}"
    table = sa.Table(name, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    table.create(engine)
    yield table
    table.drop(engine)


def test_a_transaction_sends_its_begin_with_its_first_statement(engine, sent):
    with engine.begin() as connection:
        assert connection.execute(sa.text("SELECT txid_current_if_assigned() IS NULL")).scalar()
        connection.execute(sa.text("SELECT 2"))
    assert sent == ["BEGIN; SELECT txid_current_if_assigned() IS NULL", "SELECT 2", "COMMIT"]


def test_a_transaction_that_ran_nothing_sends_nothing_and_an_autocommit_statement_only_itself(engine, sent):
    with engine.begin():
        pass
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("SELECT 1"))
    assert sent == ["SELECT 1"]


def test_a_read_sees_one_snapshot_and_ends_with_a_rollback(engine, sent):
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        assert connection.execute(sa.text("SHOW transaction_isolation")).scalar() == "repeatable read"
    assert sent == ["BEGIN ISOLATION LEVEL REPEATABLE READ; SHOW transaction_isolation", "ROLLBACK"]


def test_a_unit_of_work_commits_with_the_statement_that_writes_its_events(engine, sent, scratch):
    factory = sa.orm.sessionmaker(engine, expire_on_commit=False)
    event = events.make_event(re.EntrepreneurVerified(entrepreneur_id=str(uuid.uuid4()), region_code="511011101201",
                                                      verified_by="村级工作人员", verified_at=clock.utcnow()))
    sent.clear()  # the scratch table's creation
    with UnitOfWork(factory, "registry") as uow:
        uow.session.execute(scratch.insert().values(id=1))
        uow.publish(event)
        uow.commit()
    assert len(sent) == 2 and sent[0].startswith("BEGIN; INSERT") and sent[1].endswith("; COMMIT")
    with engine.connect() as connection:
        assert connection.execute(sa.select(scratch.c.id)).scalars().all() == [1]
        assert connection.execute(sa.select(outbox.c.event_id).where(outbox.c.event_id == event.event_id)).first()


def test_a_batch_of_one_statement_run_many_times_sends_its_begin_on_its_own(engine, sent, scratch):
    with engine.begin() as connection:
        connection.execute(scratch.insert(), [{"id": 1}, {"id": 2}])
    sent.clear()
    with engine.begin() as connection:
        connection.execute(scratch.update().where(scratch.c.id == sa.bindparam("old")).values(id=sa.bindparam("new")),
                           [{"old": 1, "new": 11}, {"old": 2, "new": 12}])
    assert sent[0] == "BEGIN" and sent[-1] == "COMMIT" and len(sent) == 3, sent
    with engine.connect() as connection:
        assert connection.execute(sa.select(scratch.c.id).order_by(scratch.c.id)).scalars().all() == [11, 12]


def test_a_failed_statement_rolls_the_whole_transaction_back_and_the_connection_serves_on(engine, sent, scratch):
    sent.clear()
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(scratch.insert().values(id=1))
        connection.execute(scratch.insert().values(id=1))
    assert sent[-1] == "ROLLBACK"
    with engine.begin() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(scratch)).scalar() == 0


def test_an_autocommit_or_repeatable_read_use_leaves_the_connection_at_the_servers_default(engine):
    """An explicit READ COMMITTED left behind made psycopg2 send `SET default_transaction_isolation
    TO DEFAULT` after every later autocommit statement: a round trip per outbox hand-off and per
    token looked up."""
    for level in ("AUTOCOMMIT", "REPEATABLE READ"):
        with engine.connect().execution_options(isolation_level=level) as connection:
            connection.execute(sa.text("SELECT 1"))
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection.isolation is None, level
            assert connection.execute(sa.text("SHOW transaction_isolation")).scalar() == "read committed"
