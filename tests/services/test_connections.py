"""Pooled connections: how a transaction is framed on the wire (shared.dbapi), and what a borrowed
connection's settings leave behind for its next user."""

import uuid

import psycopg2.extensions
import pytest
import sqlalchemy as sa

from shared import clock, events, prepared
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
        connection.execute(sa.text("SELECT 1 AS alone"))
    assert sent == ["SELECT 1 AS alone"]


def test_a_read_sees_one_snapshot_and_ends_with_a_rollback(engine, sent):
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        assert connection.execute(sa.text("SHOW transaction_isolation")).scalar() == "repeatable read"
    assert sent == ["BEGIN ISOLATION LEVEL REPEATABLE READ; SHOW transaction_isolation", "ROLLBACK"]


def test_a_unit_of_work_commits_with_the_statement_that_writes_its_events(engine, sent, scratch, monkeypatch):
    # what the process ran before (a service's tests in this process) would have the outbox's
    # statement prepared first, in a round trip of its own (shared.prepared)
    monkeypatch.setattr(prepared, "STATEMENTS", prepared.Statements())
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


LOCK = sa.text("SELECT pg_advisory_xact_lock(4242, :city)").execution_options(guiyan_with_next=True)


def _taken_elsewhere(databases, city: int) -> bool:
    other = psycopg2.connect(databases["registry"])
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(4242, %s)", (city,))
            return not cursor.fetchone()[0]
    finally:
        other.close()


def test_a_statement_held_for_the_next_goes_in_its_round_trip(engine, databases, sent, scratch):
    """A lock whose result nobody reads goes with the statement after it (its values filled in,
    a `%` among them left as it is), or with the COMMIT; a rollback never sends it."""
    sent.clear()
    with engine.begin() as connection:
        connection.execute(LOCK, {"city": 1})
        assert not _taken_elsewhere(databases, 1)  # not sent yet
        assert connection.execute(sa.text("SELECT :x || '%'"), {"x": "50"}).scalar() == "50%"
        assert _taken_elsewhere(databases, 1)
    assert sent == ["BEGIN; SELECT pg_advisory_xact_lock(4242, 1); SELECT %(x)s || '%%'", "COMMIT"]
    sent.clear()
    with engine.begin() as connection:
        connection.execute(scratch.insert().values(id=1))
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(4242, length(:note))").execution_options(
            guiyan_with_next=True), {"note": "100%"})
    assert sent[-1] == "SELECT pg_advisory_xact_lock(4242, length('100%')); COMMIT", sent
    sent.clear()
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.execute(LOCK, {"city": 2})
        raise RuntimeError("the command refuses")
    assert sent == []


def test_the_statement_after_a_held_lock_reads_what_was_committed_while_it_waited(engine, databases, scratch):
    """Each statement of one round trip has its own snapshot: what another transaction committed
    before it let the lock go is what the next statement reads."""
    import threading

    seen = {}

    def waiting() -> None:
        with engine.begin() as connection:
            connection.execute(LOCK, {"city": 3})
            seen["count"] = connection.execute(sa.select(sa.func.count()).select_from(scratch)).scalar()

    other = psycopg2.connect(databases["registry"])
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(4242, 3)")
            cursor.execute(f"INSERT INTO {scratch.name} (id) VALUES (7)")
            thread = threading.Thread(target=waiting)
            thread.start()
            thread.join(0.5)
            assert "count" not in seen  # held back by the other's lock
        other.commit()
        thread.join(10)
    finally:
        other.close()
    assert seen["count"] == 1


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


# ---- statements run often are prepared (shared.prepared) ------------------------------------------


@pytest.fixture
def valued(engine):
    name = f"prepared_{uuid.uuid4().hex[:8]}"
    table = sa.Table(name, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("v", sa.Integer), sa.Column("note", sa.String(20)))
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": n, "v": n * 10, "note": f"n{n}"} for n in range(1, 6)])
    yield table
    table.drop(engine)


def _runs(engine, statement, times: int, **values) -> list:
    results = []
    for _ in range(times):
        with engine.begin() as connection:
            results.append(connection.execute(statement, values).all())
    return results


def test_a_statement_run_often_is_prepared_once_then_executed_with_its_values(engine, sent, valued):
    statement = sa.select(valued.c.v).where(valued.c.id == sa.bindparam("n"))
    sent.clear()
    assert [rows for n in (1, 2, 3, 4, 5) for rows in _runs(engine, statement, 1, n=n)] == [
        [(10,)], [(20,)], [(30,)], [(40,)], [(50,)]]
    text = [s for s in sent if s not in ("COMMIT",)]
    assert text[0].startswith("BEGIN; SELECT") and text[1].startswith("BEGIN; SELECT"), text
    assert text[2].startswith("PREPARE g") and "$1" in text[2] and "pg_prepared_statements" in text[2], text
    name = text[2].split("PREPARE ")[1].split(" ")[0]
    assert text[3:] == [f"BEGIN; EXECUTE {name}(%(n)s)"] * 3, text  # the PREPARE went before the BEGIN


def test_another_connection_prepares_it_with_its_first_execution(engine, databases, valued):
    statement = sa.select(valued.c.note).where(valued.c.id == sa.bindparam("n"), valued.c.note.like(sa.literal_column("'n%'")))
    _runs(engine, statement, 3, n=1)  # prepared in this process
    other = make_engine(databases["registry"], pool_size=1)
    sa.event.listen(other, "connect", lambda raw, record: setattr(raw, "cursor_factory", CountingCursor))
    try:
        CountingCursor.sent = []
        assert _runs(other, statement, 2, n=2) == [[("n2",)], [("n2",)]]
        sent = [s for s in CountingCursor.sent if s not in ("COMMIT", "SELECT 1")]  # SELECT 1: a new connection's ping
        assert sent[0].startswith("PREPARE g") and "LIKE 'n%'" in sent[0] and ";" not in sent[0], sent
        name = sent[0].split(" ")[1]
        assert sent[1:] == [f"BEGIN; EXECUTE {name}(%(n)s)"] * 2, sent
    finally:
        other.dispose()


def test_a_value_that_would_change_meaning_once_prepared_keeps_its_statement_as_text(engine, sent, valued):
    # the parameter of a bare `SELECT $1` is text: the number must come back a number
    statement = sa.select(sa.bindparam("x", type_=sa.Integer), valued.c.id).where(valued.c.id == 1)
    sent.clear()
    assert _runs(engine, statement, 5, x=7) == [[(7, 1)]] * 5
    assert not any("EXECUTE" in s for s in sent), sent


def test_a_statement_postgresql_cannot_prepare_leaves_the_transaction_as_it_was(engine, valued):
    statement = sa.text(f"SELECT :x IS NULL FROM {valued.name} WHERE id = 1")
    for n in range(4):
        with engine.begin() as connection:
            connection.execute(valued.update().where(valued.c.id == 1).values(v=100 + n))
            assert connection.execute(statement, {"x": "a"}).scalar() is False
    with engine.connect() as connection:
        assert connection.execute(sa.select(valued.c.v).where(valued.c.id == 1)).scalar() == 103


def test_a_prepared_change_counts_the_rows_it_changed(engine, valued):
    """The ORM's version check reads the count: EXECUTE must report the UPDATE's own."""
    statement = valued.update().where(valued.c.v >= sa.bindparam("at_least")).values(note=sa.bindparam("to"))
    for at_least, changed in ((10, 5), (20, 4), (30, 3), (40, 2), (50, 1), (60, 0)):
        with engine.begin() as connection:
            assert connection.execute(statement, {"at_least": at_least, "to": f"x{at_least}"}).rowcount == changed


def test_a_prepared_statement_whose_result_changed_shape_is_prepared_again(engine, valued):
    statement = sa.text(f"SELECT v FROM {valued.name} WHERE id = :n")
    _runs(engine, statement, 4, n=1)  # prepared on the pool's one connection
    with engine.begin() as connection:
        connection.execute(sa.text(f"ALTER TABLE {valued.name} ALTER COLUMN v TYPE bigint"))
    with pytest.raises(sa.exc.NotSupportedError), engine.begin() as connection:
        connection.execute(statement, {"n": 1})  # "cached plan must not change result type"
    assert _runs(engine, statement, 2, n=2) == [[(20,)], [(20,)]]


def test_an_engine_told_not_to_prepare_sends_every_statement_as_text(databases, valued):
    engine = make_engine(databases["registry"], pool_size=1, prepare=False)
    sa.event.listen(engine, "connect", lambda raw, record: setattr(raw, "cursor_factory", CountingCursor))
    try:
        CountingCursor.sent = []
        _runs(engine, sa.select(valued.c.id).where(valued.c.v == sa.bindparam("v")), 5, v=10)
        assert CountingCursor.sent and not any("PREPARE" in s or "EXECUTE" in s for s in CountingCursor.sent)
    finally:
        engine.dispose()


def test_the_server_keeps_no_value_with_a_prepared_statement(engine, databases, valued):
    """PostgreSQL keeps the text a statement was prepared with: an import's batch sent in the same
    round trip as the PREPARE stayed in the server's memory (2.5 MB per statement and connection)."""
    statement = sa.select(valued.c.id).where(valued.c.note == sa.bindparam("note"))
    _runs(engine, statement, 3, note="known")  # prepared in this process
    other = make_engine(databases["registry"], pool_size=1)
    try:
        assert _runs(other, statement, 1, note="n1-secret") == [[]]  # prepared on this connection
        with other.connect() as connection:
            kept = connection.execute(sa.text("SELECT string_agg(statement, ' ') FROM pg_prepared_statements")).scalar()
        assert valued.name in kept and "secret" not in kept, kept
    finally:
        other.dispose()
