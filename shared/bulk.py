"""Many rows into a table with one statement and one parameter (an import's batches, the outbox's
many-row insert)."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session


def _json_value(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def insert_rows(session: Session, table: sa.Table, rows: list[dict], *, skip_existing: bool = False) -> None:
    """Many rows (dicts with the same keys, the table's column names) inserted with one statement and
    one parameter: the rows as a JSON array that PostgreSQL spreads into the table's row type
    (`jsonb_populate_recordset`). For batches of thousands: the usual executemany bound every value
    through SQLAlchemy's processors, about 60 µs of the process per row of an import; this is one
    `json.dumps`. Columns left out take NULL, not their defaults, so they are not named at all.
    `skip_existing`: a row whose unique key is taken is left out (ON CONFLICT DO NOTHING)."""
    if not rows:
        return
    preparer = session.get_bind().dialect.identifier_preparer
    name = preparer.format_table(table)
    columns = ", ".join(preparer.quote(column) for column in rows[0])
    session.execute(sa.text(f"INSERT INTO {name} ({columns}) SELECT {columns} "  # noqa: S608 (names from the table)
                            f"FROM jsonb_populate_recordset(NULL::{name}, CAST(:rows AS jsonb))"
                            + (" ON CONFLICT DO NOTHING" if skip_existing else "")),
                    {"rows": json.dumps(rows, default=_json_value, ensure_ascii=False)})
