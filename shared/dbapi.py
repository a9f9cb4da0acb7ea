"""A transaction's BEGIN sent with its first statement, and its COMMIT with its last when asked.

psycopg2 opens a transaction with a BEGIN of its own, a round trip before the first statement, and
ends it with a COMMIT or ROLLBACK of its own: three round trips for a one-statement transaction, and
two of every command's. Here the driver's connection stays in autocommit mode and the dialect frames
the transaction itself:

- `begin` only notes that a transaction is wanted (with its isolation level);
- the first statement goes as `BEGIN ISOLATION LEVEL …; <statement>` in one round trip (psycopg2
  sends a string of statements as one simple query and keeps the last one's result);
- a statement executed with the `commits` execution option goes as `<statement>; COMMIT`: the unit
  of work's last one, its events and stored result (`shared.db.UnitOfWork.commit`);
- `commit` and `rollback` send COMMIT or ROLLBACK only while the server says a transaction is open
  (libpq knows it without asking), so a transaction that never ran a statement, or committed with
  its last one, costs nothing more.

A statement that fails leaves the transaction open and failed on the server, as before, and the
rollback that follows ends it. `AUTOCOMMIT` isolation (a lookup, the relay's hand-off) frames
nothing: each statement is its own transaction.
"""

from __future__ import annotations

from typing import Any

import psycopg2
import psycopg2.extensions
import sqlalchemy as sa

from shared.prepared import IDLE, Preparing

COMMITS = "guiyan_commits"  # execution option: the statement ends its transaction
AUTOCOMMIT = "AUTOCOMMIT"  # SQLAlchemy's isolation level of a statement that is its own transaction


class FramedConnection(Preparing, psycopg2.extensions.connection):
    """A psycopg2 connection in autocommit mode that remembers the transaction its caller wants, and
    prepares the statements its process runs often (shared.prepared)."""

    isolation: str | None = None  # None: the server's default (READ COMMITTED)
    begin_pending = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.autocommit = True
        self.prepared = {}

    def take_begin(self) -> str | None:
        """The BEGIN the wanted transaction still needs, once; None when it has been sent or none is wanted."""
        if not self.begin_pending:
            return None
        self.begin_pending = False
        return f"BEGIN ISOLATION LEVEL {self.isolation}" if self.isolation else "BEGIN"

    def framed(self, statement: str, commits: bool) -> str:
        begin = self.take_begin()
        statement = f"{begin}; {statement}" if begin else statement
        return f"{statement}; COMMIT" if commits else statement


class UnpreparedConnection(FramedConnection):
    """Framed, never prepared: behind a pooler that shares server sessions between transactions."""

    prepare = False


def _raw(connection: Any) -> FramedConnection:
    """The driver's connection, given it or SQLAlchemy's pool proxy of it."""
    return getattr(connection, "dbapi_connection", connection)


def _commits(context) -> bool:
    return context is not None and bool(context.execution_options.get(COMMITS))


def frame_transactions(engine: sa.Engine) -> None:
    """Make `engine` (psycopg2, `connect_args={"connection_factory": FramedConnection}`) frame its transactions as
    this module says. Installed on the engine's own dialect, as SQLAlchemy's documented hooks are
    methods of it."""
    dialect = engine.dialect
    executemany = dialect.do_executemany

    def set_isolation_level(dbapi_connection, level: str) -> None:
        _raw(dbapi_connection).isolation = level

    def reset_isolation_level(dbapi_connection) -> None:
        # back to the server's own default, not to an explicit READ COMMITTED
        _raw(dbapi_connection).isolation = None

    def detect_autocommit_setting(dbapi_connection) -> bool:
        return _raw(dbapi_connection).isolation == AUTOCOMMIT

    def do_begin(dbapi_connection) -> None:
        raw = _raw(dbapi_connection)
        raw.begin_pending = raw.isolation != AUTOCOMMIT

    def end(dbapi_connection, verb: str) -> None:
        raw = _raw(dbapi_connection)
        raw.begin_pending = False
        if raw.get_transaction_status() != IDLE:
            with raw.cursor() as cursor:
                cursor.execute(verb)

    def do_execute(cursor, statement, parameters, context=None) -> None:
        raw = cursor.connection
        sent = raw.as_sent(cursor, statement, parameters)
        try:
            cursor.execute(raw.framed(sent, _commits(context)), parameters)
        except psycopg2.Error as error:
            if sent is not statement:
                raw.forget(statement, error)
            raise

    def do_execute_no_params(cursor, statement, context=None) -> None:
        cursor.execute(cursor.connection.framed(statement, _commits(context)))

    def do_executemany(cursor, statement, parameters, context=None) -> None:
        begin = cursor.connection.take_begin()
        if begin:  # a batch runs its statement many times: BEGIN goes on its own
            cursor.execute(begin)
        executemany(cursor, statement, parameters, context)

    for name, hook in {"set_isolation_level": set_isolation_level, "reset_isolation_level": reset_isolation_level,
                       "detect_autocommit_setting": detect_autocommit_setting, "do_begin": do_begin,
                       "do_commit": lambda c: end(c, "COMMIT"), "do_rollback": lambda c: end(c, "ROLLBACK"),
                       "do_execute": do_execute, "do_execute_no_params": do_execute_no_params,
                       "do_executemany": do_executemany}.items():
        setattr(dialect, name, hook)
