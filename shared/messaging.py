"""Consuming events without losing any: idempotent handlers, retries with back-off, parking.

nameko 2.x acks a message whose handler raised, losing it. `event_handler` here instead republishes
a failed message to a delay queue (its TTL dead-letters it back to the handler's own queue), so the
messages behind it go on meanwhile. What happens next depends on why it failed:

- **transient** (a database or broker that is away, a pool that cannot serve in time, a
  serialization failure or deadlock: `shared.transient`): retried with growing delays, capped at
  `MAX_DELAY_MS`, for as long as it takes; never parked;
- **waiting** (`NotYetKnown`: a fact about a record whose own event has not arrived yet): retried
  the same way for up to `WAITING_LIMIT_SECONDS`, then parked;
- **poison** (anything else: the message fails on its own content): parked after the configured
  retries (`RETRY_DELAYS_MS`);
- a body that **cannot be decoded** (not JSON, another content type) is parked at once, with why.

An operator lists, replays or discards parked messages (`guiyan parking …`, the administrator's
page). If even the republish fails, the message is requeued, not lost.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import sys
import traceback
import uuid
from functools import partial
from typing import Any

import eventlet
import eventlet.hubs
from amqp.exceptions import NotFound
from kombu import Connection, Queue, binding
from nameko.events import EventHandler, get_event_exchange
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from sqlalchemy.dialects.postgresql import insert

from shared import clock
from shared.bulk import insert_rows
from shared.events import Envelope
from shared.logging import bind_correlation_id, get_logger
from shared.outbox import inbox
from shared.publishing import BROKEN, written_together
from shared.settings import BATCH_WAIT_MS
from shared.transient import TRANSIENT_ERRORS, is_transient

log = get_logger(__name__)

ATTEMPTS_HEADER = "x-guiyan-attempts"
ORIGIN_HEADER = "x-guiyan-origin-queue"
ERROR_HEADER = "x-guiyan-error"
PARKED_AT_HEADER = "x-guiyan-parked-at"
PARKING_ID_HEADER = "x-guiyan-parking-id"
FIRST_FAILED_HEADER = "x-guiyan-first-failed-at"
PARKING_QUEUE = "guiyan.parking"
DEFAULT_RETRY_DELAYS_MS = (500, 2000, 10000)
MAX_DELAY_MS = 30_000  # the longest wait between two tries of a transient failure
IDLE_READ_SECONDS = 15.0  # a consumer's wait before it goes round its loop (under half the broker's 30 s heartbeats)
WAITING_LIMIT_SECONDS = 3600  # how long a fact waits for the record it is about


class NotYetKnown(LookupError):
    """The record this fact is about has not reached this service yet; retry later."""


def failure_kind(exc: BaseException) -> str:
    """'transient', 'waiting' or 'poison' (see the module's docstring)."""
    if is_transient(exc):
        return "transient"
    if isinstance(exc, NotYetKnown):
        return "waiting"
    return "poison"


def delay_for(delays: list[int], attempt: int) -> int:
    """The wait before retry number `attempt` (1-based): the configured delays, then doubling to
    `MAX_DELAY_MS` for failures retried without a count."""
    if attempt <= len(delays):
        return delays[attempt - 1]
    return min(MAX_DELAY_MS, max(delays[-1], 1) * 2 ** (attempt - len(delays)))


def parking_queue() -> Queue:
    return Queue(PARKING_QUEUE, durable=True, auto_delete=False)


def delay_queue(origin: str, delay_ms: int) -> Queue:
    return Queue(
        f"{origin}.retry.{delay_ms}",
        durable=True,
        auto_delete=False,
        queue_arguments={
            "x-message-ttl": delay_ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": origin,
        },
    )


def republish(amqp_uri: str, body, headers: dict, queue: Queue, **publish) -> None:
    """Publish to a queue through the default exchange, with confirms (raw bytes keep the
    `content_type` and `content_encoding` given in `publish`)."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True},
                    connect_timeout=5) as connection:
        connection.Producer(serializer="json").publish(
            body, exchange="", routing_key=queue.name, declare=[queue], headers=headers,
            delivery_mode=2, retry=False, mandatory=True, **publish)


def park(amqp_uri: str, body, headers: dict, error: str, **publish) -> str:
    """Move a message to the parking queue with why; returns its parking id."""
    parking_id = str(uuid.uuid4())
    headers = {**headers, ERROR_HEADER: error[:2000], PARKED_AT_HEADER: clock.utcnow().isoformat(),
               PARKING_ID_HEADER: parking_id}
    republish(amqp_uri, body, headers, parking_queue(), **publish)
    return parking_id


class SteadyQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that acknowledging or requeueing a message on a connection
    that has just died is logged and passed over: the broker gives every unacknowledged message back
    by itself. nameko passes over only amqp's own ConnectionError; the socket's (reset, broken pipe),
    raised while the broker restarts, ended the thread that settled the message, and a thread that
    ends with an error stops the whole container. Every consumer of a Guiyan service is one of these:
    event handlers' and RPC entrypoints' (RPC replies come on the caller's own channel,
    shared.direct_rpc)."""

    def __init__(self):
        super().__init__()
        self._channel: Any = None  # of the connection this consumer reads (after every reconnection)
        self._idle_read = False  # waiting in `consume`'s read for the next message

    def get_consumers(self, consumer_cls, channel):
        self._channel = channel
        return super().get_consumers(consumer_cls, channel)

    def consume(self, limit=None, timeout=None, safety_interval=1, **kwargs):
        """kombu's loop (`ConsumerMixin.consume`), except that a read waits `IDLE_READ_SECONDS` for
        a message instead of one second: an idle process went round it, and checked heartbeats,
        every second on each of its two connections, half of its CPU at rest. nameko cancels a
        stopping entrypoint's consumer between two reads; `_read_again` cuts the wait short then."""
        elapsed = 0.0
        with self.consumer_context(**kwargs) as (conn, channel, consumers):
            for _ in range(limit) if limit else itertools.count():
                if self.should_stop:
                    break
                self.on_iteration()
                self._idle_read = True
                try:
                    conn.drain_events(timeout=IDLE_READ_SECONDS)
                except TimeoutError:
                    self._idle_read = False
                    conn.heartbeat_check()
                    elapsed += IDLE_READ_SECONDS
                    if timeout and elapsed >= timeout:
                        raise
                    continue
                except OSError:
                    self._idle_read = False
                    if not self.should_stop:
                        raise
                    continue
                self._idle_read = False
                yield
                elapsed = 0.0

    def unregister_provider(self, provider):
        self._read_again()  # runs once nameko has put the consumer on its list to cancel, and waits
        super().unregister_provider(provider)

    def on_iteration(self):
        super().on_iteration()
        if self.should_stop:  # the loop reads once more before it looks at the flag again
            self._read_again()

    def kill(self):
        self._read_again()
        super().kill()

    def _read_again(self) -> None:
        """End the wait of this consumer's idle read as its timeout would: the hub raises the
        socket's timeout in the consuming greenthread (amqp keeps any part of a frame already read),
        and the loop goes round at once. Done from the hub, and only if that greenthread is still
        waiting in the idle read on its own socket then (never in a cancel's wait for its answer)."""
        hub = eventlet.hubs.get_hub()

        def end_the_wait() -> None:
            if not self._idle_read or self._gt is None:
                return
            sock = getattr(getattr(self._channel.connection, "transport", None), "sock", None)
            if sock is None:
                return
            try:
                listener = hub.listeners[hub.READ].get(sock.fileno())
            except OSError:  # closed meanwhile: the loop has ended or is reconnecting
                return
            if listener is not None and listener.greenlet is self._gt:
                listener.tb(TimeoutError("timed out"))

        hub.schedule_call_global(0, end_the_wait)

    def ack_message(self, message):
        self._settle(message, super().ack_message, "ack")

    def requeue_message(self, message):
        self._settle(message, super().requeue_message, "requeue")

    @staticmethod
    def _settle(message, settle, action: str) -> None:
        try:
            settle(message)
        except TRANSIENT_ERRORS as exc:
            log.warning("message_settle_lost", action=action, routing_key=message.delivery_info.get("routing_key"),
                        error=repr(exc))


class ParkingQueueConsumer(SteadyQueueConsumer):
    """nameko's queue consumer, except that a message whose body cannot be decoded is parked with
    the reason instead of being acknowledged and only logged (kombu's default)."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self.park_undecodable, provider.queue.name)
        return consumers

    def park_undecodable(self, queue_name: str, message, exc: Exception) -> None:
        error = f"the message body cannot be decoded ({type(exc).__name__}: {exc})"
        try:
            parking_id = park(self.amqp_uri, message.body, {**(message.headers or {}), ORIGIN_HEADER: queue_name},
                              error, content_type=message.content_type,
                              content_encoding=message.content_encoding)
        except Exception:
            log.exception("park_undecodable_failed", queue=queue_name)
            message.requeue()
            return
        log.error("event_parked", queue=queue_name, reason="undecodable", parking_id=parking_id,
                  content_type=message.content_type, error=error)
        message.ack()


class Batch(list):
    """The bodies of several deliveries from one handler's queue, for one worker (see `idempotent`)."""


MAX_BATCH = 50


class RetiredQueues(DependencyProvider):
    """Queues of event handlers a service no longer has, deleted when it starts: a durable queue whose
    handler is gone would otherwise keep every matching event for ever, with nobody to take them.
    What they still hold is what the service decided it does not need."""

    def __init__(self, *names: str):
        self.names = names

    def start(self) -> None:
        with Connection(self.container.config["AMQP_URI"], connect_timeout=5) as connection:
            for name in self.names:
                channel = connection.channel()
                try:
                    dropped = channel.queue_delete(name)
                    log.info("retired_queue_deleted", queue=name, messages=dropped)
                except NotFound:  # gone already
                    pass
                finally:
                    if channel.is_open:
                        channel.close()


class ReliableEventHandler(EventHandler):
    """An event handler whose failures are retried with back-off (transient ones until they pass),
    and parked when they fail on their content.

    Deliveries are handed to the handler in batches: one worker at a time per handler and process,
    and what arrives while it works waits for it and goes next, together. A delivery that finds the
    handler idle waits `EVENT_BATCH_WAIT_MS` (100 ms by default, 0: at once) for others to join it:
    under load several then share one transaction and one statement per table (`idempotent_batch`),
    where the fixed cost of a worker and a transaction was most of what an event cost; at a trickle an
    event is late by that wait. Each message is still acknowledged, retried or parked on its own.
    """

    queue_consumer = ParkingQueueConsumer()

    def __init__(self, source_service, event_type, **kwargs):
        kwargs.setdefault("requeue_on_error", True)  # only used if parking itself fails
        super().__init__(source_service, event_type, **kwargs)
        self._waiting: list = []  # (body, message) delivered while a worker of this handler runs
        self._busy = False
        self._stopping = False
        self._timer = None  # the idle handler's wait for a batch to gather
        self._batch_wait = BATCH_WAIT_MS / 1000

    def setup(self):
        super().setup()
        self._configure()

    def bound(self) -> tuple[tuple[str, str], ...]:
        """The (source service, event type) pairs its queue takes."""
        return ((self.source_service, self.event_type),)

    def _configure(self) -> None:
        self._batch_wait = self.container.config.get("EVENT_BATCH_WAIT_MS", BATCH_WAIT_MS) / 1000

    def stop(self):
        self._stopping = True
        self._cancel_wait()
        super().stop()  # no more deliveries
        if not self._busy:
            self._requeue_waiting()

    def handle_message(self, body, message):
        self._waiting.append((body, message))
        if self._busy:
            return
        if self._batch_wait <= 0 or len(self._waiting) >= min(MAX_BATCH, self.queue_consumer.prefetch_count):
            self._dispatch()  # no more can come before some are acknowledged
        elif self._timer is None:
            self._timer = eventlet.spawn_after(self._batch_wait, self._gathered)

    def _gathered(self) -> None:
        self._timer = None
        if not self._busy and not self._stopping:
            self._dispatch()

    def _cancel_wait(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _dispatch(self) -> None:
        self._cancel_wait()
        batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        if not batch:
            return
        messages = [message for _, message in batch]
        self._busy = True
        try:
            self.container.spawn_worker(self, (Batch(body for body, _ in batch),), {},
                                        context_data=self.unpack_message_headers(messages[0]),
                                        handle_result=partial(self.handle_batch_result, messages))
        except Exception as exc:  # the container is being killed: the messages go back to the queue
            self._busy = False
            log.warning("event_batch_not_started", queue=self.queue.name, error=repr(exc))
            self._waiting = batch + self._waiting
            self._requeue_waiting()

    def _requeue_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        for _, message in waiting:
            try:
                self.queue_consumer.requeue_message(message)
            except Exception as exc:  # a closed channel gives its unacked messages back by itself
                log.warning("event_requeue_failed", queue=self.queue.name, error=repr(exc))

    def handle_batch_result(self, messages, worker_ctx, result=None, exc_info=None):
        """`result` holds each message's failure (None: applied); a worker that failed as a whole
        fails every message of its batch."""
        failures = result if exc_info is None and isinstance(result, list) else [exc_info] * len(messages)
        try:
            # a batch applied whole is acknowledged in one write; a failure's retry or parking
            # publishes and waits for the broker's confirm, so such a batch writes as it goes
            live = {getattr(getattr(message, "channel", None), "connection", None) for message in messages} - {None}
            together = len(live) == 1 and all(failure is None for failure in failures)
            with written_together(live.pop() if together else None):
                for message, failure in zip(messages, failures, strict=True):
                    try:
                        self.handle_result(message, worker_ctx, None, failure)
                    except Exception as exc:  # its channel died with the broker: it comes again, unacked
                        log.warning("event_settle_failed", queue=self.queue.name, error=repr(exc))
        except BROKEN as exc:  # the held acknowledgements' write: they come again, unacknowledged
            log.warning("event_settle_failed", queue=self.queue.name, error=repr(exc))
        finally:  # whatever happened, the next batch goes: a handler left busy would stall for good
            self._busy = False
            if self._stopping:
                self._requeue_waiting()
            else:
                self._dispatch()
        return result, exc_info

    def retry_delays(self) -> list[int]:
        configured = self.container.config.get("RETRY_DELAYS_MS")
        return list(configured) if configured else list(DEFAULT_RETRY_DELAYS_MS)

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        if exc_info is not None:
            try:
                self.retry_or_park(message, exc_info)
            except Exception:
                log.exception("retry_or_park_failed", queue=self.queue.name)
                self.queue_consumer.requeue_message(message)
                return result, exc_info
        self.queue_consumer.ack_message(message)
        return result, exc_info

    def retry_or_park(self, message, exc_info) -> None:
        headers = dict(message.headers or {})
        attempts = int(headers.get(ATTEMPTS_HEADER, 0)) + 1
        kind = failure_kind(exc_info[1])
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        now = clock.utcnow()
        first_failed = headers.get(FIRST_FAILED_HEADER) or now.isoformat()
        headers.update({ATTEMPTS_HEADER: attempts, ORIGIN_HEADER: self.queue.name,
                        ERROR_HEADER: error[:2000], FIRST_FAILED_HEADER: first_failed})
        headers.pop("x-death", None)
        delays = self.retry_delays()
        amqp_uri = self.container.config["AMQP_URI"]
        waited = now - dt.datetime.fromisoformat(first_failed)
        if (kind == "transient" or (kind == "waiting" and waited.total_seconds() < WAITING_LIMIT_SECONDS)
                or attempts <= len(delays)):
            delay = delay_for(delays, attempts)
            republish(amqp_uri, message.payload, headers, delay_queue(self.queue.name, delay))
            log.warning("event_retry_scheduled", queue=self.queue.name, attempts=attempts, kind=kind,
                        delay_ms=delay, error=error)
            return
        parking_id = park(amqp_uri, message.payload, headers, error)
        log.error("event_parked", queue=self.queue.name, attempts=attempts, kind=kind, parking_id=parking_id,
                  error=error)


event_handler = ReliableEventHandler.decorator


def event_queue_name(source: str, event_type: str, service: str, method: str) -> str:
    """The queue nameko gives a handler of one event type (`evt-<source>-<type>--<service>.<method>`)."""
    return f"evt-{source}-{event_type}--{service}.{method}"


class ReliableEventsHandler(ReliableEventHandler):
    """`ReliableEventHandler` for many event types, of any services, on one queue bound to each of
    them: one consumer, and one worker at a time, so that the batches gather every type that comes.
    Consultation keeps every event of every service; with a queue and a consumer for each of its 49
    types, a loan's four steps were each a batch of one in its own transaction."""

    def __init__(self, subscriptions, **kwargs):
        self.subscriptions = tuple(subscriptions)  # (source service, event type) pairs
        super().__init__(*self.subscriptions[0], **kwargs)

    def bound(self) -> tuple[tuple[str, str], ...]:
        return self.subscriptions

    def setup(self):
        self.queue = events_queue(self.container.service_name, self.method_name, self.subscriptions,
                                  self.container.config)
        self.queue_consumer.register_provider(self)  # what nameko's Consumer.setup does
        self._configure()


def events_queue(service: str, method: str, subscriptions, config) -> Queue:
    exchanges: dict[str, Any] = {}
    bindings = [binding(exchanges.setdefault(source, get_event_exchange(source, config)), routing_key=event_type)
                for source, event_type in subscriptions]
    return Queue(f"evt-many--{service}.{method}", bindings=bindings, durable=True, auto_delete=False)


events_handler = ReliableEventsHandler.decorator


class MergedQueues(DependencyProvider):
    """The queues of handlers that one `events_handler` took over: at start, what they still hold is
    moved to its queue (declared here first, with its bindings), and they are deleted, their retry
    queues first (a message waiting there for its next try would otherwise come back to a queue that
    is gone). Nothing an earlier version left waiting is lost, and nothing more arrives in them.
    The handlers taken over were named `handle_<event type>`, as one-type handlers are."""

    def __init__(self, method: str, subscriptions):
        self.method = method
        self.subscriptions = tuple(subscriptions)

    def start(self) -> None:
        service, config = self.container.service_name, self.container.config
        target = events_queue(service, self.method, self.subscriptions, config)
        configured = list(config.get("RETRY_DELAYS_MS") or DEFAULT_RETRY_DELAYS_MS)
        delays = sorted({delay_for(configured, attempt) for attempt in range(1, 20)})
        with Connection(config["AMQP_URI"], transport_options={"confirm_publish": True},
                        connect_timeout=5) as connection:
            target(connection.default_channel).declare()
            producer = connection.Producer()
            for source, event_type in self.subscriptions:
                old = event_queue_name(source, event_type, service, f"handle_{event_type}")
                if not _queue_exists(connection, old):  # merged at an earlier start, or never made
                    continue
                moved = sum(_move(connection, producer, f"{old}.retry.{delay}", target.name) for delay in delays)
                moved += _move(connection, producer, old, target.name)
                log.info("merged_queue_deleted", queue=old, into=target.name, moved=moved)


def _queue_exists(connection, name: str) -> bool:
    channel = connection.channel()
    try:
        channel.queue_declare(name, passive=True)
        return True
    except NotFound:
        return False
    finally:
        if channel.is_open:
            channel.close()


def _move(connection, producer, name: str, into: str) -> int:
    """Every message of queue `name` published to queue `into` (confirmed, then acknowledged), and
    `name` deleted; how many moved (0 when there is no such queue)."""
    channel = connection.channel()
    moved = 0
    try:
        while (message := channel.basic_get(name)) is not None:
            producer.publish(message.body, exchange="", routing_key=into, headers=message.headers,
                             delivery_mode=2, retry=False, mandatory=True,
                             content_type=message.properties.get("content_type"),
                             content_encoding=message.properties.get("content_encoding"))
            channel.basic_ack(message.delivery_tag)
            moved += 1
        channel.queue_delete(name)
    except NotFound:
        pass
    finally:
        if channel.is_open:
            channel.close()
    return moved


def record_in_inbox(session, consumer: str, envelope: Envelope) -> bool:
    """True the first time this consumer sees the event, False on every repeat."""
    result = session.execute(
        insert(inbox)
        .values(consumer=consumer, event_id=envelope.event_id, event_type=envelope.event_type,
                processed_at=clock.utcnow())
        .on_conflict_do_nothing()
    )
    return result.rowcount == 1


def record_all_in_inbox(session, consumer: str, envelopes: list[Envelope]) -> set[str]:
    """The event ids this consumer sees for the first time, recorded with one statement."""
    now = clock.utcnow()
    rows = [{"consumer": consumer, "event_id": e.event_id, "event_type": e.event_type, "processed_at": now}
            for e in envelopes]
    return {row.event_id for row in insert_rows(session, inbox, rows, skip_existing=True, returning=("event_id",))}


def idempotent(handler):
    """Wrap `handler(self, uow, payload, envelope)`: inbox row and effects in one transaction.

    The service needs a `db` dependency (shared.db.Database). A repeat delivery is skipped. Given a
    `Batch` (from `ReliableEventHandler`), every event of it is applied in one transaction and the
    wrapper returns each one's failure (None when applied); if the batch fails, each event is tried
    alone, so that only the one at fault is retried or parked.
    """

    def apply(self, uow, items: list[tuple[Any, Envelope]]) -> None:
        for payload, envelope in items:
            bind_correlation_id(envelope.correlation_id)
            handler(self, uow, payload, envelope)

    return _idempotent(handler, apply)


def idempotent_batch(handler):
    """`idempotent` for `handler(self, uow, items)`, given every new event of a batch at once as
    (payload, envelope) pairs, in delivery order: for a handler that writes them with one statement."""
    return _idempotent(handler, handler)


def _idempotent(handler, apply):
    consumer_of = lambda self: f"{self.name}.{handler.__name__}"  # noqa: E731

    def apply_one(self, body):
        envelope = Envelope.model_validate(body)
        payload = envelope.parsed()
        bind_correlation_id(envelope.correlation_id)
        consumer = consumer_of(self)
        with self.db.unit_of_work() as uow:
            if not record_in_inbox(uow.session, consumer, envelope):
                log.info("event_already_processed", consumer=consumer, event_id=envelope.event_id)
                return None
            apply(self, uow, [(payload, envelope)])
            uow.commit()
        return None

    def apply_together(self, bodies: Batch) -> None:
        envelopes = [Envelope.model_validate(body) for body in bodies]
        payloads = [envelope.parsed() for envelope in envelopes]
        with self.db.unit_of_work() as uow:
            new = record_all_in_inbox(uow.session, consumer_of(self), envelopes)
            items = []
            for envelope, payload in zip(envelopes, payloads, strict=True):
                if envelope.event_id in new:
                    new.discard(envelope.event_id)  # the same event twice in one batch: once
                    items.append((payload, envelope))
            if items:
                apply(self, uow, items)
            uow.commit()

    @functools.wraps(handler)
    def wrapper(self, body):
        if not isinstance(body, Batch):
            return apply_one(self, body)
        if len(body) > 1:
            try:
                apply_together(self, body)
                return [None] * len(body)
            except Exception as exc:  # each alone now: only the one at fault fails
                log.info("event_batch_split", consumer=consumer_of(self), size=len(body), error=repr(exc))
        failures: list = []
        for one in body:
            try:
                apply_one(self, one)
                failures.append(None)
            except Exception:
                failures.append(sys.exc_info())
        return failures

    return wrapper
