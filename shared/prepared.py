"""A statement the process runs again and again is prepared on each connection once, then executed.

PostgreSQL parses, analyses and plans every statement sent as text, and psycopg2 sends every one as
text: under a loan flow, half of the database's CPU went on that, for statements that differ only
in their values. Here a statement seen `PREPARE_AFTER` times in the process is prepared once per
connection, `PREPARE gN AS <statement with $1, $2…>` in a round trip of its own (PostgreSQL keeps
the text a PREPARE came in: values sent with it, an import's batch, would stay in the server's
memory), and from then on sent as `EXECUTE gN(…)`, psycopg2 quoting the values as before. After
five executions PostgreSQL keeps a generic plan where it costs no more than planning each time.

The values keep their meaning:

- The first time the process prepares a statement it asks PostgreSQL what type each parameter got
  (`pg_prepared_statements`), and keeps it prepared only if every value of this execution (one
  without NULLs, if one comes soon) means the same there as in the text statement: a string is an
  untyped literal either way; a number, a day, a moment, a flag or a list must have got a type of
  its own kind. `SELECT %(x)s` of a number (text when prepared) or `int_column / %(x)s` of a
  fraction (rounded to an integer when prepared) stay text statements for good, as does any
  statement PostgreSQL cannot prepare (a parameter whose type nothing decides).
- Only SELECT, INSERT, UPDATE, DELETE and WITH statements of one statement are prepared.
- Inside a transaction a PREPARE runs in a savepoint, so that a refusal leaves the caller's
  transaction as it was; outside one it goes before the transaction's BEGIN.

A prepared statement belongs to its connection and outlives its transactions (a rollback keeps it);
each connection prepares at most `PER_CONNECTION`. An error saying the statement is gone or its
result changed shape (a migration altered a column it returns) forgets it on that connection, to be
prepared again. Behind a pooler that hands a connection's server session to others between
transactions (PgBouncer in transaction mode) names would clash: `GUIYAN_DB_PREPARED_STATEMENTS=false`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg2
import psycopg2.extensions

IDLE = psycopg2.extensions.TRANSACTION_STATUS_IDLE

PREPARE_AFTER = 3  # executions in this process before a statement is prepared
PER_CONNECTION = 100  # statements a connection keeps prepared (each holds a plan in its server process)
PATIENCE = PREPARE_AFTER + 20  # executions waited for one whose values are all known (not NULL)
SEEN_AT_MOST = 5_000  # statements counted at once (one-off texts, IN lists of every length, are forgotten)
GONE = {"26000", "0A000"}  # invalid_sql_statement_name; feature_not_supported (cached plan changed shape)

_PARAMETER = re.compile(r"%\(([^)]+)\)s")
_PREPARABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)

# the PostgreSQL types in which a value of each Python type means what it means as a literal
_FRACTIONS = {"numeric", "real", "double precision"}
_KINDS: dict[type, set[str]] = {
    bool: {"boolean"},
    int: {"smallint", "integer", "bigint", *_FRACTIONS},
    float: _FRACTIONS,
    decimal.Decimal: _FRACTIONS,
    dt.datetime: {"timestamp with time zone", "timestamp without time zone"},
    dt.date: {"date", "timestamp with time zone", "timestamp without time zone"},
    dt.timedelta: {"interval"},
    uuid.UUID: {"uuid"},
    bytes: {"bytea"},
    memoryview: {"bytea"},
}


@dataclass(frozen=True)
class Shape:
    """A statement as PREPARE takes it, and the arguments EXECUTE gives it."""

    body: str  # the statement with $1, $2… for its parameters (sent alone: its % single)
    names: tuple[str, ...]  # the parameters' names, $1's first

    def execute(self, name: str) -> str:
        """EXECUTE of the statement prepared as `name`, its arguments for psycopg2 to fill in."""
        arguments = f"({', '.join(f'%({n})s' for n in self.names)})" if self.names else ""
        return f"EXECUTE {name}{arguments}"

    @classmethod
    def of(cls, statement: str) -> Shape | None:
        if not _PREPARABLE.match(statement) or ";" in statement or "$" in statement:
            return None
        names: list[str] = []

        def numbered(match: re.Match) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        body = _PARAMETER.sub(numbered, statement).replace("%%", "%")
        if "%" in _PARAMETER.sub("", statement).replace("%%", ""):
            return None  # a placeholder of another style: left to psycopg2
        return cls(body, tuple(names))


class Statements:
    """What this process knows of its statements: how often each ran, which prepare well, which not."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.shapes: dict[str, Shape] = {}  # prepared once and kept: every connection may prepare it
        self.refused: set[str] = set()

    def due(self, statement: str) -> bool:
        """Whether `statement` has run often enough to be worth preparing (counts this execution)."""
        count = self.seen.get(statement, 0) + 1
        if len(self.seen) >= SEEN_AT_MOST and count == 1:
            self.seen.clear()
        self.seen[statement] = count
        return count >= PREPARE_AFTER


STATEMENTS = Statements()


def means_the_same(value: Any, type_name: str) -> bool:
    """Whether `value`, quoted by psycopg2 into EXECUTE's arguments, means there what it means as a
    literal in the statement: a string or NULL is untyped either way, others need a type of their kind."""
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, list | tuple):
        return type_name.endswith("[]")
    kinds = _KINDS.get(type(value))
    if kinds is None:  # bool before int: a bool is an int to isinstance, not to PostgreSQL
        kinds = next((kinds for kind, kinds in _KINDS.items() if isinstance(value, kind)), None)
    return kinds is not None and type_name in kinds


class Preparing:
    """The mixin of a psycopg2 connection (shared.dbapi's FramedConnection) that prepares what its
    process runs often."""

    prepare = True
    prepared: dict[str, str]  # statement: its EXECUTE on this connection
    named = 0

    def as_sent(self, cursor, statement: str, parameters: Any) -> str:
        """What to send for `statement`: itself, or an EXECUTE of it prepared (first preparing it on
        this connection, with a PREPARE of its own)."""
        execute = self.prepared.get(statement)
        if execute is not None:
            return execute
        if not self.prepare or len(self.prepared) >= PER_CONNECTION or not isinstance(parameters, dict | None):
            return statement
        shape = STATEMENTS.shapes.get(statement)
        if shape is None:  # not yet prepared in this process
            if statement in STATEMENTS.refused or not STATEMENTS.due(statement):
                return statement
            return self._first(cursor, statement, parameters or {})
        name = self._name()
        if self._prepare(cursor, name, shape) is None:
            # refused here though prepared elsewhere (the schema changed under it): text from now on
            STATEMENTS.shapes.pop(statement, None)
            STATEMENTS.refused.add(statement)
            return statement
        execute = self.prepared[statement] = shape.execute(name)
        return execute

    def forget(self, statement: str, error: BaseException) -> None:
        """After `error` from `statement`: a prepared statement gone or changed is prepared again."""
        if getattr(error, "pgcode", None) in GONE:
            self.prepared.pop(statement, None)

    def _name(self) -> str:
        self.named += 1
        return f"g{self.named}"

    def _prepare(self, cursor, name: str, shape: Shape, *, ask_types: bool = False) -> list[str] | None:
        """PREPARE `shape` as `name` on this connection, in a statement of its own: PostgreSQL keeps
        the text a statement came in, and EXECUTE's values (an import's batch) are not to stay with it.
        Inside a transaction, in a savepoint, so that a refusal leaves the transaction as it was.
        Returns the parameters' types when asked, [] when not, None when PostgreSQL refused."""
        in_transaction = self.get_transaction_status() != IDLE  # type: ignore[attr-defined]
        asked = [f"PREPARE {name} AS {shape.body}"]
        if ask_types:
            asked.append(f"SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = '{name}'")
        if in_transaction:
            asked = ["SAVEPOINT guiyan_prepare", asked[0], "RELEASE SAVEPOINT guiyan_prepare", *asked[1:]]
        try:
            cursor.execute("; ".join(asked))
            return (cursor.fetchone()[0] or []) if ask_types else []
        except psycopg2.OperationalError:  # the connection or the server, not the statement
            raise
        except psycopg2.Error:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT guiyan_prepare; RELEASE SAVEPOINT guiyan_prepare")
            return None

    def _first(self, cursor, statement: str, parameters: dict) -> str:
        """The process's first PREPARE of `statement`, kept if its parameters' types keep this
        execution's values' meaning (the module's docstring); what to send."""
        shape = Shape.of(statement)
        if shape is None or any(name not in parameters for name in shape.names):
            STATEMENTS.refused.add(statement)
            return statement
        if any(parameters[name] is None for name in shape.names) and STATEMENTS.seen[statement] < PATIENCE:
            return statement  # a NULL tells nothing of the values to come: judged on a later execution
        name = self._name()
        types = self._prepare(cursor, name, shape, ask_types=True)
        if types is None or not all(means_the_same(parameters[n], t) for n, t in zip(shape.names, types, strict=True)):
            if types is not None:
                cursor.execute(f"DEALLOCATE {name}")
            STATEMENTS.refused.add(statement)
            return statement
        STATEMENTS.shapes[statement] = shape
        execute = self.prepared[statement] = shape.execute(name)
        return execute
