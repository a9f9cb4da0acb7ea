"""The notifications service in a nameko container against the real broker and a database of its own:
each event makes its messages once, however often it is delivered; text messages leave once, wait
while the gateway or the registry is away, and are given up after repeated refusals."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.notifications.handlers import messages
from services.notifications.models import (
    DeliverySetting,
    KnownEnterprise,
    KnownEntrepreneur,
    Notification,
    TextMessage,
)
from services.notifications.service import NotificationsService
from shared import clock
from shared.contracts import registry
from shared.sms import SmsGatewayAway, SmsNotSent
from tests.services.test_escalation_service import (
    module_fixtures,
    move_clock,
    official,
    registered_person,
)
from tests.support.waiting import eventually

db, notifications, rpc, facts = module_fixtures("notifications", NotificationsService)
TOWNSHIP = official("511011101000", "township", "township")


@pytest.fixture(autouse=True)
def clock_file(tmp_path, monkeypatch):
    move_clock(tmp_path, monkeypatch)


def person(account_id: str) -> dict:
    return {"user_id": account_id, "username": account_id, "role": "entrepreneur"}


def verified(entrepreneur_id: str) -> registry.EntrepreneurVerified:
    return registry.EntrepreneurVerified(entrepreneur_id=entrepreneur_id, region_code="511011101201",
                                         verified_by="township", verified_at=clock.utcnow())


def test_an_event_delivered_twice_makes_its_message_and_its_text_once(notifications, rpc, facts, db):
    account = str(uuid.uuid4())
    registered = registered_person(account)
    facts.send(registered)
    envelope = facts.send(verified(registered.entrepreneur_id))
    eventually(lambda: notifications.handled(envelope["event_id"]) == 1)
    facts.resend(envelope)
    eventually(lambda: notifications.handled(envelope["event_id"]) == 2)

    listed = rpc.notifications.list_notifications(person(account))
    assert [m["title"] for m in listed["items"]] == ["您的创业者登记已核实"] and listed["unread"] == 1
    assert db.scalar("SELECT count(*) FROM text_messages t JOIN notifications n ON n.id = t.notification_id"
                     " WHERE n.entrepreneur_id = :e", e=registered.entrepreneur_id) == 1
    # the registration by the person themselves is new work for the township that holds the village
    township = rpc.notifications.list_notifications(TOWNSHIP)["items"]
    assert any(m["link"] == f"/records/entrepreneurs/{registered.entrepreneur_id}" for m in township)
    # nobody else reads it
    assert rpc.notifications.list_notifications(person(str(uuid.uuid4())))["items"] == []


def test_a_person_who_turned_texts_off_is_told_in_the_app_only(notifications, rpc, facts, db):
    account = str(uuid.uuid4())
    registered = registered_person(account)
    facts.send(registered)
    rpc.notifications.update_delivery_settings(person(account), {"sms": False})
    envelope = facts.send(verified(registered.entrepreneur_id))
    eventually(lambda: notifications.handled(envelope["event_id"]) == 1)
    assert rpc.notifications.unread_count(person(account)) == {"unread": 1}
    assert db.scalar("SELECT count(*) FROM text_messages t JOIN notifications n ON n.id = t.notification_id"
                     " WHERE n.entrepreneur_id = :e", e=registered.entrepreneur_id) == 0


class Gateway:
    """An SMS provider that answers as told: "ok", "away" or "refuse"."""

    def __init__(self, answer: str = "ok"):
        self.answer, self.sent = answer, []

    def send(self, message):
        if self.answer == "away":
            raise SmsGatewayAway("gateway away")
        if self.answer == "refuse":
            raise SmsNotSent("recipient refused")
        self.sent.append(message)


@pytest.fixture
def session(db):
    engine = sa.create_engine(db.url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with Session(engine) as opened:
        yield opened
    engine.dispose()


def a_text(session: Session, recipient: str = "person:p-1", *, not_due: bool = False) -> str:
    """A pending text to `recipient`; `not_due`: not due until tomorrow from the moment it is stored,
    so that the sweep of a service another test left running on this database never takes it."""
    from services.notifications.domain import Message, Person

    source = str(uuid.uuid4())
    messages.record(session, source, [Message(Person(entrepreneur_id=str(uuid.uuid4())), "decision", "您的申请已审核",
                                              "", "/me", sms=True)])
    text_id = session.scalar(sa.select(TextMessage.id).order_by(TextMessage.created_at.desc()).limit(1))
    later = {"next_try_at": clock.utcnow() + dt.timedelta(days=1)} if not_due else {}
    session.execute(sa.update(TextMessage).where(TextMessage.id == text_id).values(recipient=recipient, **later))
    session.commit()
    return text_id


def test_a_text_waits_while_the_gateway_is_away_and_leaves_once_when_it_is_back(session):
    text_id = a_text(session)
    away = Gateway("away")
    assert messages.send_one(session, text_id, away, lambda _: "13800000000") == "later"
    session.commit()
    waiting = session.get(TextMessage, text_id)
    assert waiting.status == "pending" and waiting.next_try_at > clock.utcnow()
    assert text_id not in messages.due_texts(session)  # not before its time

    back = Gateway()
    assert messages.send_one(session, text_id, back, lambda _: "13800000000") == "sent"
    session.commit()
    assert [m.phone for m in back.sent] == ["13800000000"] and back.sent[0].id == f"note-{text_id}"
    assert messages.send_one(session, text_id, back, lambda _: "13800000000") is None  # sent: never again
    assert len(back.sent) == 1


def test_a_registry_that_does_not_answer_is_waited_for_not_given_up(session):
    first, second = a_text(session), a_text(session, "enterprise:e-2")

    def registry_away(_):
        raise ConnectionError("registry away")

    phone_of = messages.records_phones([session.get(TextMessage, t).recipient for t in (first, second)], registry_away)
    assert [messages.send_one(session, text, Gateway(), phone_of) for text in (first, second)] == ["later"] * 2
    session.commit()
    assert {session.get(TextMessage, text).status for text in (first, second)} == {"pending"}


def test_a_batch_of_texts_asks_the_registry_once_for_the_records_phones_and_never_for_staff(session):
    official = str(uuid.uuid4())
    person, firm, staff = (a_text(session, "person:p-7", not_due=True), a_text(session, "enterprise:e-7", not_due=True),
                           a_text(session, f"user:{official}", not_due=True))
    session.add(DeliverySetting(user_id=official, sms=True, phone="13900000007", role="official"))
    session.commit()
    # due now only inside this transaction, which holds them until it commits: the sweep of a service
    # another test left running skips them (it sent the staff's text once in CI)
    session.execute(sa.update(TextMessage).where(TextMessage.id.in_([person, firm, staff])).values(
        next_try_at=clock.utcnow()))
    asked = []

    def registry(recipients):
        asked.append(recipients)
        return {"person:p-7": "13800000007"}  # the enterprise's owner has no phone on record

    due = messages.due_texts(session)
    assert {due[text] for text in (person, firm, staff)} == {"person:p-7", "enterprise:e-7", f"user:{official}"}
    phone_of = messages.records_phones([due[text] for text in (person, firm, staff)], registry)
    gateway = Gateway()
    outcomes = [messages.send_one(session, text, gateway, phone_of) for text in (person, firm, staff)]
    session.commit()
    assert asked == [["enterprise:e-7", "person:p-7"]]
    assert outcomes == ["sent", "no_phone", "sent"]
    assert sorted(m.phone for m in gateway.sent) == ["13800000007", "13900000007"]


def test_a_batch_of_events_texts_each_person_unless_they_turned_texts_off_and_each_unit_s_staff(session):
    from services.notifications.domain import Message, Person, Unit

    silent, texted, owner = (str(uuid.uuid4()) for _ in range(3))
    accounts = {person: str(uuid.uuid4()) for person in (silent, texted, owner)}
    firm, official = str(uuid.uuid4()), str(uuid.uuid4())
    township = Unit(f"5110111{uuid.uuid4().int % 10**5:05d}", "township")
    session.add_all([*(KnownEntrepreneur(id=person, account_id=account, name="某人") for person, account in accounts.items()),
                     KnownEnterprise(id=firm, owner_entrepreneur_id=owner, name="某合作社"),
                     DeliverySetting(user_id=accounts[silent], sms=False, role="entrepreneur"),
                     DeliverySetting(user_id=official, sms=True, phone="13900000008", role="official",
                                     region_code=township.region, level="township")])
    session.flush()
    events = [(str(uuid.uuid4()), [Message(Person(entrepreneur_id=silent), "decision", "已审核", sms=True),
                                   Message(township, "new_work", "新的待办", sms=True)]),
              (str(uuid.uuid4()), [Message(Person(entrepreneur_id=texted), "decision", "已审核", sms=True),
                                   Message(Person(enterprise_id=firm), "payment", "已拨付", sms=True),
                                   Message(township, "new_work", "又一件待办", sms=True),
                                   Message(Person(entrepreneur_id=owner), "progress", "无短信")])]
    assert messages.record_all(session, events) == 6
    assert messages.record_all(session, events) == 0  # delivered again: neither kept nor texted twice
    texts = session.execute(sa.select(Notification.title, TextMessage.recipient).join(
        Notification, Notification.id == TextMessage.notification_id).where(
        Notification.key.like(f"{events[0][0]}:%") | Notification.key.like(f"{events[1][0]}:%"))).all()
    assert sorted(texts) == sorted([("新的待办", f"user:{official}"), ("已审核", f"person:{texted}"),
                                    ("已拨付", f"person:{owner}"), ("又一件待办", f"user:{official}")])


def test_a_text_refused_three_times_is_given_up_and_one_too_old_is_let_go(session):
    refused = a_text(session)
    for expected in ("later", "later", "failed"):
        session.execute(sa.update(TextMessage).where(TextMessage.id == refused).values(next_try_at=clock.utcnow()))
        assert messages.send_one(session, refused, Gateway("refuse"), lambda _: "13800000000") == expected
        session.commit()
    assert session.get(TextMessage, refused).status == "failed"

    old = a_text(session)
    session.execute(sa.update(TextMessage).where(TextMessage.id == old).values(
        created_at=clock.utcnow() - dt.timedelta(days=3)))
    session.commit()
    gateway = Gateway()
    assert messages.send_one(session, old, gateway, lambda _: "13800000000") == "too_late"
    assert gateway.sent == []


def test_a_text_that_fails_on_its_own_account_is_given_up_and_the_next_one_still_goes(session):
    broken, fine = a_text(session, "enterprise:e-1"), a_text(session, "person:p-2")

    def phone_of(recipient):
        if recipient.startswith("enterprise:"):
            raise AttributeError("no such column")  # a fault of this text, not of the registry being away
        return "13800000002"

    gateway = Gateway()
    assert messages.send_one(session, broken, gateway, phone_of) == "failed"
    assert messages.send_one(session, fine, gateway, phone_of) == "sent"
    session.commit()
    assert session.get(TextMessage, broken).status == "failed" and "AttributeError" in session.get(
        TextMessage, broken).last_error
    assert [m.phone for m in gateway.sent] == ["13800000002"]


def test_a_sweep_s_texts_are_held_together_sent_in_order_and_written_with_one_statement(session):
    first, held, last = a_text(session, not_due=True), a_text(session, not_due=True), a_text(session, not_due=True)
    engine = session.get_bind()
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0])

    with engine.connect() as twin:  # a twin instance holds one of them
        twin.execute(sa.text("SELECT 1 FROM text_messages WHERE id = :id FOR UPDATE"), {"id": held})
        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            gateway = Gateway()
            done = messages.send_due(session, [last, held, first], gateway, lambda _: "13800000000")
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
        session.commit()
        twin.rollback()
    assert done == {"sent": 2}
    assert [m.id for m in gateway.sent] == [f"note-{last}", f"note-{first}"]  # in the order asked, the held one left
    assert statements == ["SELECT", "UPDATE"]
    status = dict(session.execute(sa.select(TextMessage.id, TextMessage.status).where(
        TextMessage.id.in_([first, held, last]))).all())
    assert status == {first: "sent", held: "pending", last: "sent"}
    assert session.get(TextMessage, first).sent_at is not None and session.get(TextMessage, first).attempts == 1
