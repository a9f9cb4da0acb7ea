"""What people read here: their messages as their audience rules allow, unread counts, their SMS
settings."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifications.models import (
    DeliverySetting,
    KnownEnterprise,
    KnownEntrepreneur,
    Notification,
    NotificationRead,
)
from shared import keyset, paging, regions
from shared.actors import Actor
from shared.contracts.notifications import NotificationQuery


def visible(actor: Actor) -> sa.ColumnElement[bool]:
    """An entrepreneur's messages are those of their records and enterprises (so a claimed record's
    come with it); an official's, their own unit's (its head's too, for a head); a liaison's, their
    bank's. An administrator is told nothing here."""
    if actor.role == "entrepreneur":
        mine = sa.select(KnownEntrepreneur.id).where(KnownEntrepreneur.account_id == actor.user_id)
        theirs = sa.select(KnownEnterprise.id).where(KnownEnterprise.owner_entrepreneur_id.in_(mine))
        return sa.or_(Notification.entrepreneur_id.in_(mine), Notification.enterprise_id.in_(theirs))
    if actor.is_official and actor.level:
        unit = sa.and_(Notification.unit_region == regions.normalize(actor.region_code or ""),
                       Notification.unit_level == actor.level)
        return unit if actor.unit_head else sa.and_(unit, sa.not_(Notification.heads_only))
    if actor.role == "bank_liaison" and actor.bank_code:
        return Notification.bank_code == actor.bank_code
    return sa.false()


def _unread(session: Session, actor: Actor) -> sa.ColumnElement[bool]:
    read_through = session.scalar(sa.select(DeliverySetting.read_through).where(
        DeliverySetting.user_id == actor.user_id))
    read = sa.exists().where(NotificationRead.notification_id == Notification.id,
                             NotificationRead.user_id == actor.user_id)
    condition = sa.not_(read)
    return sa.and_(Notification.created_at > read_through, condition) if read_through else condition


def list_for(session: Session, actor: Actor, query: NotificationQuery) -> dict:
    statement = sa.select(Notification).where(visible(actor))
    if query.kind:
        statement = statement.where(Notification.kind == query.kind)
    if query.unread:
        statement = statement.where(_unread(session, actor))
    total = session.scalar(sa.select(keyset.capped_count_column(statement))) or 0
    paged = statement.order_by(*keyset.newest_first(Notification.created_at, Notification.id))
    if query.after:
        paged = paged.where(keyset.after(Notification.created_at, Notification.id, query.after))
    else:
        paged = paged.offset((query.page - 1) * query.per_page)
    rows = session.scalars(paged.limit(query.per_page + 1)).all()
    unread_ids = set(session.scalars(sa.select(Notification.id).where(
        Notification.id.in_([row.id for row in rows]), _unread(session, actor))))
    answer = paging.page_answer(list(rows), query.per_page, total, lambda row: read(row, row.id not in unread_ids))
    return {**answer, "page": query.page, "unread": unread_count(session, actor)}


def read(row: Notification, is_read: bool) -> dict:
    return {"id": row.id, "kind": row.kind, "title": row.title, "body": row.body, "link": row.link,
            "due_on": row.due_on, "created_at": row.created_at, "read": is_read}


def unread_count(session: Session, actor: Actor) -> int:
    counted = sa.select(Notification.id).where(visible(actor), _unread(session, actor)).limit(paging.TOTAL_CAP + 1)
    return session.scalar(sa.select(sa.func.count()).select_from(counted.subquery())) or 0


def settings_read(session: Session, actor: Actor) -> dict:
    row = session.get(DeliverySetting, actor.user_id)
    staff = actor.role in ("official", "bank_liaison")
    return {"sms": True if row is None else row.sms, "phone": row.phone if row else None,
            "phone_needed": staff,  # an entrepreneur's texts go to the phone on their record
            "by_sms": (row is None or row.sms) and (not staff or bool(row and row.phone))}
