"""The gateway's sessions without the ORM (`CoreSession`) against a real database: a unit of work
commits or leaves nothing, and a read sees one snapshot, as the ORM's sessions do."""

import uuid

import pytest
import sqlalchemy as sa

from services.gateway.models import users
from shared.db import DatabaseAccess, make_engine, session_factory


@pytest.fixture
def db(databases):
    engine = make_engine(databases["gateway"], 2)
    yield DatabaseAccess(session_factory(engine, mapped=False), "gateway", engine)
    engine.dispose()


def _user(name: str) -> dict:
    return {"username": name, "password_hash": "x", "role": "admin"}


def _count(db, name: str) -> int:
    with db.read() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(users).where(users.c.username == name))


def test_a_unit_of_work_commits_with_its_defaults_or_leaves_nothing(db):
    kept, dropped = f"kept_{uuid.uuid4().hex[:8]}", f"dropped_{uuid.uuid4().hex[:8]}"
    with db.unit_of_work() as uow:
        row = uow.session.execute(sa.insert(users).values(**_user(kept)).returning(*users.c)).one()
        uow.commit()
    assert row.id and row.active is True and row.display_name == "" and row.created_at is not None
    with pytest.raises(RuntimeError), db.unit_of_work() as uow:
        uow.session.execute(sa.insert(users).values(**_user(dropped)))
        raise RuntimeError("the command failed after its first statement")
    assert (_count(db, kept), _count(db, dropped)) == (1, 0)


def test_a_read_sees_one_snapshot_and_gives_its_connection_back(db):
    name = f"later_{uuid.uuid4().hex[:8]}"
    with db.read() as session:
        assert session.scalar(sa.text("SHOW transaction_isolation")) == "repeatable read"
        before = session.scalar(sa.select(sa.func.count()).select_from(users))
        with db.unit_of_work() as uow:  # another connection commits meanwhile
            uow.session.execute(sa.insert(users).values(**_user(name)))
            uow.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(users)) == before
    assert _count(db, name) == 1
    assert db.engine.pool.checkedout() == 0
    with db.engine.connect() as connection:  # the pool's connection is back at the default level
        assert connection.scalar(sa.text("SHOW transaction_isolation")) == "read committed"
