"""A keyed command against a real database: the stored result is looked for only when the command
cannot commit (a replay), never before a first run (a round trip of every keyed command)."""

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from shared.db import DatabaseAccess, make_engine
from shared.errors import Conflict, InvalidState
from shared.idempotency import run_once


@pytest.fixture
def db(databases):
    engine = make_engine(databases["registry"], 2)
    yield DatabaseAccess(sessionmaker(engine, expire_on_commit=False), "registry", engine)
    engine.dispose()


def test_a_first_run_does_not_look_for_a_stored_result_and_a_replay_answers_it(db):
    engine = db.engine
    statements: list[str] = []
    runs: list[int] = []
    reached: list[dict] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def work(uow):
        runs.append(1)
        uow.session.execute(sa.text("SELECT 1"))
        return {"run": len(runs)}

    def reach(session, result):
        reached.append(result)

    key = f"k-{uuid.uuid4()}"
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert run_once(db, "account-1", "register", key, {"a": 1}, work, reach) == {"run": 1}
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT") and "command_log" in s]
    assert reached == []

    # a replay whose work would succeed again: refused by the key's row, once, and answered with
    # the stored result after the access check; nothing of the second run is kept
    assert run_once(db, "account-1", "register", key, {"a": 1}, work, reach) == {"run": 1}
    assert len(runs) == 2 and reached == [{"run": 1}]

    def refused(uow):
        raise InvalidState("already_done", None, "已经办理")

    # a replay the domain refuses (a loan already lent) is answered with the stored result too
    assert run_once(db, "account-1", "register", key, {"a": 1}, refused, reach) == {"run": 1}
    # the same key for another request is a conflict, as before
    with pytest.raises(Conflict) as caught:
        run_once(db, "account-1", "register", key, {"a": 2}, work, reach)
    assert caught.value.code == "idempotency_key_reused"
    # another account's key of the same name is its own: run afresh
    assert run_once(db, "account-2", "register", key, {"a": 1}, work, reach) == {"run": 4}
    # with nothing stored, the domain's refusal stands
    with pytest.raises(InvalidState):
        run_once(db, "account-1", "register", f"k-{uuid.uuid4()}", {}, refused, reach)
    with db.read() as session:
        kept = session.execute(sa.text("SELECT scope, result FROM command_log WHERE key = :key ORDER BY scope"),
                               {"key": key}).all()
    assert [(scope, result) for scope, result in kept] == [("account-1/register", {"run": 1}),
                                                            ("account-2/register", {"run": 4})]
