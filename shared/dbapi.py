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

A statement executed with the `with_next` execution option (a lock whose result nobody reads) is
not sent at once but goes with the transaction's next statement, in its round trip: PostgreSQL runs
the statements of one query string in order, each on a snapshot of its own, so what the next one
reads is what was committed by the time the lock was granted. If the transaction ends first it goes
with the COMMIT (a rollback drops it).

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
WITH_NEXT = "guiyan_with_next"  # execution option: the statement goes with the transaction's next one
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
        self.held: list[tuple[str, str]] = []  # (statement as written, as it will be sent) for the next round trip

    def hold(self, cursor, statement: str, sent: str, parameters) -> None:
        """`sent` (`statement` as it is to be sent) with its values, to go before the next statement."""
        self.held.append((statement, cursor.mogrify(self.framed(sent, False), parameters).decode()))

    def take_held(self, escaped: bool) -> tuple[str, list[str]]:
        """The held statements as the prefix of the next one's text (`escaped`: its `%` doubled, for a
        text that psycopg2 fills in with values), and the statements as written."""
        if not self.held:
            return "", []
        held, self.held = self.held, []
        prefix = "".join(f"{text}; " for _, text in held)
        return (prefix.replace("%", "%%") if escaped else prefix), [statement for statement, _ in held]

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


def _with_next(context) -> bool:
    return context is not None and bool(context.execution_options.get(WITH_NEXT))


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
        prefix, _ = raw.take_held(False)
        if verb == "ROLLBACK":
            prefix = ""  # never sent: nothing of it to undo
        if prefix or raw.get_transaction_status() != IDLE:
            with raw.cursor() as cursor:
                cursor.execute(prefix + verb)

    def run(cursor, text: str, parameters, *statements: str) -> None:
        """`text` sent (with what is held before it); after an error, each statement that went with it
        is told (shared.prepared: a prepared statement gone is prepared again)."""
        raw = cursor.connection
        prefix, held = raw.take_held(parameters is not None)
        try:
            cursor.execute(prefix + text, parameters)
        except psycopg2.Error as error:
            for statement in (*held, *statements):
                raw.forget(statement, error)
            raise

    def do_execute(cursor, statement, parameters, context=None) -> None:
        raw = cursor.connection
        sent = raw.as_sent(cursor, statement, parameters)
        if _with_next(context):
            raw.hold(cursor, statement, sent, parameters)
            return
        run(cursor, raw.framed(sent, _commits(context)), parameters, *((statement,) if sent is not statement else ()))

    def do_execute_no_params(cursor, statement, context=None) -> None:
        run(cursor, cursor.connection.framed(statement, _commits(context)), None)

    def do_executemany(cursor, statement, parameters, context=None) -> None:
        raw = cursor.connection
        begin = raw.take_begin()  # held statements have taken it if they came first
        before = begin or raw.take_held(False)[0].removesuffix("; ")
        if before:  # a batch runs its statement many times: what goes before it goes on its own
            cursor.execute(before)
        executemany(cursor, statement, parameters, context)

    for name, hook in {"set_isolation_level": set_isolation_level, "reset_isolation_level": reset_isolation_level,
                       "detect_autocommit_setting": detect_autocommit_setting, "do_begin": do_begin,
                       "do_commit": lambda c: end(c, "COMMIT"), "do_rollback": lambda c: end(c, "ROLLBACK"),
                       "do_execute": do_execute, "do_execute_no_params": do_execute_no_params,
                       "do_executemany": do_executemany}.items():
        setattr(dialect, name, hook)
