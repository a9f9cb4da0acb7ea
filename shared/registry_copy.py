"""A service's own copy of the registry's records, kept from the registry's events (no RPC).

Finance, escalation and projects each keep `known_entrepreneurs` and `known_enterprises` tables in
their own database. The tables' columns say what a service keeps: the mixins below hold the columns
every copy has, a service adds the ones it needs, and these functions fill whatever columns the
table has from the payload fields of the same name.

A registration is an upsert (a replay changes nothing). A later fact about a record that has not
reached this service yet (a verification that overtook its registration on another queue) raises
`NotYetKnown`, so the message is retried with back-off instead of being lost.
"""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared import clock
from shared.messaging import NotYetKnown


class KnownEntrepreneurColumns:
    __tablename__ = "known_entrepreneurs"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    # the registry's version of the record this copy holds: a change applies only over an older one
    record_version: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")


class KnownEnterpriseColumns:
    __tablename__ = "known_enterprises"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    owner_entrepreneur_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    record_version: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")


def _columns(model) -> set[str]:
    return set(sa.inspect(model).columns.keys())


def _kept(model, payload: BaseModel) -> dict:
    columns = _columns(model)
    values = {name: list(value) if isinstance(value, tuple) else value
              for name, value in payload if name in columns}
    if "updated_at" in columns:
        values["updated_at"] = clock.utcnow()
    return values


def keep_all(session: Session, model, records: list[tuple[str, BaseModel]], **on_insert) -> None:
    """Insert or update each record (key, payload) with the payload's fields that are columns of
    `model`, all with one statement (a batch of deliveries); of two facts about the same record the
    later one's values stand. `on_insert` gives the first values of columns that later facts maintain
    (verified, liaisons)."""
    latest: dict[str, dict] = {}
    for key, payload in records:
        latest.pop(key, None)
        latest[key] = {**_kept(model, payload), "id": key}
    if not latest:
        return
    table = model.__table__  # a plain INSERT … ON CONFLICT, without the ORM's bulk machinery
    statement = insert(table)
    updated = {name: statement.excluded[name] for name in next(iter(latest.values())) if name != "id"}
    # parameters apart from the statement: compiled once, sent as one multi-row INSERT all the same
    # a registration delivered again after a change to the record must not undo the change
    session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=updated,
                                                    where=table.c.record_version <= 1),
                    [{**values, **on_insert} for values in latest.values()])


def keep_change(session: Session, model, key: str, payload: BaseModel) -> None:
    """A record corrected, returned or claimed, as it now stands (`payload.record_version`): applied
    only over an older version, so a change delivered late or twice changes nothing; `NotYetKnown`
    (retried) while the registration has not arrived."""
    values = _kept(model, payload)
    table = model.__table__
    newer = sa.and_(table.c.id == key, table.c.record_version < values["record_version"])
    done = cast(CursorResult, session.execute(sa.update(table).where(newer).values(values)))
    if done.rowcount == 0:
        known(session, model, key)


def known(session: Session, model, key: str):
    """The record, for a fact that changes it; `NotYetKnown` (retried) until its registration arrives."""
    record = session.get(model, key)
    if record is None:
        raise NotYetKnown(f"{model.__tablename__} {key}")
    return record


def mark_verified(session: Session, model, key: str) -> None:
    record = known(session, model, key)
    record.verified = True
    if "updated_at" in _columns(model):
        record.updated_at = clock.utcnow()
