"""No message is lost: retries with back-off, parking, replay, and the outbox relay's failure modes."""

import uuid

import amqp.exceptions
import pytest
import sqlalchemy as sa
from kombu import Connection, Queue
from sqlalchemy.orm import sessionmaker

from services.registry.service import RegistryService
from shared import clock, parking
from shared.contracts.registry import EntrepreneurRegistered, EntrepreneurVerified
from shared.events import make_event
from shared.messaging import RetiredQueues, delay_queue
from shared.outbox import (
    HANDOFF_GRACE,
    MARK_EVERY_SECONDS,
    OutboxRelay,
    add_all_to_outbox,
    add_to_outbox,
    event_exchange,
    outbox,
    release_held,
)
from tests.factories import entrepreneur_data
from tests.services.test_registry_service import entrepreneur_actor
from tests.support import recorder
from tests.support.recorder import CALLS, RecorderService
from tests.support.waiting import eventually


def engine_for(url):
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))


def test_a_failing_handler_is_retried_then_parked_listed_and_replayed(
        run_services, rpc, databases, amqp_uri):
    recorder.create_table(databases["registry"])
    # earlier tests' events still waiting in the registry's outbox (unroutable then, routable to the
    # recorder now) would share batches with this one and make it run more often than its deliveries
    engine = engine_for(databases["registry"])
    with engine.begin() as connection:
        connection.execute(outbox.update().where(outbox.c.sent_at.is_(None)).values(sent_at=sa.func.now()))
    engine.dispose()
    run_services(RegistryService)
    consumer, = run_services(RecorderService, RECORDER_BEHAVIOUR="fail")
    record = rpc.registry.create_entrepreneur(entrepreneur_actor(), entrepreneur_data())
    ours = recorder.registration_event_id(databases["registry"], record["id"])

    def parked_here():  # the registry's outbox may still hold earlier tests' unroutable events
        return [item for item in parking.list_parked(amqp_uri) if item["event_id"] == ours]

    parked, = eventually(parked_here, timeout=15)
    assert parked["event_type"] == "entrepreneur_registered"
    assert parked["attempts"] == 4  # the first delivery and three retries (100, 200, 400 ms)
    assert "recorder was told to fail" in parked["error"]
    assert CALLS.count(parked["event_id"]) == 4
    assert recorder.count(databases["registry"], record["id"]) == 0  # each failure rolled back

    consumer.config["RECORDER_BEHAVIOUR"] = "ok"
    replayed = parking.replay(amqp_uri, parked["event_id"])
    assert [item["event_id"] for item in replayed] == [parked["event_id"]]
    eventually(lambda: recorder.count(databases["registry"], record["id"]) == 1, timeout=10)
    assert parked_here() == []


def test_a_database_away_for_longer_than_the_retries_loses_nothing(run_services, rpc, databases, amqp_uri):
    """Transient failures (here "too many clients" five times over, longer than the three retries a
    poison message gets) are retried with growing delays until they pass: never parked."""
    recorder.create_table(databases["registry"])
    run_services(RegistryService)
    run_services(RecorderService, RECORDER_BEHAVIOUR="outage:5")
    record = rpc.registry.create_entrepreneur(entrepreneur_actor(), entrepreneur_data())
    ours = recorder.registration_event_id(databases["registry"], record["id"])

    eventually(lambda: recorder.count(databases["registry"], record["id"]) == 1, timeout=20)
    assert CALLS.count(ours) == 6  # five failures, then applied
    assert [item for item in parking.list_parked(amqp_uri) if item["event_id"] == ours] == []


def test_events_that_arrive_together_share_a_transaction_and_a_poison_one_is_parked_alone(
        run_services, databases, amqp_uri):
    """Forty registrations wait in the recorder's queue before it starts: they come in batches (one
    transaction each, one inbox statement), every one recorded once; the poison one fails its batch,
    which is then applied one by one, so only the poison is retried and parked."""
    recorder.create_table(databases["registry"])
    queue = Queue(recorder.QUEUE, exchange=event_exchange("registry"), routing_key="entrepreneur_registered",
                  durable=True)
    with Connection(amqp_uri) as connection:
        queue(connection.channel()).declare()
    events = [_registered_event(f"batch-{n}-{uuid.uuid4().hex[:8]}") for n in range(40)]
    poison = events[17]
    with Connection(amqp_uri) as connection:
        producer = connection.Producer(serializer="json")
        for event in events:
            producer.publish(event.model_dump(mode="json"), exchange=event_exchange("registry"),
                             routing_key="entrepreneur_registered", delivery_mode=2)
    run_services(RecorderService, RECORDER_BEHAVIOUR=f"poison:{poison.payload['entrepreneur_id']}")
    engine = engine_for(databases["registry"])
    ids = [event.event_id for event in events]

    def recorded():
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT event_id, tx FROM recorded_events WHERE event_id = ANY(:ids)"),
                                      {"ids": ids}).all()

    rows = eventually(lambda: len(recorded()) == 39 and recorded(), timeout=20)
    assert sorted(event_id for event_id, _ in rows) == sorted(set(ids) - {poison.event_id})
    assert len({tx for _, tx in rows}) < 39  # some shared a transaction
    parked, = eventually(lambda: [item for item in parking.list_parked(amqp_uri)
                                  if item["event_id"] == poison.event_id], timeout=15)
    assert "poison" in parked["error"] and parked["attempts"] == 4
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)"),
                                 {"ids": ids}) == 39
    engine.dispose()


def _publish_raw(amqp_uri, body: bytes, content_type: str) -> None:
    with Connection(amqp_uri) as connection:
        connection.Producer().publish(body, exchange="", routing_key=recorder.QUEUE, content_type=content_type,
                                      content_encoding="utf-8", delivery_mode=2,
                                      declare=[Queue(recorder.QUEUE, durable=True)])


def test_a_message_that_cannot_be_decoded_is_parked_with_the_reason(run_services, databases, amqp_uri):
    recorder.create_table(databases["registry"])
    run_services(RecorderService)
    _publish_raw(amqp_uri, b"{not json", "application/json")
    _publish_raw(amqp_uri, b"plain words", "text/plain")

    def parked_here():
        return [item for item in parking.list_parked(amqp_uri) if item["origin_queue"] == recorder.QUEUE
                and item["event_id"] is None]

    parked = eventually(lambda: len(parked_here()) == 2 and parked_here(), timeout=10)
    assert {item["content_type"] for item in parked} == {"application/json", "text/plain"}
    assert all("cannot be decoded" in item["error"] for item in parked)
    assert {item["body"] for item in parked} == {"{not json", "plain words"}
    for item in parked:  # an operator may throw away what can never be applied
        assert parking.discard(amqp_uri, item["parking_id"]) == [item]
    assert parked_here() == []


def test_listing_parked_messages_leaves_them_parked(amqp_uri):
    from shared.messaging import parking_queue, republish

    republish(amqp_uri, {"event_id": "e-1", "event_type": "x"}, {"x-guiyan-origin-queue": "q"},
              parking_queue())
    assert [item["event_id"] for item in parking.list_parked(amqp_uri)] == ["e-1"]
    assert [item["event_id"] for item in parking.list_parked(amqp_uri)] == ["e-1"]


def _verified_event(entrepreneur_id):
    return make_event(EntrepreneurVerified(
        entrepreneur_id=entrepreneur_id, region_code="511011101201", verified_by="t",
        verified_at=clock.utcnow()))


def _registered_event(entrepreneur_id):
    return make_event(EntrepreneurRegistered(
        entrepreneur_id=entrepreneur_id, name="测试", region_code="511011101201",
        household_region_code="511011101201", categories=[], education="college", skills=[],
        return_date=None, registered_at=clock.utcnow()))


def _bind_queue(amqp_uri, event_type):
    queue = Queue(f"test-{event_type}", exchange=event_exchange("registry"), routing_key=event_type,
                  durable=True)
    with Connection(amqp_uri) as connection:
        queue(connection.channel()).declare()
    return queue


def _drain(amqp_uri, queue):
    with Connection(amqp_uri) as connection:
        bound = queue(connection.channel())
        bodies = []
        while (message := bound.get(no_ack=True)) is not None:
            bodies.append(message.payload)
        return bodies


def _insert(databases, *envelopes, handed_over=False):
    engine = engine_for(databases["registry"])
    with sessionmaker(engine)() as session:
        for envelope in envelopes:
            add_to_outbox(session, envelope, handed_over=handed_over)
        session.commit()
    return engine


def _row(engine, event_id):
    with engine.connect() as connection:
        return connection.execute(sa.select(outbox).where(outbox.c.event_id == event_id)).one()


def test_an_unroutable_event_is_kept_and_the_rest_of_the_batch_still_goes(databases, amqp_uri):
    queue = _bind_queue(amqp_uri, "entrepreneur_registered")
    lonely, routable = _verified_event("e-lonely"), _registered_event("e-routable")
    engine = _insert(databases, lonely, routable)
    OutboxRelay(sessionmaker(engine), amqp_uri).relay_once()
    assert [body["event_id"] for body in _drain(amqp_uri, queue)] == [routable.event_id]
    kept = _row(engine, lonely.event_id)
    assert kept.sent_at is None and kept.attempts == 1 and kept.last_error.startswith("unroutable")
    assert _row(engine, routable.event_id).sent_at is not None
    engine.dispose()


def test_with_the_broker_unreachable_nothing_is_lost_and_it_goes_out_later(databases, amqp_uri):
    queue = _bind_queue(amqp_uri, "entrepreneur_registered")
    envelope = _registered_event("e-later")
    engine = _insert(databases, envelope)
    unreachable = "amqp://guest:guest@127.0.0.1:1/"
    assert OutboxRelay(sessionmaker(engine), unreachable).relay_once() == 0
    assert _row(engine, envelope.event_id).sent_at is None
    assert _row(engine, envelope.event_id).last_error
    relay = OutboxRelay(sessionmaker(engine), amqp_uri)

    def sent():
        relay.relay_once()  # publishes nothing until the failed row's back-off has passed
        return _row(engine, envelope.event_id).sent_at

    eventually(sent, timeout=5)
    assert [body["event_id"] for body in _drain(amqp_uri, queue)] == [envelope.event_id]
    engine.dispose()


def test_two_relays_never_publish_the_same_row(databases, amqp_uri):
    queue = _bind_queue(amqp_uri, "entrepreneur_registered")
    envelopes = [_registered_event(f"e-{n}") for n in range(30)]
    engine = _insert(databases, *envelopes)
    import eventlet

    relays = [OutboxRelay(sessionmaker(engine), amqp_uri, batch_size=5) for _ in range(2)]

    def run(relay):
        while relay.relay_once():
            pass

    for thread in [eventlet.spawn(run, relay) for relay in relays]:
        thread.wait()
    ids = [body["event_id"] for body in _drain(amqp_uri, queue)]
    mine = {e.event_id for e in envelopes}
    assert sorted(i for i in ids if i in mine) == sorted(mine)
    engine.dispose()


def test_a_commit_hands_its_events_to_the_relay_which_publishes_them_before_their_row_is_due(
        run_services, rpc, databases, amqp_uri):
    """The registry's command commits the row not due for HANDOFF_GRACE (5 s); the relay publishes it
    straight from the hand-off and marks it sent, long before any look at the table would."""
    queue = _bind_queue(amqp_uri, "entrepreneur_registered")
    run_services(RegistryService)
    record = rpc.registry.create_entrepreneur(entrepreneur_actor(), entrepreneur_data())
    engine = engine_for(databases["registry"])
    query = sa.text("SELECT created_at, next_attempt_at, sent_at, attempts FROM outbox"
                    " WHERE envelope->'payload'->>'entrepreneur_id' = :e")
    with engine.connect() as connection:
        created, due, _, _ = connection.execute(query, {"e": record["id"]}).one()
    assert due - created == HANDOFF_GRACE

    def sent():
        with engine.connect() as connection:
            return connection.execute(query, {"e": record["id"]}).one()

    created, _, sent_at, attempts = eventually(lambda: sent().sent_at and sent(), timeout=4)
    assert (sent_at - created).total_seconds() < 2 and attempts == 0
    assert any(body["payload"]["entrepreneur_id"] == record["id"] for body in _drain(amqp_uri, queue))
    engine.dispose()


def test_an_event_whose_hand_off_never_happened_is_published_by_the_look_once_due(databases, amqp_uri):
    """A process that died between its commit and the hand-off: the row waits out its grace, then the
    periodic look publishes it like any other."""
    queue = _bind_queue(amqp_uri, "entrepreneur_registered")
    orphan = _registered_event("e-orphan")
    engine = _insert(databases, orphan, handed_over=True)
    relay = OutboxRelay(sessionmaker(engine), amqp_uri)
    relay.relay_once()
    assert _row(engine, orphan.event_id).sent_at is None  # within its grace
    with engine.begin() as connection:  # the grace has passed
        connection.execute(outbox.update().where(outbox.c.event_id == orphan.event_id)
                           .values(next_attempt_at=sa.func.now() - sa.text("interval '1 second'")))
    relay.relay_once()
    assert _row(engine, orphan.event_id).sent_at is not None
    assert orphan.event_id in [body["event_id"] for body in _drain(amqp_uri, queue)]
    relay.close()
    engine.dispose()


def test_held_events_wait_until_released_then_go_out_with_the_rest(databases, amqp_uri):
    """An import's batches hold their events (one statement for many, not handed over): the relay
    leaves them until `release_held`, which skips nothing while its `unless` holds."""
    queue = _bind_queue(amqp_uri, "entrepreneur_registered")
    held = [_registered_event(f"e-held-{n}") for n in range(3)]
    engine = engine_for(databases["registry"])
    with sessionmaker(engine)() as session:
        add_all_to_outbox(session, held, held=True)
        session.commit()
    relay = OutboxRelay(sessionmaker(engine), amqp_uri)
    relay.relay_once()
    assert [_row(engine, event.event_id).sent_at for event in held] == [None] * 3
    with sessionmaker(engine)() as session:
        assert release_held(session, unless=sa.true()) == 0  # an import still running
        assert release_held(session) == 3
        session.commit()
    relay.relay_once()
    assert all(_row(engine, event.event_id).sent_at is not None for event in held)
    published, mine = [body["event_id"] for body in _drain(amqp_uri, queue)], [event.event_id for event in held]
    assert [event_id for event_id in published if event_id in mine] == mine
    assert _row(engine, held[0].event_id).envelope == held[0].model_dump(mode="json")
    relay.close()
    engine.dispose()


def test_handed_over_events_the_broker_took_are_marked_sent_together(databases, amqp_uri):
    """One UPDATE for every event of the last moment, not one per commit; until then their rows wait
    within their grace, and the periodic look leaves them alone."""
    queue = _bind_queue(amqp_uri, "entrepreneur_registered")
    events = [_registered_event(f"e-marked-{n}") for n in range(3)]
    engine = engine_for(databases["registry"])
    with sessionmaker(engine)() as session:
        envelopes = [add_to_outbox(session, event, handed_over=True) for event in events]
        session.commit()
    relay = OutboxRelay(sessionmaker(engine), amqp_uri)
    assert relay.marks_due_in() is None
    assert relay.publish_handed_over(envelopes[:2]) == 2 and relay.publish_handed_over(envelopes[2:]) == 1
    assert 0 < relay.marks_due_in() <= MARK_EVERY_SECONDS
    relay.relay_once()  # the look finds nothing due: they are within their grace
    assert [_row(engine, event.event_id).sent_at for event in events] == [None] * 3
    relay.mark_confirmed()
    assert all(_row(engine, event.event_id).sent_at is not None for event in events)
    assert relay.marks_due_in() is None
    assert {event.event_id for event in events} <= {body["event_id"] for body in _drain(amqp_uri, queue)}
    relay.close()
    engine.dispose()


def test_a_handed_over_event_nobody_listens_to_is_kept_for_a_retry(databases, amqp_uri):
    lonely = _verified_event("e-lonely-handed")
    engine = engine_for(databases["registry"])
    with sessionmaker(engine)() as session:
        envelope = add_to_outbox(session, lonely, handed_over=True)
        session.commit()
    relay = OutboxRelay(sessionmaker(engine), amqp_uri)
    assert relay.publish_handed_over([envelope]) == 0
    kept = _row(engine, lonely.event_id)
    assert kept.sent_at is None and kept.attempts == 1 and kept.last_error.startswith("unroutable")
    assert relay.postponed
    relay.close()
    engine.dispose()


def test_the_queue_of_a_handler_a_service_no_longer_has_is_deleted_when_it_starts(amqp_uri):
    """Escalation stopped taking every registration: its old queue, still bound and filling, goes."""
    from nameko.containers import ServiceContainer

    from services.escalation.service import EscalationService

    old_queue = "evt-registry-entrepreneur_registered--escalation.handle_entrepreneur_registered"
    assert old_queue in EscalationService.retired.names
    old = Queue(old_queue, exchange=event_exchange("registry"), routing_key="entrepreneur_registered", durable=True)
    with Connection(amqp_uri) as connection:
        old(connection.channel()).declare()
        connection.Producer(serializer="json").publish({"event_id": "e-old"}, exchange=event_exchange("registry"),
                                                        routing_key="entrepreneur_registered")

    class Retiring:
        name = "retiring"
        retired = RetiredQueues(old_queue, "a-queue-that-never-was")

    container = ServiceContainer(Retiring, {"AMQP_URI": amqp_uri})
    container.start()
    container.stop()
    with Connection(amqp_uri) as connection:
        with pytest.raises(amqp.exceptions.NotFound):
            connection.channel().queue_declare(old_queue, passive=True)


def test_the_queues_one_handler_took_over_are_emptied_into_its_queue_and_deleted_when_it_starts(amqp_uri):
    """Consultation kept each event type on its own queue: what one still holds when the new version
    starts moves to the one queue of every type, headers and all, and the old queue goes."""
    from nameko.containers import ServiceContainer

    from services.consultation.handlers.facts import FactHandlers

    old_queue = "evt-finance-loan_applied--consultation.handle_loan_applied"
    old = Queue(old_queue, exchange=event_exchange("finance"), routing_key="loan_applied", durable=True)
    retrying = delay_queue(old_queue, 10000)  # a message between two tries, due back in its old queue
    with Connection(amqp_uri) as connection:
        old(connection.channel()).declare()
        connection.Producer(serializer="json").publish(
            {"event_id": "e-waiting"}, exchange=event_exchange("finance"), routing_key="loan_applied",
            headers={"x-guiyan-attempts": 2})
        connection.Producer(serializer="json").publish(
            {"event_id": "e-retrying"}, exchange="", routing_key=retrying.name, declare=[retrying])

    class Merging:
        name = "consultation"
        merged = FactHandlers.merged_fact_queues

    container = ServiceContainer(Merging, {"AMQP_URI": amqp_uri})
    container.start()
    container.stop()
    merged = Queue("evt-many--consultation.handle_facts")
    with Connection(amqp_uri) as connection:
        for gone in (old_queue, retrying.name):
            with pytest.raises(amqp.exceptions.NotFound):
                connection.channel().queue_declare(gone, passive=True)
        moved = [merged(connection.channel()).get(no_ack=True) for _ in range(2)]
        assert [m.payload for m in moved] == [{"event_id": "e-retrying"}, {"event_id": "e-waiting"}]
        assert moved[1].headers["x-guiyan-attempts"] == 2
        # the merged queue is bound to every type: a new event of another service's lands in it too
        connection.Producer(serializer="json").publish({"event_id": "e-new"}, exchange=event_exchange("escalation"),
                                                        routing_key="difficulty_reported")
        arrived = eventually(lambda: merged(connection.channel()).get(no_ack=True), timeout=5)
        assert arrived.payload == {"event_id": "e-new"}
        connection.channel().queue_delete(merged.name)


def test_a_read_sees_one_snapshot_however_many_statements_it_takes(databases):
    """A commit between two statements of one read is not half seen (a difficulty's decision showed
    without the timeline step written with it)."""
    from shared.db import DatabaseAccess

    engine = engine_for(databases["registry"])
    count = sa.text("SELECT count(*) FROM outbox")
    with DatabaseAccess(sessionmaker(engine), "registry", engine).read() as session:
        before = session.scalar(count)
        with sessionmaker(engine)() as other:
            add_to_outbox(other, _registered_event(f"e-snapshot-{uuid.uuid4().hex[:8]}"))
            other.commit()
        assert session.scalar(count) == before
    with engine.connect() as connection:
        assert connection.scalar(count) == before + 1
    engine.dispose()
