"""Keyset paging in SQL: newest first, the rows after a cursor, and the total counted up to the cap."""

from __future__ import annotations

import sqlalchemy as sa

from shared.paging import TOTAL_CAP, decode_cursor


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


def capped_count_column(statement: sa.Select, cap: int = TOTAL_CAP) -> sa.Label[int]:
    """How many rows `statement` selects, counting no further than cap + 1: a scalar subquery that
    a page's own statement can carry (PostgreSQL runs it once), saving a round trip per page."""
    rows: sa.Select = statement.with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
    counted = sa.select(sa.func.count()).select_from(rows.order_by(None).limit(cap + 1).subquery())
    return counted.correlate(None).scalar_subquery().label("capped_total")
