"""Messages kept from events, read by their audience, and the text messages that go with them.

A message is written in the same transaction as the event's inbox row, once (its `key`); a text
message is a row beside it, sent afterwards by the sender sweep, so that no command and no event
waits for the SMS gateway. Each text message is sent once: it is marked sent in the transaction
that sent it, and carries its own id as the provider's key against a repeat after a crash.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.notifications import readmodel
from services.notifications.domain import Bank, Message, Person, Unit, reminder, unit_at
from services.notifications.models import (
    DeliverySetting,
    KnownEnterprise,
    KnownEntrepreneur,
    Notification,
    NotificationRead,
    TextMessage,
    TimeLimit,
)
from shared import clock, regions
from shared.actors import Actor
from shared.bulk import insert_rows, update_rows
from shared.contracts.notifications import DeliverySettings, MarkRead
from shared.db import after_commit, new_id
from shared.errors import Forbidden, InvalidInput
from shared.logging import get_logger
from shared.sms import SmsGatewayAway, SmsMessage, SmsNotSent, SmsProvider
from shared.transient import is_transient

log = get_logger(__name__)
SMS_REFUSALS_BEFORE_GIVING_UP = 3
SMS_TOO_LATE = dt.timedelta(days=2)  # a reminder or a decision older than this is no news by SMS
SMS_BATCH = 50
TEXTS_PER_TRANSACTION = 20  # sent under one lock and written with one statement (send_due)


# ---- writing ---------------------------------------------------------------------------------


def record(session: Session, source: str, messages: list[Message]) -> int:
    """Keep each message once (`source`: the event's id, or the reminder's own key), with a text
    message for each of its SMS recipients. Returns how many were new."""
    return record_all(session, [(source, messages)])


def record_all(session: Session, sourced: list[tuple[str, list[Message]]]) -> int:
    """`record` for the messages of many events (a batch of deliveries): the messages with one
    statement, their text messages with one more, whatever the batch's size."""
    owners = _owners(session, {m.audience.enterprise_id for _, messages in sourced for m in messages
                               if isinstance(m.audience, Person) and m.audience.enterprise_id
                               and not m.audience.entrepreneur_id})
    rows, kept = [], {}
    for source, messages in sourced:
        for message in messages:
            person = message.audience if isinstance(message.audience, Person) else None
            entrepreneur_id = person.entrepreneur_id if person else None
            if person and person.enterprise_id and not entrepreneur_id:
                entrepreneur_id = owners.get(person.enterprise_id)
            unit = message.audience if isinstance(message.audience, Unit) else None
            bank = message.audience if isinstance(message.audience, Bank) else None
            key = f"{source}:{message.audience_key()}"[:120]
            rows.append({"id": new_id(), "key": key,
                         "kind": message.kind, "title": message.title[:120], "body": message.body, "link": message.link,
                         "due_on": message.due_on, "entrepreneur_id": entrepreneur_id,
                         "enterprise_id": person.enterprise_id if person else None,
                         "unit_region": unit.region if unit else None, "unit_level": unit.level if unit else None,
                         "heads_only": bool(unit and unit.heads_only), "bank_code": bank.code if bank else None,
                         "created_at": clock.stamp()})
            kept.setdefault(key, (message, person, entrepreneur_id))
    if not rows:
        return 0
    # a message kept before (an event delivered again) is not kept twice, nor texted again
    new = insert_rows(session, Notification.__table__, rows, on_conflict="(key) DO NOTHING", returning=("id", "key"))
    texted = [(notification_id, *kept[key]) for notification_id, key in new if kept[key][0].sms]
    if texted:
        recipients = _TextRecipients(session, [(message, person, entrepreneur_id)
                                               for _, message, person, entrepreneur_id in texted])
        now = clock.utcnow()
        texts = [{"id": new_id(), "notification_id": notification_id, "recipient": recipient,
                  "text": message.text(), "status": "pending", "attempts": 0, "last_error": "",
                  "next_try_at": now, "created_at": now}
                 for notification_id, message, person, entrepreneur_id in texted
                 for recipient in recipients.of(message, person, entrepreneur_id)]
        insert_rows(session, TextMessage.__table__, texts, skip_existing=True)
        for action in _TEXTS_QUEUED if texts else ():
            after_commit(session, action)
    return len(new)


_TEXTS_QUEUED: list[Callable[[], None]] = []


def when_texts_queued(action: Callable[[], None]) -> None:
    """`action()` once each transaction that queued text messages in this process has committed
    (the service runs its text sweep then)."""
    if action not in _TEXTS_QUEUED:
        _TEXTS_QUEUED.append(action)


def _owners(session: Session, enterprise_ids: set[str]) -> dict[str, str]:
    if not enterprise_ids:
        return {}
    return dict(session.execute(sa.select(KnownEnterprise.id, KnownEnterprise.owner_entrepreneur_id)
                                .where(KnownEnterprise.id.in_(enterprise_ids))).all())


class _TextRecipients:
    """Who a batch's text messages go to, asked once for the whole batch: for a person, the phone on
    their record unless they have turned SMS off; for a unit or a bank, the staff who take texts."""

    def __init__(self, session: Session, texted: list[tuple[Message, Person | None, str | None]]):
        self.session = session
        people = {entrepreneur_id for _, person, entrepreneur_id in texted if person and entrepreneur_id}
        self.silent = set(session.scalars(
            sa.select(KnownEntrepreneur.id).join(DeliverySetting, DeliverySetting.user_id == KnownEntrepreneur.account_id)
            .where(KnownEntrepreneur.id.in_(people), DeliverySetting.sms.is_(False)))) if people else set()
        self.staff: dict[Unit | Bank, list[str]] = {}

    def of(self, message: Message, person: Person | None, entrepreneur_id: str | None) -> list[str]:
        if person is not None:
            if entrepreneur_id:
                return [] if entrepreneur_id in self.silent else [f"person:{entrepreneur_id}"]
            return [f"enterprise:{person.enterprise_id}"]
        audience = message.audience
        if audience not in self.staff:
            self.staff[audience] = self._staff(audience)
        return self.staff[audience]

    def _staff(self, audience: Unit | Bank) -> list[str]:
        staff = sa.select(DeliverySetting.user_id).where(DeliverySetting.sms, DeliverySetting.phone.is_not(None))
        if isinstance(audience, Unit):
            staff = staff.where(DeliverySetting.role == "official", DeliverySetting.region_code == audience.region,
                                DeliverySetting.level == audience.level)
            if audience.heads_only:
                staff = staff.where(DeliverySetting.unit_head)
        else:
            staff = staff.where(DeliverySetting.role == "bank_liaison", DeliverySetting.bank_code == audience.code)
        return [f"user:{user_id}" for user_id in self.session.scalars(staff)]


# ---- time limits -----------------------------------------------------------------------------


def limits_set(session: Session, p) -> None:
    """A difficulty assigned to a unit: its first-contact and resolution limits, to remind of."""
    unit = Unit(unit_at(p.region_code, p.level), p.level)
    for step, due in (("contact", p.contact_due), ("resolve", p.resolve_due)):
        values = {"difficulty_id": p.difficulty_id, "step": step, "reference": p.reference,
                  "enterprise_id": p.enterprise_id, "unit_region": unit.region, "unit_level": unit.level,
                  "due_on": due, "open": True}
        statement = insert(TimeLimit).values(values)
        session.execute(statement.on_conflict_do_update(
            index_elements=["difficulty_id", "step"],
            set_={name: statement.excluded[name] for name in values if name not in ("difficulty_id", "step")}))


def limits_moved(session: Session, p) -> None:
    """A difficulty's limits at its level counted again (a holiday schedule entered): remind on the new
    days; a step already done stays done."""
    for step, due in (("contact", p.contact_due), ("resolve", p.resolve_due)):
        session.execute(sa.update(TimeLimit).where(TimeLimit.difficulty_id == p.difficulty_id, TimeLimit.step == step,
                                                   TimeLimit.unit_level == p.level).values(due_on=due))


def limits_done(session: Session, difficulty_id: str, level: str, *steps: str, open_: bool = False) -> None:
    """Steps done (or, `open_`, to do again) at `level`; limits set at another level are another
    assignment's, which may have arrived first."""
    session.execute(sa.update(TimeLimit).where(TimeLimit.difficulty_id == difficulty_id, TimeLimit.step.in_(steps),
                                               TimeLimit.unit_level == level).values(open=open_))


def remind(session: Session, today: dt.date) -> int:
    """Reminders due today and warnings of limits passed, each once."""
    made = 0
    limits = session.scalars(sa.select(TimeLimit).where(TimeLimit.open, TimeLimit.due_on <= today)).all()
    for limit in limits:
        message = reminder(limit.step, limit.reference, limit.difficulty_id,
                           Unit(limit.unit_region, limit.unit_level), limit.due_on, today)
        if message is not None:
            made += record(session, f"limit:{limit.difficulty_id}:{limit.step}:{limit.due_on}:{message.kind}",
                           [message])
    return made


# ---- read marks ---------------------------------------------------------------------------------


def mark_read(session: Session, actor: Actor, command: MarkRead) -> dict:
    now = clock.utcnow()
    if command.all:
        _settings_row(session, actor).read_through = now
    elif command.ids:
        ids = list(session.scalars(sa.select(Notification.id).where(Notification.id.in_(command.ids), readmodel.visible(actor))))
        if len(ids) != len(set(command.ids)):
            raise InvalidInput("notification_not_found", "ids", "有消息不存在或不是发给您的")
        session.execute(insert(NotificationRead).values(
            [{"notification_id": i, "user_id": actor.user_id, "read_at": now} for i in ids]).on_conflict_do_nothing())
    session.flush()
    return {"unread": readmodel.unread_count(session, actor)}


# ---- delivery settings -------------------------------------------------------------------------


def _settings_row(session: Session, actor: Actor) -> DeliverySetting:
    """The caller's settings row, its unit kept as the caller's account now says (an official moved
    to another unit is told of that unit's work from then on)."""
    row = session.get(DeliverySetting, actor.user_id, with_for_update=True)
    if row is None:
        row = DeliverySetting(user_id=actor.user_id, sms=True)
        session.add(row)
    row.role, row.level, row.bank_code, row.unit_head = actor.role, actor.level, actor.bank_code, actor.unit_head
    row.region_code = regions.normalize(actor.region_code) if actor.region_code else None
    row.updated_at = clock.utcnow()
    return row


def update_settings(session: Session, actor: Actor, data: DeliverySettings) -> dict:
    if actor.role == "admin":
        raise Forbidden("role_not_allowed", None, "管理员账号不接收消息")
    if actor.role == "entrepreneur" and data.phone:
        raise InvalidInput("phone_on_record", "phone", "创业者的短信发往登记信息中的手机号，请在登记信息中修改")
    if actor.role != "entrepreneur" and data.sms and not data.phone:
        raise InvalidInput("phone_required", "phone", "接收短信提醒须填写工作手机号")
    row = _settings_row(session, actor)
    row.sms, row.phone = data.sms, data.phone
    session.flush()
    return readmodel.settings_read(session, actor)


# ---- sending text messages ---------------------------------------------------------------------


def next_text_in(session: Session) -> float | None:
    """Seconds until the next pending text is due (0 if one is due now); None if none is pending."""
    due = session.scalar(sa.select(sa.func.min(TextMessage.next_try_at)).where(TextMessage.status == "pending"))
    return None if due is None else max(0.0, (due - clock.utcnow()).total_seconds())


def due_texts(session: Session) -> dict[str, str]:
    """The texts due now, oldest first: {id: recipient}."""
    return dict(session.execute(sa.select(TextMessage.id, TextMessage.recipient).where(
        TextMessage.status == "pending", TextMessage.next_try_at <= clock.utcnow())
        .order_by(TextMessage.next_try_at).limit(SMS_BATCH)).all())


def records_phones(recipients, ask) -> Callable[[str], str | None]:
    """`phone_of` for `send_one`, for a batch of texts: the phones of the recipients that are records
    ("person:…", "enterprise:…"; staff keep theirs here) asked with one `ask(recipients)`, not one
    question per text. If the question fails, each text fails as its own question would have: a
    registry away keeps them waiting, any other fault is each one's own."""
    wanted = sorted({r for r in recipients if not r.startswith("user:")})
    if not wanted:
        return lambda recipient: None
    try:
        phones = ask(wanted)
    except Exception as exc:
        failure = exc

        def failed(recipient: str) -> str | None:
            raise failure.with_traceback(None)

        return failed
    return phones.get


@dataclass
class _Text:
    """A text message being sent, as `send_due` holds it: what sending reads, and what it changes."""

    id: str
    recipient: str
    text: str
    attempts: int
    created_at: dt.datetime
    status: str = "pending"
    last_error: str = ""
    next_try_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None

    def changes(self) -> dict:
        return {"id": self.id, "status": self.status, "attempts": self.attempts, "last_error": self.last_error,
                "next_try_at": self.next_try_at, "sent_at": self.sent_at}


_TEXTS = TextMessage.__table__


def send_due(session: Session, text_ids: list[str], sms: SmsProvider, phone_of) -> Counter[str]:
    """Send the texts `text_ids` still pending, in that order, each as `send_one` says, holding their
    rows: one statement takes them all (those a twin instance holds are left to it) and one writes
    what became of each. Counts of the outcomes. A process that dies between a send and the commit
    sends the text again later, with the same id, which the gateway drops as a repeat."""
    order = {text_id: n for n, text_id in enumerate(text_ids)}
    rows = session.execute(sa.select(_TEXTS.c.id, _TEXTS.c.recipient, _TEXTS.c.text, _TEXTS.c.attempts,
                                     _TEXTS.c.created_at, _TEXTS.c.next_try_at)
                           .where(_TEXTS.c.id.in_(text_ids), _TEXTS.c.status == "pending")
                           .with_for_update(skip_locked=True)).all()
    held = sorted((_Text(**row._mapping) for row in rows), key=lambda text: order[text.id])
    done = Counter(_send(session, text, sms, phone_of) for text in held)
    update_rows(session, _TEXTS, [text.changes() for text in held])
    return done


def send_one(session: Session, text_id: str, sms: SmsProvider, phone_of) -> str | None:
    """Send one text message, holding its row: `phone_of(recipient)` asks where it goes (the registry
    for a person's record). A gateway or registry that is away is tried again later with growing
    waits; a refusal a few times, then given up (and logged); a message too old is let go. None: sent
    meanwhile by a twin instance, or held by it now."""
    done = send_due(session, [text_id], sms, phone_of)
    return next(iter(done), None)


def _send(session: Session, text: _Text, sms: SmsProvider, phone_of) -> str:
    now = clock.utcnow()
    if now - text.created_at > SMS_TOO_LATE:
        text.status, text.last_error = "failed", "too late"
        log.warning("text_message_too_late", text_id=text.id)
        return "too_late"
    text.attempts += 1
    try:
        phone = _staff_phone(session, text.recipient) if text.recipient.startswith("user:") else phone_of(text.recipient)
        if not phone:
            text.status, text.last_error = "failed", "no phone"
            return "no_phone"
        sms.send(SmsMessage(id=f"note-{text.id}", phone=phone, text=text.text))
    except SmsGatewayAway as exc:
        return _later(text, now, exc)
    except SmsNotSent as exc:
        if text.attempts >= SMS_REFUSALS_BEFORE_GIVING_UP:
            text.status = "failed"
            log.warning("text_message_given_up", text_id=text.id, error=str(exc)[:200])
            text.last_error = str(exc)[:200]
            return "failed"
        return _later(text, now, exc)
    except Exception as exc:
        if is_transient(exc):  # the registry (or this database) away for a moment
            return _later(text, now, exc)
        # a text that fails on its own account is given up, logged, and never stands in the others' way
        text.status, text.last_error = "failed", f"{type(exc).__name__}: {exc}"[:200]
        log.error("text_message_failed", text_id=text.id, error=text.last_error)
        return "failed"
    text.status, text.sent_at, text.last_error = "sent", now, ""
    return "sent"


def _later(text: _Text, now: dt.datetime, exc: Exception) -> str:
    text.next_try_at = now + dt.timedelta(seconds=min(600, 5 * 2 ** min(text.attempts, 7)))
    text.last_error = f"{type(exc).__name__}"[:200]
    return "later"


def _staff_phone(session: Session, recipient: str) -> str | None:
    row = session.get(DeliverySetting, recipient.removeprefix("user:"))
    return row.phone if row is not None and row.sms else None
