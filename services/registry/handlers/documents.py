"""Documents on the records: a person's ID card and certificates, an enterprise's licence and
contracts (the kinds in shared/contracts/registry.py).

Whoever may see a record attaches to it and downloads from it: the person (their own record and
their enterprises') and the officials of its region and the levels above, who often act for a
person at the service counter. Anyone else is told the record does not exist.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.registry import readmodel
from shared import attachment_table, attachments
from shared.actors import Actor
from shared.contracts.registry import DOCUMENTS_PER_RECORD

WHAT = {"entrepreneur": "每份创业者档案", "enterprise": "每个经营主体"}


def _record(session: Session, actor: Actor, record_kind: str, record_id: str):
    if record_kind == "entrepreneur":
        return readmodel.get_entrepreneur(session, actor, record_id)
    return readmodel.get_enterprise(session, actor, record_id)


def _detail(session: Session, record_kind: str, record) -> dict:
    if record_kind == "entrepreneur":
        return readmodel.entrepreneur_detail(session, record)
    return readmodel.enterprise_detail(session, record)


def add(uow, actor: Actor, record_kind: str, record_id: str, kind: str, filename: str, data: bytes) -> dict:
    """Keep the document; the record as its page shows it after, with its documents."""
    session: Session = uow.session
    record = _record(session, actor, record_kind, record_id)
    model, column, names = readmodel.DOCUMENTS[record_kind]
    kind = attachments.kind_of(kind, names)
    stored = attachments.accepted(filename, data, actor.username,
                                  count_before=attachment_table.count_of(session, column, record.id),
                                  most=DOCUMENTS_PER_RECORD, what=WHAT[record_kind])
    session.add(model(**{column.key: record.id}, kind=kind, **stored))
    session.flush()
    return _detail(session, record_kind, record)


def get(session: Session, actor: Actor, record_kind: str, record_id: str, attachment_id: str) -> dict:
    record = _record(session, actor, record_kind, record_id)
    _, column, _ = readmodel.DOCUMENTS[record_kind]
    return attachments.download(attachment_table.file_of(session, column, record.id, attachment_id))
