"""The columns every table of attached files has (shared/attachments.py says what goes in them): a
service's table adds the record it belongs to and, where it has one, the document's kind."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shared import clock
from shared.db import new_id


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
    uploaded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=clock.utcnow)
