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

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared import clock
from shared.messaging import NotYetKnown


class KnownEntrepreneurColumns:
    __tablename__ = "known_entrepreneurs"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)


class KnownEnterpriseColumns:
    __tablename__ = "known_enterprises"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    owner_entrepreneur_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))


def _columns(model) -> set[str]:
    return set(sa.inspect(model).columns.keys())


def _kept(model, payload: BaseModel) -> dict:
    columns = _columns(model)
    values = {name: list(value) if isinstance(value, tuple) else value
              for name, value in payload if name in columns}
    if "updated_at" in columns:
        values["updated_at"] = clock.utcnow()
    return values


def keep(session: Session, model, key: str, payload: BaseModel, **on_insert) -> None:
    """Insert or update the record `key` with the payload's fields that are columns of `model`;
    `on_insert` gives the first values of columns that later facts maintain (verified, liaisons)."""
    values = {**_kept(model, payload), "id": key}
    # the table, not the mapped class: a plain INSERT … ON CONFLICT, without the ORM's bulk machinery
    session.execute(insert(model.__table__).values(**values, **on_insert)
                    .on_conflict_do_update(index_elements=["id"], set_=values))


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
