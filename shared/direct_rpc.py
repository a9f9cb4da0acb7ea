"""RPC calls whose replies come straight back on the caller's own channel (RabbitMQ's direct
reply-to, `amq.rabbitmq.reply-to`).

nameko's proxy sent each request on a connection lent for the call and waited for the broker's
confirm of it, and the reply went through a reply queue the broker kept for the process: queued,
delivered, and taken by the reply listener through kombu's consumer. Measured on a read that does
little else, that was about 1 ms of the caller's CPU and 0.5 ms of the broker's per call, against
0.4 ms for the whole of an HTTP request that makes no call; a loan's flow makes four.

Here a process holds one connection for its calls (`CallLine`). Its channel consumes the direct
reply-to pseudo-queue without acknowledgements; every request goes out on it with `mandatory` and
`reply_to` set, and the broker hands the reply to that channel, where one reader greenthread gives
it to the call waiting for its correlation id. What the confirm was there for is kept:

- **an unknown service is refused at once**: a request no queue takes comes back at once
  (`basic.return`, `mandatory`) on the same channel, with its correlation id, and that call raises
  nameko's `UnknownService`;
- **a broker that goes away is a 503 at once, not at the timeout**: when the connection breaks, the
  reader fails every call still waiting on it with a transient error (kombu's `OperationalError`),
  and the next call opens a new connection. A request written on a connection that had sat idle and
  was found broken is written once more on a new one, as the held publishers do
  (`shared.publishing`). A connection on which nothing at all came while a call waited out its
  timeout is given up too (it may have died without the socket knowing), as a held publisher's was
  after a confirm that did not come.

Requests are not persistent, as before: one that waited in its queue through a broker restart
would be carried out for a caller that had its 503 long before. The server answers through
`ReplyResponder` (shared.nameko_base), which sends a reply to a direct reply-to address on the
default exchange, as the broker requires, and any other reply (nameko's standalone proxies in tests
and scripts) to the RPC exchange as nameko does. nameko's own `@rpc` answers on the RPC exchange
only, which cannot reach a direct caller: every entrypoint of a service is `SteadyRpc` (its
consumers are steady ones, which tests/unit/test_steady_rpc.py holds for every service).
"""

from __future__ import annotations

import uuid
from typing import Any

import eventlet
import eventlet.event
import eventlet.semaphore
import kombu
import kombu.serialization
from kombu.entity import TRANSIENT_DELIVERY_MODE
from kombu.exceptions import OperationalError
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.exceptions import UnknownService, deserialize
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.messaging import HeaderEncoder
from nameko.rpc import get_rpc_exchange

from shared.publishing import BROKEN, amqp_message, drop_connection, send_publish

REPLY_TO = "amq.rabbitmq.reply-to"  # the broker's pseudo-queue: a reply goes to the channel that asked


def is_direct_reply(reply_to: str | None) -> bool:
    """Whether a request's reply address is a direct reply-to one (answered on the default exchange)."""
    return reply_to is not None and reply_to.startswith(REPLY_TO)


class _Line:
    """One open connection and its channel, the calls waiting on it and the greenthread reading it."""

    def __init__(self, amqp_uri: str, exchange: kombu.Exchange, ssl, login_method):
        self.connection = kombu.Connection(amqp_uri, ssl=ssl, login_method=login_method)
        self.waiting: dict[str, eventlet.event.Event] = {}
        self.answered = 0  # replies and returns the line has carried
        self.broken: BaseException | None = None
        self.writing = eventlet.semaphore.Semaphore()
        try:
            self.connection.connect()
            self.channel = self.connection.channel()
            # the exchange as the services declare it, so that a call made before any service has
            # started is refused as an unknown service, not by the broker closing the channel
            self.channel.exchange_declare(exchange.name, exchange.type, durable=exchange.durable, auto_delete=False)
            self.channel.events["basic_return"].add(self._returned)
            self.channel.basic_consume(REPLY_TO, no_ack=True, callback=self._answered)
        except BaseException:
            self.close()
            raise
        self.reader = eventlet.spawn(self._read)

    def publish(self, message, exchange: str, routing_key: str) -> None:
        if self.broken is not None:
            raise self.broken
        with self.writing:  # a message's frames are never interleaved with another's
            # never py-amqp's `basic_publish`, which reads the socket first: two reads of it, that
            # one and the reader greenthread's, lost frames (about one reply in 250 calls under 8
            # concurrent callers)
            send_publish(self.channel, message, exchange, routing_key, mandatory=True)

    def _answered(self, message) -> None:
        self.answered += 1
        waiter = self.waiting.pop(message.properties.get("correlation_id"), None)
        if waiter is not None:  # else the caller stopped waiting (its timeout)
            waiter.send(message)

    def _returned(self, exc, exchange, routing_key, message) -> None:
        self.answered += 1
        waiter = self.waiting.pop(message.properties.get("correlation_id"), None)
        if waiter is not None:
            waiter.send_exception(UnknownService(routing_key.split(".", 1)[0]))

    def _read(self) -> None:
        try:
            while True:
                self.connection.drain_events()
        except BaseException as exc:  # the broker closed it, the link broke, or close() killed us
            self._break(exc)

    def _break(self, cause: BaseException) -> None:
        if self.broken is None:
            self.broken = OperationalError(f"broker connection lost: {cause!r}")
        waiting, self.waiting = self.waiting, {}
        for waiter in waiting.values():
            waiter.send_exception(self.broken)

    def close(self) -> None:
        self._break(OperationalError("closed"))
        reader = getattr(self, "reader", None)
        if reader is not None and reader is not eventlet.getcurrent():
            reader.kill()
        drop_connection(self.connection)


class CallLine(SharedExtension):
    """The process's connection for RPC calls, opened at the first call and again after it broke."""

    def setup(self) -> None:
        config = self.container.config
        self.amqp_uri = config[AMQP_URI_CONFIG_KEY]
        self.ssl, self.login_method = config.get(AMQP_SSL_CONFIG_KEY), config.get(LOGIN_METHOD_CONFIG_KEY)
        self.serializer = config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER)
        self.exchange = get_rpc_exchange(config)
        self._line: _Line | None = None
        self._opening = eventlet.semaphore.Semaphore()

    def stop(self) -> None:
        self._close()

    def kill(self) -> None:
        self._close()

    def _close(self) -> None:
        line, self._line = getattr(self, "_line", None), None
        if line is not None:
            line.close()

    def _current(self) -> tuple[_Line, bool]:
        """The open line (True: it was open before this call), or a new one."""
        with self._opening:  # one connection opened at a time, however many callers find none
            line = self._line
            if line is not None and line.broken is None:
                return line, True
            if line is not None:
                line.close()
            self._line = _Line(self.amqp_uri, self.exchange, self.ssl, self.login_method)
            return self._line, False

    def call(self, service: str, method: str, args: tuple, kwargs: dict, headers: dict) -> Any:
        """`service.method(*args, **kwargs)`'s result, or the error it raised there."""
        correlation_id = str(uuid.uuid4())
        message = amqp_message({"args": args, "kwargs": kwargs}, self.serializer, headers,
                               delivery_mode=TRANSIENT_DELIVERY_MODE, reply_to=REPLY_TO, correlation_id=correlation_id)
        waiter = eventlet.event.Event()
        line = self._send(message, f"{service}.{method}", correlation_id, waiter)
        answered = line.answered
        try:
            reply = waiter.wait()
        except BaseException:  # a timeout, or the caller killed
            if line.answered == answered and line.broken is None:
                # nothing at all came on the line while the call waited: it may be dead without the
                # socket knowing (no heartbeats on it; a link cut without a reset), so it is given up,
                # and the next call opens a new one
                line.close()
            raise
        finally:  # a late reply finds no one
            line.waiting.pop(correlation_id, None)
        body = kombu.serialization.loads(reply.body, reply.properties.get("content_type"),
                                         reply.properties.get("content_encoding"))
        if body.get("error"):
            raise deserialize(body["error"])
        return body["result"]

    def _send(self, message, routing_key: str, correlation_id: str, waiter) -> _Line:
        for last in (False, True):
            line, reused = self._current()
            line.waiting[correlation_id] = waiter
            try:
                line.publish(message, self.exchange.name, routing_key)
                return line
            except BROKEN as exc:
                line.waiting.pop(correlation_id, None)
                line._break(exc)
                if last or not reused:
                    raise OperationalError(f"broker connection lost: {exc!r}") from exc
        raise AssertionError("unreachable")


class DirectServiceProxy(HeaderEncoder):
    """A service's methods, each a call on the process's `CallLine` with the worker's context."""

    def __init__(self, worker_ctx, service_name: str, line: CallLine):
        self.worker_ctx, self.service_name, self.line = worker_ctx, service_name, line

    def __getattr__(self, method: str):
        if method.startswith("__"):
            raise AttributeError(method)

        def call(*args, **kwargs):
            return self.line.call(self.service_name, method, args, kwargs, self.get_message_headers(self.worker_ctx))

        return call


class SteadyRpcProxy(DependencyProvider):
    """A dependency that calls `target_service` through the process's `CallLine`: every service's
    way to call another (`registry = SteadyRpcProxy("registry")`)."""

    line = CallLine()

    def __init__(self, target_service: str):
        self.target_service = target_service

    def get_dependency(self, worker_ctx):
        return DirectServiceProxy(worker_ctx, self.target_service, self.line)
