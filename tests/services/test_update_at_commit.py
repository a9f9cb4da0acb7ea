"""A locked record's changes written by the unit of work's last statement (`update_at_commit`), against
a real database: once, with the version moved on once, however often the ORM flushes in between;
nothing written when the command fails or changes nothing. A new record written by it too
(`insert_at_commit`), with its defaults, and the statements run with it (`run_at_commit`)."""

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

from shared.db import UnitOfWork, insert_at_commit, make_engine, run_at_commit, update_at_commit


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "held_things"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[int] = mapped_column(sa.Integer)
    version: Mapped[int] = mapped_column(sa.Integer)
    __mapper_args__ = {"version_id_col": version}


class NewThing(Base):
    __tablename__ = "new_things"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    status: Mapped[str] = mapped_column(sa.String(20), default="new")
    tags: Mapped[list] = mapped_column(sa.JSON, default=list)
    note: Mapped[str | None] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    parts: Mapped[list["NewPart"]] = relationship(cascade="all, delete-orphan", lazy="select")
    __mapper_args__ = {"version_id_col": version}


class StampedThing(Base):
    __tablename__ = "stamped_things"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    made_at: Mapped[str] = mapped_column(sa.String(30), server_default=sa.text("now()::text"))


class NewPart(Base):
    __tablename__ = "new_parts"
    thing_id: Mapped[str] = mapped_column(sa.ForeignKey("new_things.id"), primary_key=True)
    position: Mapped[int] = mapped_column(sa.Integer, primary_key=True)


@pytest.fixture
def engine(databases):
    engine = make_engine(databases["projects"], 2)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


def _thing(engine) -> str:
    thing_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(sa.insert(Thing.__table__).values(id=thing_id, status="new", amount=1, version=1))
    return thing_id


def _stored(engine, thing_id):
    with engine.connect() as connection:
        return connection.execute(sa.select(Thing.__table__).where(Thing.id == thing_id)).one()


def _locked(session, thing_id) -> Thing:
    thing = session.scalars(sa.select(Thing).where(Thing.id == thing_id).with_for_update()).one()
    update_at_commit(session, thing)
    return thing


def test_changes_across_flushes_are_written_once_by_the_statement_that_commits(engine):
    thing_id = _thing(engine)
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    with UnitOfWork(sessionmaker(engine, expire_on_commit=False), "projects") as uow:
        thing = _locked(uow.session, thing_id)
        thing.status = "approved"
        uow.session.flush()
        uow.session.execute(sa.select(sa.literal(1)))  # a statement in between, as a command reads
        thing.status, thing.amount = "lent", 5
        assert thing.version == 2  # as the commit writes it: the answer shows the stored version
        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            uow.commit()
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1 and "held_things" in statements[0]  # the row, with the commit
    assert tuple(_stored(engine, thing_id)) == (thing_id, "lent", 5, 2)


def test_a_flush_after_a_held_change_leaves_the_orm_nothing_to_do(engine):
    """The held record's changes are taken at the flush, and the record is then clean: the ORM does
    not go through its unit of work for it (an empty flush of a loan was a twentieth of a step)."""
    thing_id = _thing(engine)
    flushed = []
    with UnitOfWork(sessionmaker(engine, expire_on_commit=False), "projects") as uow:
        thing = _locked(uow.session, thing_id)
        sa.event.listen(uow.session, "after_flush", lambda session, context: flushed.append(context))
        thing.status = "approved"
        uow.session.flush()
        assert flushed == [] and thing not in uow.session.dirty
        thing.amount = 7  # changed again after the flush: taken again at the next
        uow.session.flush()
        assert flushed == [] and thing.version == 2
        uow.commit()
    assert tuple(_stored(engine, thing_id)) == (thing_id, "approved", 7, 2)


def test_a_command_that_fails_or_changes_nothing_writes_nothing(engine):
    thing_id = _thing(engine)
    with pytest.raises(RuntimeError), UnitOfWork(sessionmaker(engine, expire_on_commit=False), "projects") as uow:
        _locked(uow.session, thing_id).status = "approved"
        uow.session.flush()
        raise RuntimeError("the command refuses")
    with UnitOfWork(sessionmaker(engine, expire_on_commit=False), "projects") as uow:
        _locked(uow.session, thing_id)
        uow.commit()
    assert tuple(_stored(engine, thing_id)) == (thing_id, "new", 1, 1)


def test_statements_run_at_commit_go_with_the_last_statement_and_read_each_others_returning(engine):
    """`run_at_commit`: clauses in order, a later one reading an earlier one's RETURNING by its name;
    nothing of them when the command fails."""
    def build(tag):
        first = f"INSERT INTO held_things (id, status, amount, version) VALUES (:{tag}_id, 'new', 1, 1) RETURNING id"
        second = (f"INSERT INTO held_things (id, status, amount, version) "
                  f"SELECT left(id, 8) || '-copy', 'copy', 2, 1 FROM first_{tag}")
        return [(f"first_{tag}", first), (f"second_{tag}", second)], {f"{tag}_id": thing_id}

    thing_id = str(uuid.uuid4())
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        with UnitOfWork(sessionmaker(engine, expire_on_commit=False), "projects") as uow:
            run_at_commit(uow.session, build)
            assert statements == []  # nothing written before the commit
            uow.commit()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1
    assert tuple(_stored(engine, f"{thing_id[:8]}-copy")) == (f"{thing_id[:8]}-copy", "copy", 2, 1)
    thing_id = str(uuid.uuid4())
    with pytest.raises(RuntimeError), UnitOfWork(sessionmaker(engine, expire_on_commit=False), "projects") as uow:
        run_at_commit(uow.session, build)
        raise RuntimeError("the command refuses")
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).where(Thing.id.startswith(thing_id[:8]))) == 0


def test_a_new_record_is_written_with_its_defaults_by_the_statement_that_commits(engine):
    """`insert_at_commit`: nothing before the commit, reading it asks nothing, a flush writes nothing;
    its parts, inserted first, reference it; a command that fails writes none of it."""
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    def command(uow, fail=False) -> NewThing:
        thing = NewThing(id=str(uuid.uuid4()), note=None, tags=["a"])
        thing.parts = [NewPart(thing_id=thing.id, position=n) for n in (1, 2)]
        for part in thing.parts:
            insert_at_commit(uow.session, part)
        insert_at_commit(uow.session, thing)
        uow.session.flush()
        assert (thing.status, thing.tags, thing.note, thing.version) == ("new", ["a"], None, 1)
        assert [part.position for part in thing.parts] == [1, 2]
        if fail:
            raise RuntimeError("the command refuses")
        return thing

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        with UnitOfWork(sessionmaker(engine, expire_on_commit=False), "projects") as uow:
            thing = command(uow)
            assert statements == []  # nothing written, nothing read back
            uow.commit()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1 and "new_things" in statements[0] and "new_parts" in statements[0]
    with engine.connect() as connection:
        assert tuple(connection.execute(sa.select(NewThing.__table__).where(NewThing.id == thing.id)).one()) == (
            thing.id, "new", ["a"], None, 1)
        assert connection.scalar(sa.select(sa.func.count()).where(NewPart.thing_id == thing.id)) == 2
    with pytest.raises(RuntimeError), UnitOfWork(sessionmaker(engine, expire_on_commit=False), "projects") as uow:
        command(uow, fail=True)
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(NewThing.__table__)) == 1


def test_a_record_whose_default_the_database_gives_is_refused_before_anything_is_written(engine):
    """Its value is known only once the row is there, and reading it would ask for a row not yet there."""
    with UnitOfWork(sessionmaker(engine, expire_on_commit=False), "projects") as uow:
        with pytest.raises(ValueError, match="made_at"):
            insert_at_commit(uow.session, StampedThing(id=str(uuid.uuid4())))
        assert not uow.session.new and not uow.session.info.get("guiyan_at_commit")
