"""Many rows as one JSON parameter (`shared.bulk.insert_rows`): every column type the import and the
outbox use comes back as it went in; a taken key is skipped only when asked."""

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import sessionmaker

from shared.bulk import insert_rows


@pytest.fixture
def table(databases):
    engine = sa.create_engine(databases["registry"].replace("postgresql://", "postgresql+psycopg2://", 1))
    metadata = sa.MetaData()
    made = sa.Table(f"bulk_{uuid.uuid4().hex[:8]}", metadata,
                    sa.Column("id", sa.String(36), primary_key=True), sa.Column("name", sa.String(40)),
                    sa.Column("tags", ARRAY(sa.String)), sa.Column("born", sa.Date),
                    sa.Column("at", sa.DateTime(timezone=True)), sa.Column("fen", sa.BigInteger),
                    sa.Column("body", JSONB), sa.Column("note", sa.String(20), server_default="默认"))
    metadata.create_all(engine)
    yield engine, made
    metadata.drop_all(engine)
    engine.dispose()


def test_rows_come_back_as_they_went_in_and_columns_left_out_keep_their_default(table):
    engine, made = table
    at = dt.datetime(2026, 12, 4, 8, 30, tzinfo=dt.timezone.utc)
    rows = [{"id": "a", "name": "张伟", "tags": ["返乡", "电商"], "born": dt.date(1990, 1, 2), "at": at,
             "fen": 3_000_000_00, "body": {"payload": {"ids": [1, 2]}, "text": "引号\"与反斜杠\\"}},
            {"id": "b", "name": "O'Brien", "tags": [], "born": None, "at": at, "fen": 0, "body": None}]
    with sessionmaker(engine)() as session:
        insert_rows(session, made, rows)
        session.commit()
    with engine.connect() as connection:
        back = [dict(row._mapping) for row in connection.execute(sa.select(made).order_by(made.c.id))]
    assert back[0] == {**rows[0], "note": "默认"}
    assert back[1] == {**rows[1], "note": "默认"}


def test_a_taken_key_fails_the_statement_unless_it_is_to_be_skipped(table):
    engine, made = table
    with sessionmaker(engine)() as session:
        insert_rows(session, made, [{"id": "a", "name": "一"}])
        session.commit()
        insert_rows(session, made, [{"id": "a", "name": "二"}, {"id": "b", "name": "三"}], skip_existing=True)
        session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            insert_rows(session, made, [{"id": "b", "name": "四"}])
        session.rollback()
        insert_rows(session, made, [])  # nothing to do: no statement
    with engine.connect() as connection:
        assert connection.execute(sa.select(made.c.id, made.c.name).order_by(made.c.id)).all() == [("a", "一"),
                                                                                                   ("b", "三")]


def test_the_rows_written_are_returned_and_a_taken_key_may_update_the_existing_row(table):
    """An event batch's inbox (which events are new), a consumer's running totals (added to)."""
    engine, made = table
    with sessionmaker(engine)() as session:
        insert_rows(session, made, [{"id": "a", "name": "一", "fen": 100}])
        new = insert_rows(session, made, [{"id": "a", "name": "二"}, {"id": "b", "name": "三"}],
                          skip_existing=True, returning=("id", "name"))
        assert [tuple(row) for row in new] == [("b", "三")]
        added = insert_rows(session, made, [{"id": "a", "fen": 50}, {"id": "c", "fen": 7}],
                            on_conflict="(id) DO UPDATE SET fen = existing.fen + excluded.fen", returning=("id", "fen"))
        assert sorted(tuple(row) for row in added) == [("a", 150), ("c", 7)]
        assert insert_rows(session, made, [], returning=("id",)) == []
        session.commit()
    with engine.connect() as connection:
        assert connection.execute(sa.select(made.c.id, made.c.name, made.c.fen).order_by(made.c.id)).all() == [
            ("a", "一", 150), ("b", "三", None), ("c", None, 7)]


def test_rows_of_several_tables_go_in_one_statement_or_not_at_all(table):
    """A command's stored result and its events: both written, or, when a key is taken, neither."""
    from shared.bulk import insert_rows_together

    engine, made = table
    other = sa.Table(f"{made.name}_log", made.metadata, sa.Column("key", sa.String(10), primary_key=True),
                     sa.Column("result", JSONB))
    other.create(engine)
    try:
        with sessionmaker(engine)() as session:
            insert_rows_together(session, [(other, [{"key": "k1", "result": {"id": "a", "状态": "已放款"}}]),
                                           (made, [{"id": "a", "name": "一"}, {"id": "b", "name": "二"}]),
                                           (made, [])])
            session.commit()
            with pytest.raises(sa.exc.IntegrityError):
                insert_rows_together(session, [(other, [{"key": "k1", "result": {}}]), (made, [{"id": "c"}])])
            session.rollback()
            insert_rows_together(session, [(other, [])])  # nothing to do: no statement
        with engine.connect() as connection:
            assert connection.execute(sa.select(other)).all() == [("k1", {"id": "a", "状态": "已放款"})]
            assert connection.execute(sa.select(made.c.id).order_by(made.c.id)).scalars().all() == ["a", "b"]
    finally:
        other.drop(engine)
