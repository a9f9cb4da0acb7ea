"""Keyset paging of newest-first lists: an opaque cursor for the last row shown, and a capped count.

A cursor holds the last row's (created_at, id), so the next page starts right after it whatever was
registered meanwhile, and costs the same on page 500 as on page 2 (an OFFSET reads every row it
skips). An exact total over a million rows costs more than the page itself, so a list counts at most
`TOTAL_CAP` + 1 rows and says "more than 1,000" beyond.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

import sqlalchemy as sa

from shared.errors import InvalidInput

TOTAL_CAP = 1000
CURSOR_MAX_LENGTH = 200


def encode_cursor(created_at: dt.datetime, record_id: str) -> str:
    """The token a list answers as `next`: base64url of the last row's instant and id."""
    text = f"{created_at.isoformat()}|{record_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str = "after") -> tuple[dt.datetime, str]:
    """The (created_at, id) a cursor holds, or InvalidInput naming the field."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, record_id = text.split("|", 1)
        created_at = dt.datetime.fromisoformat(moment)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        created_at, record_id = None, ""
    if created_at is None or created_at.tzinfo is None or not 0 < len(record_id) <= 36:
        raise InvalidInput("cursor_invalid", field, "翻页位置无效，请回到第一页重新查看")
    return created_at, record_id


def newest_first(created_at: sa.ColumnElement, record_id: sa.ColumnElement) -> tuple:
    """The lists' order: newest first, ties broken by id so that every row has one place."""
    return created_at.desc(), record_id.asc()


def after(created_at: sa.ColumnElement, record_id: sa.ColumnElement, cursor: str) -> sa.ColumnElement[bool]:
    """The rows that come after the cursor in `newest_first` order.

    `created_at <= moment` repeats what the OR implies, so that the (created_at DESC, id) index
    can start its scan at the cursor instead of filtering from the newest row.
    """
    moment, last_id = decode_cursor(cursor)
    return sa.and_(created_at <= moment,
                   sa.or_(created_at < moment, sa.and_(created_at == moment, record_id > last_id)))


def capped_count_column(statement: sa.Select, cap: int = TOTAL_CAP) -> sa.ScalarSelect:
    """How many rows `statement` selects, counting no further than cap + 1: a scalar subquery that
    a page's own statement can carry (PostgreSQL runs it once), saving a round trip per page."""
    rows = statement.with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
    counted = sa.select(sa.func.count()).select_from(rows.order_by(None).limit(cap + 1).subquery())
    return counted.correlate(None).scalar_subquery().label("capped_total")


def page_answer(rows: list, per_page: int, total: int, read, cap: int = TOTAL_CAP) -> dict:
    """A list's answer from up to per_page + 1 rows: the items, the capped total and the next cursor."""
    shown = rows[:per_page]
    following = encode_cursor(shown[-1].created_at, shown[-1].id) if len(rows) > per_page else None
    return {"items": [read(row) for row in shown], "total": min(total, cap), "total_capped": total > cap,
            "per_page": per_page, "next": following}
