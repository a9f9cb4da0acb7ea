"""Many rows into a table with one statement and one parameter (an import's batches, the outbox's
many-row insert)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


# the statements these helpers write are few (one per table, columns and clauses), and each came
# again with every command and every batch of events: SQLAlchemy's `text` scans a statement for its
# parameters each time it is made (a statement at commit is a few thousand characters)
_text = functools.lru_cache(maxsize=512)(sa.text)


def _json_value(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def insert_rows(session: Session, table: sa.Table, rows: list[dict], *, skip_existing: bool = False,
                on_conflict: str | None = None, returning: tuple[str, ...] = ()) -> list[sa.Row]:
    """Many rows (dicts with the same keys, the table's column names) inserted with one statement and
    one parameter: the rows as a JSON array that PostgreSQL spreads into the table's row type
    (`jsonb_populate_recordset`). For batches of thousands: the usual executemany bound every value
    through SQLAlchemy's processors, about 60 µs of the process per row of an import; this is one
    `json.dumps`. For the few rows of an event batch too: the ORM's bulk insert and SQLAlchemy's
    many-values batches, whose statement is rewritten for every number of rows, were a third of a
    consumer's work per event. Columns left out take NULL, not their defaults, so they are not named
    at all.

    `skip_existing`: a row whose unique key is taken is left out (ON CONFLICT DO NOTHING);
    `on_conflict`: the clause after ON CONFLICT instead (a target and its action, of column names,
    `excluded.` for the row offered); `returning`: the columns of each row written, to return."""
    if not rows:
        return []
    preparer = session.get_bind().dialect.identifier_preparer
    conflict = f" ON CONFLICT {on_conflict}" if on_conflict else " ON CONFLICT DO NOTHING" if skip_existing else ""
    back = f" RETURNING {', '.join(preparer.quote(column) for column in returning)}" if returning else ""
    result = session.execute(_text(_insert_from_json(preparer, table, rows, "rows") + conflict + back),
                             {"rows": _as_json(rows)})
    return list(result) if returning else []


def update_rows(session: Session, table: sa.Table, rows: list[dict], *, key: str = "id") -> None:
    """Many rows (dicts with the same keys: `key` and the columns to set) updated with one statement
    and one parameter, as `insert_rows` inserts them: an executemany was a round trip per row."""
    if not rows:
        return
    preparer = session.get_bind().dialect.identifier_preparer
    name, match = preparer.format_table(table), preparer.quote(key)
    columns = [preparer.quote(column) for column in rows[0] if column != key]
    session.execute(_text(
        f"UPDATE {name} AS existing SET {', '.join(f'{column} = given.{column}' for column in columns)} "  # noqa: S608
        f"FROM jsonb_populate_recordset(NULL::{name}, CAST(:rows AS jsonb)) AS given "
        f"WHERE existing.{match} = given.{match}"), {"rows": _as_json(rows)})


def _insert_from_json(preparer, table: sa.Table, rows: list[dict], parameter: str) -> str:
    """INSERT of the rows' columns from the JSON array bound as `parameter`; the table is also
    `existing`, as an ON CONFLICT action names the row already there."""
    return _insert_sql(preparer, table, tuple(rows[0]), parameter)


# the SQL of the two helpers below, written once for each table and set of columns: quoting every
# name again for every command was about 2 % of finance's Python in a loan flow, by a CPU profile
@functools.lru_cache(maxsize=512)
def _insert_sql(preparer, table: sa.Table, names: tuple[str, ...], parameter: str) -> str:
    name = preparer.format_table(table)
    columns = ", ".join(preparer.quote(column) for column in names)
    return (f"INSERT INTO {name} AS existing ({columns}) SELECT {columns} "  # noqa: S608 (names from the table)
            f"FROM jsonb_populate_recordset(NULL::{name}, CAST(:{parameter} AS jsonb))")


def _as_json(rows: list[dict] | dict) -> str:
    return json.dumps(rows, default=_json_value, ensure_ascii=False)


def _update_from_json(preparer, table: sa.Table, row: dict, version: str | None, parameter: str) -> str:
    """UPDATE of the row whose primary key `row` holds, to its other columns, from the JSON object
    bound as `parameter`; `version`, a counter column moved on by one."""
    return _update_sql(preparer, table, tuple(row), version, parameter)


@functools.lru_cache(maxsize=512)
def _update_sql(preparer, table: sa.Table, names: tuple[str, ...], version: str | None, parameter: str) -> str:
    name = preparer.format_table(table)
    keys = {column.name for column in table.primary_key.columns}
    sets = [f"{preparer.quote(column)} = given.{preparer.quote(column)}" for column in names if column not in keys]
    if version is not None:
        sets.append(f"{preparer.quote(version)} = existing.{preparer.quote(version)} + 1")
    where = " AND ".join(f"existing.{preparer.quote(key)} = given.{preparer.quote(key)}" for key in sorted(keys))
    return (f"UPDATE {name} AS existing SET {', '.join(sets)} "  # noqa: S608 (names from the table)
            f"FROM jsonb_populate_record(NULL::{name}, CAST(:{parameter} AS jsonb)) AS given WHERE {where}")


def insert_rows_together(session: Session, batches: list[tuple[sa.Table, list[dict]]], *,
                         updates: Sequence[tuple[sa.Table, dict, str | None]] = (),
                         clauses: Sequence[tuple[list[tuple[str, str]], dict]] = (),
                         execution_options: dict | None = None) -> None:
    """Rows of several tables with one statement (each batch as `insert_rows` writes it, all but the
    last as a data-modifying WITH clause): a command's stored result and its events reach the
    database in one round trip, just before the transaction commits (with `execution_options`, the
    statement's own: the unit of work's commits the transaction too, see shared.dbapi). A batch
    without rows is left out; a taken key fails the whole statement. `updates`, (table, row, version
    column) of rows changed (`shared.db.update_at_commit`), go in the same statement, first; then
    `clauses`, each ([(name, SQL)], parameters) (`shared.db.run_at_commit`)."""
    batches = [(table, rows) for table, rows in batches if rows]
    if not batches and not updates and not clauses:
        return
    preparer = session.get_bind().dialect.identifier_preparer
    parts = [(f"updated{n}", _update_from_json(preparer, table, row, version, f"changed{n}"))
             for n, (table, row, version) in enumerate(updates)]
    parts += [clause for built, _ in clauses for clause in built]
    parts += [(f"written{n}", _insert_from_json(preparer, table, rows, f"rows{n}"))
              for n, (table, rows) in enumerate(batches)]
    values = {f"rows{n}": _as_json(rows) for n, (_, rows) in enumerate(batches)}
    values.update({f"changed{n}": _as_json(row) for n, (_, row, _) in enumerate(updates)})
    for _, parameters in clauses:
        values.update(parameters)
    *first, (_, last) = parts  # the last part is the statement, the others its WITH clauses
    prefix = f"WITH {', '.join(f'{name} AS ({sql})' for name, sql in first)} " if first else ""
    session.execute(_text(prefix + last).execution_options(**(execution_options or {})), values)
