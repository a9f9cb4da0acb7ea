"""What every Guiyan nameko service has: correlation ids, the outbox relay, error logging."""

from __future__ import annotations

import functools
import inspect
import sys
import time
from typing import Any

import eventlet
import eventlet.event
import kombu.serialization
import sqlalchemy as sa
from kombu.exceptions import EncodeError
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.exceptions import UnserializableValueError, serialize
from nameko.extensions import DependencyProvider
from nameko.rpc import Responder, Rpc, RpcConsumer, get_rpc_exchange
from nameko.timer import Timer
from pydantic_core import to_jsonable_python

from shared import (
    rpc_errors,  # noqa: F401  (domain errors cross RPC as themselves)
    wakes,
)
from shared.actors import as_actor
from shared.db import DatabaseAccess, make_engine, stale_data_error
from shared.direct_rpc import SteadyRpcProxy, is_direct_reply  # noqa: F401  (every service's RPC proxy)
from shared.errors import EXPECTED_ERRORS, DomainError, ServiceUnavailable, unavailable
from shared.idempotency import in_transaction, run_once
from shared.logging import bind_correlation_id, get_logger
from shared.messaging import SteadyQueueConsumer
from shared.outbox import OutboxRelay, outbox
from shared.publishing import HeldPublisher
from shared.settings import SETTINGS_BY_SERVICE, ServiceSettings
from shared.transient import TRANSIENT_ERRORS, is_transient

log = get_logger(__name__)
RELAY_INTERVAL = ServiceSettings().outbox_interval_seconds
HANDED_BATCH = 200


class CorrelationContext(DependencyProvider):
    """Binds the caller's correlation id (or a new one) to the logs of every worker.

    nameko passes `worker_ctx.data` on in the headers of the RPC calls and events a worker makes,
    so the id follows a request across services.
    """

    def __init__(self, refusals_at: str = "debug"):
        # a refusal is logged once, at INFO, where it becomes an answer (the gateway); services
        # that only pass it on log it at DEBUG
        self.refusals_at = refusals_at

    def worker_setup(self, worker_ctx):
        correlation_id = worker_ctx.data.get("correlation_id")
        if correlation_id is None and worker_ctx.args and hasattr(worker_ctx.args[0], "environ"):
            correlation_id = worker_ctx.args[0].environ.get("guiyan.correlation_id")  # an HTTP request
        worker_ctx.data["correlation_id"] = bind_correlation_id(correlation_id)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            return
        error, entrypoint = exc_info[1], worker_ctx.entrypoint.method_name
        if isinstance(error, ServiceUnavailable) or is_transient(error):
            cause = error.__context__ if isinstance(error, ServiceUnavailable) else error
            log.warning("dependency_unavailable", entrypoint=entrypoint,
                        error=type(cause or error).__name__)
        elif isinstance(error, DomainError):
            getattr(log, self.refusals_at)("request_refused", entrypoint=entrypoint,
                                           code=error.code, field=error.field)
        else:  # nameko logs the traceback of an unexpected error
            log.error("worker_failed", entrypoint=entrypoint, error=repr(error))


class Outbox(DependencyProvider):
    """The relay that publishes this service's outbox rows: one per process, on its own connection,
    woken by every worker that recorded events and otherwise looking every
    `GUIYAN_OUTBOX_INTERVAL_SECONDS` (for rows another instance left behind, or a retry after a
    back-off), sooner while a postponed row waits."""

    RETRY_LOOK_SECONDS = 1.0

    def __init__(self, service: str):
        self.service = service
        self.relay: OutboxRelay | None = None
        self.interval = RELAY_INTERVAL
        self._wake = eventlet.event.Event()
        self._look = False  # look at the table at the next turn (rows released, see look_now)
        self._running = False
        self._handed: list[dict] = []  # committed envelopes waiting for the relay

    def setup(self) -> None:
        settings = SETTINGS_BY_SERVICE[self.service]()
        url = self.container.config.get("DATABASE_URL") or settings.database_url(self.service)
        self.engine = make_engine(url, pool_size=1, prepare=settings.db_prepared_statements)
        amqp = (self.container.config.get("OUTBOX_AMQP_URI") or settings.outbox_amqp_uri
                or self.container.config["AMQP_URI"])
        from sqlalchemy.orm import sessionmaker  # a service with an outbox maps its classes

        self.relay = OutboxRelay(sessionmaker(self.engine), amqp)
        self.interval = settings.outbox_interval_seconds

    def start(self) -> None:
        self._running = True
        wakes.listen(wakes.RELAYS, self.look_now)
        self.container.spawn_managed_thread(self._run)

    def stop(self) -> None:
        self._running = False
        wakes.forget(wakes.RELAYS, self.look_now)
        self.wake()
        if self.relay is not None:
            self.relay.mark_confirmed()
            self.relay.close()
        self.engine.dispose()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx) -> OutboxRelay:
        assert self.relay is not None
        return self.relay

    def worker_setup(self, worker_ctx) -> None:
        db = getattr(worker_ctx.service, "db", None)
        if isinstance(db, DatabaseAccess):
            db.relay_here = True

    def worker_teardown(self, worker_ctx) -> None:
        """Hand a worker's committed events to the relay, which publishes them at once."""
        db = getattr(worker_ctx.service, "db", None)
        if isinstance(db, DatabaseAccess) and db.committed:
            self._handed.extend(db.committed)
            self.wake()

    def wake(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def look_now(self, within: float = 0.0) -> None:
        """Look at the table at the next turn (rows released for the relay): at once, whatever `within`."""
        self._look = True
        self.wake()

    def _pause(self) -> float:
        """Between two looks at the table: the interval, or a second while a postponed row waits."""
        assert self.relay is not None
        return self.RETRY_LOOK_SECONDS if self.relay.postponed else self.interval

    def _run(self) -> None:
        """Publish what workers hand over as soon as they do; look in the table for anything due
        every `interval` (every second while a postponed row waits)."""
        assert self.relay is not None
        looked = 0.0
        while self._running:
            handed, self._handed = self._handed[:HANDED_BATCH], self._handed[HANDED_BATCH:]
            try:
                if handed:
                    self.relay.publish_handed_over(handed)
                if self.relay.marks_due_in() == 0:
                    self.relay.mark_confirmed()
                if self._look or time.monotonic() - looked >= self._pause():
                    self._look, looked = False, time.monotonic()
                    self.relay.relay_once()
            except Exception as exc:  # the database may be restarting; the next look tries again
                log.warning("outbox_relay_failed", error=repr(exc))
            if self._handed:
                continue
            marks = self.relay.marks_due_in()
            wait = max(0.0, looked + self._pause() - time.monotonic())
            with eventlet.Timeout(wait if marks is None else min(wait, marks), False):
                self._wake.wait()
            if self._wake.ready():  # a wake meanwhile is served by the next run: its commit came first
                self._wake.reset()


class ReplyPublisher(HeldPublisher):
    """Replies go on the process's held connections (shared.publishing), without publisher confirms.
    A confirm would tell the service, not the caller, that the broker took the reply, and a service
    can do nothing with that: a reply that is lost leaves the caller to time out (503) either way
    (see SteadyRpc). It cost a round trip and a wait per call."""


class ReplyResponder(Responder):
    """nameko's responder, except that the result is serialized once, as it is sent: nameko dumps it
    first only to see whether it can (a fifth of a list's cost in the registry). A result that cannot
    be serialized is still answered with UnserializableValueError, as nameko would."""

    publisher_cls = ReplyPublisher

    def send_response(self, result, exc_info):
        properties = self.message.properties
        publisher = self.publisher_cls(self.amqp_uri, ssl=self.ssl, login_method=self.login_method)

        reply_to = properties["reply_to"]
        # a direct reply-to address is reached through the default exchange only (shared.direct_rpc)
        exchange = "" if is_direct_reply(reply_to) else self.exchange

        def send(payload) -> None:
            publisher.publish(payload, serializer=kombu.serialization.registry.type_to_name[properties["content_type"]],
                              exchange=exchange, routing_key=reply_to,
                              correlation_id=properties.get("correlation_id"))

        error = serialize(exc_info[1]) if exc_info is not None else None
        try:
            send({"result": result, "error": error})
        except EncodeError:
            exc_info = sys.exc_info()
            send({"result": None, "error": serialize(UnserializableValueError(result))})
            result = None
        return result, exc_info


class QuickReplyRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, replying through ReplyResponder; a request whose acknowledgement is
    lost with the broker comes again (SteadyQueueConsumer)."""

    queue_consumer = SteadyQueueConsumer()

    def handle_result(self, message, result, exc_info):
        config = self.container.config
        responder = ReplyResponder(
            config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class SignatureOnce:
    """An entrypoint that checks each call's arguments against its method as nameko does, with the
    method's signature worked out once: nameko's `inspect.getcallargs` worked it out again on every
    call, 56 µs of every RPC and of every HTTP request. The same signature is checked (the method as
    the class holds it, not what a decorator wraps), with the same error."""

    _signature: inspect.Signature | None = None
    container: Any  # as the entrypoint it is mixed into has them
    method_name: str

    def check_signature(self, args, kwargs):
        if self._signature is None:
            self._signature = inspect.signature(getattr(self.container.service_cls, self.method_name),
                                                follow_wrapped=False)
        try:
            self._signature.bind(None, *args, **kwargs)  # None: the unbound method's `self`, as nameko passes
        except TypeError:
            super().check_signature(args, kwargs)  # type: ignore[misc]  # nameko's check, for its message
            raise


class SteadyRpc(SignatureOnce, Rpc):
    """nameko's RPC entrypoint, except that a reply that cannot be sent (the broker went away while
    the command ran) is logged instead of killing the whole service: nameko lets that error end the
    worker's thread, and a thread that ends with an error stops the container. The caller has had
    its 503 by then; the request, never acknowledged, comes again once the broker is back, which
    idempotency keys and commands idempotent by nature make safe."""

    rpc_consumer = QuickReplyRpcConsumer()

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except TRANSIENT_ERRORS as exc:
            log.warning("rpc_reply_lost", entrypoint=self.method_name, error=repr(exc))
            return result, exc_info


def json_rpc(method):
    """An RPC entrypoint whose result is plain JSON (dates as ISO strings), stored or sent alike.

    A transient failure (the database away, the pool exhausted) reaches the caller as
    `ServiceUnavailable`, which the gateway answers with 503 and `Retry-After`.
    """

    @functools.wraps(method)
    def jsonable(*args, **kwargs):
        try:
            return to_jsonable_python(method(*args, **kwargs))
        except TRANSIENT_ERRORS:
            raise unavailable() from None

    return SteadyRpc.decorator(expected_exceptions=EXPECTED_ERRORS)(jsonable)


class Sweep(Timer):
    """nameko's timer for a periodic sweep, with two differences. A sweep says when it wants to run
    again: its method returns the seconds until its next work is due (at most `interval`; None for
    `interval`). And `shared.wakes.wake(name)` runs it sooner, in this process: a command that started
    an import, a handler that queued a text message. Each tick wakes an idle process, and a process
    woken after resting spends 10 to 20 times the CPU of the same work done while busy (caches
    gone): a look every 3 or 5 seconds was most of a process's CPU at rest."""

    def __init__(self, interval: float, **kwargs):
        super().__init__(interval, **kwargs)
        self._poke = eventlet.event.Event()
        self._stopping = False
        self._next: float = interval
        self._woken_for = float("inf")  # the monotonic time a wake asked to run by

    def setup(self) -> None:
        wakes.listen(self.method_name, self.poke)

    def stop(self) -> None:
        wakes.forget(self.method_name, self.poke)
        self._stopping = True
        self._interrupt()
        self.gt.wait()

    def kill(self) -> None:
        wakes.forget(self.method_name, self.poke)
        super().kill()

    def poke(self, within: float = 0.0) -> None:
        """Run within `within` seconds (or at once): the wakes that come meanwhile are one run."""
        by = time.monotonic() + within
        if by < self._woken_for:
            self._woken_for = by
            self._interrupt()

    def _interrupt(self) -> None:
        if not self._poke.ready():
            self._poke.send(True)

    def _run(self) -> None:
        due = time.monotonic() + self.interval
        while True:
            wait = min(due, self._woken_for) - time.monotonic()
            if wait > 0:
                with eventlet.Timeout(wait, False):
                    self._poke.wait()
            if self._stopping:
                return
            if self._poke.ready():
                self._poke.reset()
            if time.monotonic() < min(due, self._woken_for):
                continue  # woken to run a little later, or sooner than that
            self._woken_for = float("inf")  # a wake during the run runs it again
            self._next = self.interval
            self.handle_timer_tick()
            self.worker_complete.wait()
            self.worker_complete.reset()
            due = time.monotonic() + self._next

    def handle_result(self, worker_ctx, result, exc_info):
        if isinstance(result, int | float):
            self._next = max(0.0, min(self.interval, float(result)))
        return super().handle_result(worker_ctx, result, exc_info)


def sweep(interval: float):
    """A periodic sweep (`Sweep`): a failure (the database restarting, a twin instance that did it
    first) is logged as `<name>_failed` and left to the next tick. The method may return the seconds
    until it wants to run again."""
    def decorate(method):
        @functools.wraps(method)
        def tick(self):
            try:
                return method(self)
            except Exception as exc:  # the next tick tries again
                log.warning(f"{method.__name__}_failed", error=repr(exc))
                return None

        return Sweep.decorator(interval=interval)(tick)

    return decorate


def sweep_each(db, ids, work) -> dict[str, int]:
    """`work(uow, id)` for each id in its own transaction; counts of what it returned.

    A row that someone changed meanwhile (optimistic locking) is left for the next sweep.
    """
    done: dict[str, int] = {}
    for row_id in ids:
        try:
            with db.unit_of_work() as uow:
                outcome = work(uow, row_id)
                uow.commit()
        except stale_data_error():
            log.info("sweep_row_skipped", row_id=row_id)
            continue
        if outcome:
            done[outcome] = done.get(outcome, 0) + 1
    return done


class GuiyanService:
    """Base of every service: declare `name`, `db = Database(name)` and `outbox = Outbox(name)`."""

    context = CorrelationContext()
    db: DatabaseAccess  # what the dependencies give each worker
    outbox: Any

    def _transaction(self, work):
        """`work(uow)` in one transaction, for a command idempotent by nature: it keeps no result."""
        return in_transaction(self.db, lambda uow: to_jsonable_python(work(uow)))

    def _once(self, actor, scope, key, request, work, reach=None):
        """`work(uow)` once per caller's idempotency key, its result stored as plain JSON.

        `reach(session, result)` is the command's access check for a replay (see shared.idempotency).
        """
        return run_once(self.db, as_actor(actor).user_id, scope, key, request,
                        lambda uow: to_jsonable_python(work(uow)), reach)

    @SteadyRpc.decorator
    def ping(self):
        """Readiness: the service consumes its RPC queue."""
        return "pong"

    @SteadyRpc.decorator
    def outbox_page(self, after_id=0, limit=500):
        """The events this service has recorded after `after_id`, oldest first: [[id, envelope], ...].

        The outbox keeps every event once sent, so a consumer can rebuild its read models from it.
        """
        with self.db.read() as session:
            rows = session.execute(sa.select(outbox.c.id, outbox.c.envelope).where(outbox.c.id > int(after_id))
                                   .order_by(outbox.c.id).limit(min(int(limit), 2000))).all()
        return [[row.id, row.envelope] for row in rows]

