"""The columns every table of attached files has (shared/attachments.py says what goes in them): a
service's table adds the record it belongs to and, where it has one, the document's kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared import attachments, clock
from shared.db import new_id
from shared.errors import NotFound


class AttachmentColumns:
    """A file kept in the database, with its checked type, size and digest; its bytes are read only
    when it is downloaded."""

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by: Mapped[str] = mapped_column(sa.String(80))
    uploaded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.stamp)


# `owner` below is the table's column naming the record the files belong to (loan_id, enterprise_id …)


def files_of(session: Session, owner, record_id: str, names: Mapping[str, str]) -> list[dict]:
    """The record's files, oldest first, without their content."""
    model = owner.class_
    rows = session.scalars(sa.select(model).where(owner == record_id).order_by(model.uploaded_at, model.id))
    return [attachments.listed(row, names) for row in rows]


def count_of(session: Session, owner, record_id: str) -> int:
    """How many files the record has (the limit per record counts them)."""
    return session.scalar(sa.select(sa.func.count()).select_from(owner.class_).where(owner == record_id)) or 0


def file_of(session: Session, owner, record_id: str, attachment_id: str):
    """One of the record's files; another record's is as unknown as one that does not exist."""
    found = session.get(owner.class_, attachment_id)
    if found is None or getattr(found, owner.key) != record_id:
        raise NotFound("attachment_not_found", None, "没有这个附件")
    return found
