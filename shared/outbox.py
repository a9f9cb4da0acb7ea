"""Transactional outbox: events are rows written with the change, then relayed to RabbitMQ.

The relay publishes with publisher confirms and `mandatory`, so an event the broker did not take,
or that no queue would receive, stays in the table and is tried again with back-off.
A crash anywhere loses nothing; it may publish twice (consumers are idempotent).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from kombu import Connection, Exchange
from sqlalchemy.dialects.postgresql import JSONB

from shared import clock
from shared.bulk import insert_rows
from shared.db import after_commit
from shared.events import Envelope
from shared.logging import get_logger
from shared.publishing import amqp_message, send_publish
from shared.wakes import wake_relays

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = get_logger(__name__)
messaging_metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    messaging_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_type", sa.String(80), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("producer", sa.String(40), nullable=False),
    sa.Column("envelope", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Index("outbox_unsent", "next_attempt_at", "id", postgresql_where=sa.text("sent_at IS NULL")),
)

inbox = sa.Table(
    "inbox",
    messaging_metadata,
    sa.Column("consumer", sa.String(120), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("event_type", sa.String(80), nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
)

MAX_BACKOFF = timedelta(minutes=5)


def create_messaging_tables(bind: sa.Connection) -> None:
    """Used by each service's first migration: the outbox and inbox tables."""
    messaging_metadata.create_all(bind)


HANDOFF_GRACE = timedelta(seconds=5)
MARK_EVERY_SECONDS = 0.25  # handed-over events the broker took are marked sent together, this often


def add_to_outbox(session: Session, event: Envelope, *, handed_over: bool = False) -> dict:
    """Record the event with the change; returns its envelope as stored.

    `handed_over`: the process's own relay is given the envelope once the transaction commits and
    publishes it at once, so the row is not due for the relay's periodic look until
    `HANDOFF_GRACE` has passed; it is due then only if the hand-off never published it (the
    process died, the broker was away)."""
    now = clock.utcnow()
    envelope = event.model_dump(mode="json")
    session.execute(
        outbox.insert().values(
            event_id=event.event_id,
            event_type=event.event_type,
            version=event.version,
            producer=event.producer,
            envelope=envelope,
            created_at=now,
            next_attempt_at=now + HANDOFF_GRACE if handed_over else now,
        )
    )
    return envelope


def add_all_to_outbox(session: Session, events: list[Envelope], *, handed_over: bool = False,
                      held: bool = False) -> list[dict]:
    """`add_to_outbox` for many events with one statement (a batch of an import).

    `held`: the rows wait, unsent, until `release_held` makes them due. An import's batches hold
    their events until its last batch: while it runs, the relay's publishing, the broker and every
    consumer would otherwise take the same two cores as the import (an import of 100,000 rows got a
    fifth of a core while its 150,000 events flowed), and the other services see the import whole."""
    rows, envelopes = outbox_rows(events, handed_over=handed_over, held=held)
    insert_rows(session, outbox, rows)
    return envelopes


def outbox_rows(events: list[Envelope], *, handed_over: bool = False, held: bool = False) -> tuple[list[dict], list[dict]]:
    """The outbox's rows for these events (as `add_all_to_outbox` writes them), and their envelopes."""
    now = clock.utcnow()
    due = "infinity" if held else now + HANDOFF_GRACE if handed_over else now
    envelopes = [event.model_dump(mode="json") for event in events]
    return [{"event_id": event.event_id, "event_type": event.event_type, "version": event.version,
             "producer": event.producer, "envelope": envelope, "created_at": now, "next_attempt_at": due}
            for event, envelope in zip(events, envelopes, strict=True)], envelopes


HELD: sa.ColumnElement = sa.literal_column("'infinity'::timestamptz")  # next_attempt_at of a held row


def _held(unless) -> list[sa.ColumnElement[bool]]:
    condition = [outbox.c.sent_at.is_(None), outbox.c.next_attempt_at == HELD]
    return condition if unless is None else [*condition, ~unless]


def any_held(session: Session, *, unless=None) -> bool:
    """Whether a row is held (see `add_all_to_outbox`), `unless` that condition holds."""
    return bool(session.scalar(sa.select(sa.exists().where(*_held(unless)))))


def release_held(session: Session, *, unless=None) -> int:
    """Every held row due now (see `add_all_to_outbox`), `unless` that condition holds; returns how
    many. This process's relays look for them as soon as the transaction commits."""
    done = session.execute(outbox.update().where(*_held(unless)).values(next_attempt_at=sa.func.now()))
    if done.rowcount:  # type: ignore[attr-defined]
        after_commit(session, wake_relays)
    return done.rowcount  # type: ignore[attr-defined]


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(attempts, 12)), MAX_BACKOFF)


CONFIRM_TIMEOUT_SECONDS = 10
# a socket that takes every message at once never makes the relay wait, so a long batch would keep
# every request and worker of its process waiting (an import's 150,000 events did: the import
# itself got a tenth of the process)
YIELD_EVERY = 20
UNROUTABLE = "unroutable: no queue is bound for this event"
REFUSED = "the broker refused the message (nack)"


class ConfirmedChannel:
    """A channel in confirm mode whose publishes are confirmed together: every message of a batch is
    sent, then one wait collects the broker's acks (often several at once, with `multiple`).
    Returned (unroutable) messages are told apart by their event id; the broker sends the return
    before the ack of the same message."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.channel = connection.channel()
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._acked)
        self.channel.events["basic_nack"].add(self._nacked)
        self.channel.events["basic_return"].add(self._returned)
        self.declared: set[str] = set()  # the exchanges declared on this channel
        self.tag = 0  # the last delivery tag used on this channel (confirm mode numbers from 1)
        self.pending: set[int] = set()  # published, not yet acked or nacked
        self.nacked: set[int] = set()
        self.returned: set[str] = set()

    def _settle(self, tag: int, multiple: bool, nacked: bool) -> None:
        settled = {t for t in self.pending if t <= tag} if multiple else {tag} & self.pending
        self.pending -= settled
        if nacked:
            self.nacked |= settled

    def _acked(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple, nacked=False)

    def _nacked(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple, nacked=True)

    def _returned(self, exc, exchange, routing_key, message) -> None:
        self.returned.add((message.headers or {}).get("guiyan.event_id", ""))

    def publish(self, envelope: dict) -> int:
        exchange = event_exchange(envelope["producer"])
        if exchange.name not in self.declared:
            exchange.declare(channel=self.channel)
            self.declared.add(exchange.name)
        headers = {"nameko.correlation_id": envelope.get("correlation_id") or "",
                   "guiyan.event_id": envelope["event_id"]}
        # `mandatory`: an event no queue would receive comes back (counted unroutable by `_returned`)
        send_publish(self.channel, amqp_message(envelope, "json", headers, delivery_mode=2, priority=0),
                     exchange.name, envelope["event_type"], mandatory=True)
        self.tag += 1
        self.pending.add(self.tag)
        return self.tag

    def publish_all(self, envelopes: list[dict]) -> dict[str, str | None]:
        """Publish every envelope and wait once for their confirms: each event id with None when the
        broker took it, or why it did not (UNROUTABLE, REFUSED). A lost broker raises."""
        self.returned.clear()
        tags = {}
        for n, envelope in enumerate(envelopes, start=1):
            tags[self.publish(envelope)] = envelope["event_id"]
            if n % YIELD_EVERY == 0:
                time.sleep(0)  # under eventlet, a turn for the process's requests and its other work
        self.wait_for_confirms()
        outcome = {event_id: UNROUTABLE if event_id in self.returned else REFUSED if tag in self.nacked else None
                   for tag, event_id in tags.items()}
        self.nacked.clear()
        return outcome

    def wait_for_confirms(self, timeout: float = CONFIRM_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(self.pending)} messages not confirmed by the broker")
            self.connection.drain_events(timeout=remaining)

    def close(self) -> None:
        try:
            self.channel.close()
        except Exception:  # already broken
            pass


class OutboxRelay:
    """Publishes unsent outbox rows; safe to run in several processes at once (SKIP LOCKED).

    Within a process one run at a time holds the relay's broker connection; a call that finds it
    busy asks the running one to look again, so nothing committed meanwhile waits for the timer.
    A batch is published whole, its confirms awaited once, and its sent rows marked by one UPDATE.
    """

    def __init__(self, session_factory: sessionmaker, amqp_uri: str, batch_size: int = 200):
        self.session_factory = session_factory
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self._connection: Connection | None = None
        self._channel: ConfirmedChannel | None = None
        self._lock = threading.Lock()  # a green lock under eventlet
        self._again = False
        self.postponed = False  # the last run left rows for a retry after their back-off
        self._confirmed: list[str] = []  # handed over, taken by the broker, not yet marked sent
        self._confirmed_since = 0.0

    def publish_handed_over(self, envelopes: list[dict]) -> int:
        """Publish events that this process has just committed (their rows are not yet due). What the
        broker took is marked sent by `mark_confirmed`, for all the events of the last
        `MARK_EVERY_SECONDS` with one statement; no SELECT, no transaction. What it did not take is
        postponed at once, and stays for the periodic look, as does anything not marked within the
        hand-off's grace (a process that died meanwhile): consumers take an event once however
        often it comes."""
        with self._lock:
            try:
                outcome = self._confirmed_channel().publish_all(envelopes)
            except Exception as exc:  # broker down or connection lost: the periodic look takes them
                self.close()
                log.warning("outbox_relay_failed", error=repr(exc), pending=len(envelopes))
                self.postponed = True
                return 0
            sent = [event_id for event_id, error in outcome.items() if error is None]
            kept = {event_id: error for event_id, error in outcome.items() if error is not None}
            if sent and not self._confirmed:
                self._confirmed_since = time.monotonic()
            self._confirmed += sent
            if kept:
                with self._autocommit() as connection:
                    for event_id, error in kept.items():  # tried again after the first back-off
                        connection.execute(outbox.update().where(outbox.c.event_id == event_id)
                                           .values(attempts=outbox.c.attempts + 1, last_error=error,
                                                   next_attempt_at=clock.utcnow() + backoff(0)))
                        log.warning("outbox_event_postponed", event_id=event_id, error=error)
            self.postponed = self.postponed or bool(kept)
        if len(self._confirmed) >= self.batch_size:
            self.mark_confirmed()
        return len(sent)

    @contextmanager
    def _autocommit(self) -> Iterator[sa.Connection]:
        """A connection whose every statement commits by itself: no transaction to open or end."""
        with self.session_factory() as session:
            yield session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    def marks_due_in(self) -> float | None:
        """Seconds until the confirmed events are to be marked sent; None when none wait."""
        if not self._confirmed:
            return None
        return max(0.0, self._confirmed_since + MARK_EVERY_SECONDS - time.monotonic())

    def mark_confirmed(self) -> None:
        """Mark sent, with one UPDATE, every handed-over event the broker has taken. If the database
        is away they wait for the next try (and, past their grace, are published again)."""
        with self._lock:
            if not self._confirmed:
                return
            marked = self._confirmed
            try:
                with self._autocommit() as connection:
                    connection.execute(outbox.update().where(outbox.c.event_id.in_(marked), outbox.c.sent_at.is_(None))
                                       .values(sent_at=sa.func.now(), last_error=None))
            except Exception as exc:
                log.warning("outbox_marking_failed", error=repr(exc), pending=len(marked))
                self._confirmed_since = time.monotonic()
                return
            self._confirmed = []

    def relay_once(self) -> int:
        """Publish everything that is due; returns how many rows were sent."""
        if not self._lock.acquire(blocking=False):
            self._again = True
            return 0
        try:
            total = 0
            self.postponed = False
            while True:
                self._again = False
                sent = self._relay_batch()
                total += sent
                if not (self._again or sent == self.batch_size):
                    return total
        finally:
            self._lock.release()

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # already broken; nothing to tidy
                pass
            self._connection = None

    @functools.cached_property
    def _due(self) -> sa.Select:
        """The rows due, built once: a relay's look mostly finds none, and building the statement was
        a third of the look."""
        return (sa.select(outbox.c.id, outbox.c.envelope, outbox.c.attempts)
                .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= sa.func.now())
                # the order of the unsent rows' own index: by id alone the planner walked the primary
                # key from the first row ever sent, past every sent row, on each batch (a relay behind
                # an import of 100,000 rows spent most of its database time there)
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True))

    def _relay_batch(self) -> int:
        with self.session_factory() as session, session.begin():
            rows = session.execute(self._due).all()
            if not rows:
                return 0
            return self._publish_rows(session, rows)

    def _confirmed_channel(self) -> ConfirmedChannel:
        if self._connection is None:
            self._connection = Connection(self.amqp_uri, connect_timeout=3)
            self._connection.connect()
        if self._channel is None:
            self._channel = ConfirmedChannel(self._connection)
        return self._channel

    def _publish_rows(self, session: Session, rows) -> int:
        try:
            outcome = self._confirmed_channel().publish_all([row.envelope for row in rows])
        except Exception as exc:  # broker down or connection lost: keep them all for later
            self.close()
            log.warning("outbox_relay_failed", error=repr(exc), pending=len(rows))
            self._postpone_all(session, rows, repr(exc))
            self.postponed = True
            return 0
        sent = [row.id for row in rows if outcome[row.envelope["event_id"]] is None]
        kept = [(row, error) for row in rows if (error := outcome[row.envelope["event_id"]]) is not None]
        if sent:
            session.execute(outbox.update().where(outbox.c.id.in_(sent)).values(sent_at=sa.func.now(),
                                                                                 last_error=None))
        for row, error in kept:
            self._postpone(session, row, error)
        self.postponed = self.postponed or bool(kept)
        return len(sent)

    def _postpone(self, session: Session, row, error: str) -> None:
        session.execute(
            outbox.update()
            .where(outbox.c.id == row.id)
            .values(attempts=row.attempts + 1, last_error=error,
                    next_attempt_at=clock.utcnow() + backoff(row.attempts))
        )
        log.warning("outbox_event_postponed", event_id=row.envelope["event_id"], error=error)

    def _postpone_all(self, session: Session, rows, error: str) -> None:
        retry_at = clock.utcnow() + timedelta(seconds=1)
        session.execute(
            outbox.update().where(outbox.c.id.in_([row.id for row in rows]))
            .values(attempts=outbox.c.attempts + 1, last_error=error, next_attempt_at=retry_at)
        )


@functools.cache
def event_exchange(service: str) -> Exchange:
    """The exchange nameko's `@event_handler` binds to (same arguments, or the broker refuses)."""
    return Exchange(f"{service}.events", type="topic", durable=True, auto_delete=False,
                    delivery_mode=2)


def outbox_status(session: Session) -> dict:
    """Counts for operators: pending, postponed with an error, sent."""
    counts = session.execute(
        sa.select(
            sa.func.count().filter(outbox.c.sent_at.is_(None)),
            sa.func.count().filter(outbox.c.sent_at.is_(None), outbox.c.last_error.is_not(None)),
            sa.func.count().filter(outbox.c.sent_at.is_not(None)),
        )
    ).one()
    return {"pending": counts[0], "failing": counts[1], "sent": counts[2]}
