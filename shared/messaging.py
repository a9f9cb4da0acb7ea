"""Consuming events without losing any: idempotent handlers, retries with back-off, parking.

nameko 2.x acks a message whose handler raised, losing it. `event_handler` here instead republishes
a failed message to a delay queue (its TTL dead-letters it back to the handler's own queue), a
bounded number of times, then moves it to the parking queue, where an operator can list and replay
it (`guiyan parking list|replay`). If even that republish fails, the message is requeued, not lost.
"""

from __future__ import annotations

import functools
import traceback

from kombu import Connection, Queue
from nameko.events import EventHandler
from sqlalchemy.dialects.postgresql import insert

from shared import clock
from shared.events import Envelope
from shared.logging import bind_correlation_id, get_logger
from shared.outbox import inbox

log = get_logger(__name__)

ATTEMPTS_HEADER = "x-guiyan-attempts"
ORIGIN_HEADER = "x-guiyan-origin-queue"
ERROR_HEADER = "x-guiyan-error"
PARKED_AT_HEADER = "x-guiyan-parked-at"
PARKING_QUEUE = "guiyan.parking"
DEFAULT_RETRY_DELAYS_MS = (500, 2000, 10000)


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


def republish(amqp_uri: str, body, headers: dict, queue: Queue) -> None:
    """Publish to a queue through the default exchange, with confirms."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True},
                    connect_timeout=5) as connection:
        connection.Producer(serializer="json").publish(
            body, exchange="", routing_key=queue.name, declare=[queue], headers=headers,
            delivery_mode=2, retry=False, mandatory=True)


class ReliableEventHandler(EventHandler):
    """An event handler whose failures are retried with back-off, then parked."""

    def __init__(self, source_service, event_type, **kwargs):
        kwargs.setdefault("requeue_on_error", True)  # only used if parking itself fails
        super().__init__(source_service, event_type, **kwargs)

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
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        headers.update({ATTEMPTS_HEADER: attempts, ORIGIN_HEADER: self.queue.name,
                        ERROR_HEADER: error[:2000]})
        headers.pop("x-death", None)
        delays = self.retry_delays()
        amqp_uri = self.container.config["AMQP_URI"]
        body = message.payload
        if attempts <= len(delays):
            republish(amqp_uri, body, headers, delay_queue(self.queue.name, delays[attempts - 1]))
            log.warning("event_retry_scheduled", queue=self.queue.name, attempts=attempts,
                        delay_ms=delays[attempts - 1], error=error)
            return
        headers[PARKED_AT_HEADER] = clock.utcnow().isoformat()
        republish(amqp_uri, body, headers, parking_queue())
        log.error("event_parked", queue=self.queue.name, attempts=attempts, error=error)


event_handler = ReliableEventHandler.decorator


def record_in_inbox(session, consumer: str, envelope: Envelope) -> bool:
    """True the first time this consumer sees the event, False on every repeat."""
    result = session.execute(
        insert(inbox)
        .values(consumer=consumer, event_id=envelope.event_id, event_type=envelope.event_type,
                processed_at=clock.utcnow())
        .on_conflict_do_nothing()
    )
    return result.rowcount == 1


def idempotent(handler):
    """Wrap `handler(self, uow, payload, envelope)`: inbox row and effects in one transaction.

    The service needs a `db` dependency (shared.db.Database). A repeat delivery is skipped.
    """

    @functools.wraps(handler)
    def wrapper(self, body):
        envelope = Envelope.model_validate(body)
        payload = envelope.parsed()
        bind_correlation_id(envelope.correlation_id)
        consumer = f"{self.name}.{handler.__name__}"
        with self.db.unit_of_work() as uow:
            if not record_in_inbox(uow.session, consumer, envelope):
                log.info("event_already_processed", consumer=consumer, event_id=envelope.event_id)
                return None
            result = handler(self, uow, payload, envelope)
            uow.commit()
        return result

    return wrapper
