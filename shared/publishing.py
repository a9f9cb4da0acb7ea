"""RPC replies published on broker connections held open, each lent to one sender at a time, and
what every broker connection of a service process shares: reads ahead, publishes without a read.

nameko's `Publisher` built a kombu `Connection` (parsing the broker's address) for every message,
took a producer from kombu's pool and went through kombu's retrying `Producer.publish`: 220 µs of
CPU per message, where writing the same message on an open channel takes 45 µs. `HeldPublisher`
writes the message as nameko would (the same serializer, properties and headers) on a connection of
`HeldConnections`, without publisher confirms (`shared.nameko_base.ReplyPublisher` says why).
Requests go on the caller's own channel instead (`shared.direct_rpc`).

A connection is lent to one sender at a time; one that failed in any way is closed, never lent
again. A connection that sat idle is looked at before it is lent, and one the broker has closed
meanwhile is replaced: a message is never written on a socket already known dead. One whose write
fails as it is lent is replaced and the message written once more, as kombu's retry did.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import amqp
import amqp.transport
import kombu
import kombu.serialization
from amqp import spec
from kombu.exceptions import OperationalError
from nameko.amqp.publish import Publisher

from shared.transient import TRANSIENT_ERRORS

POOL_SIZE = 8  # connections per broker in a process: senders beyond it wait their turn


READ_AHEAD_BYTES = 4096  # asked of the socket at least, on every read of a broker connection


def buffer_broker_reads() -> None:
    """Every broker connection of the process reads ahead: py-amqp asked the socket for exactly the
    bytes it wanted next, a frame's 7-byte header and then its payload, so a delivery (a method, a
    header and a body frame) took six reads, each a system call and, under eventlet, a green one.
    Asking for at least `READ_AHEAD_BYTES` takes a small message, or several, in one read; py-amqp
    keeps what it did not yet want in its own buffer (`_read_buffer`) and reads that first, so a frame
    already read is never waited for on the socket. Measured on this machine, a consumer spent 10-12 %
    less per message received one at a time and 25-40 % less per message of a burst; 4 KB did as well
    as 16 KB, whose remainder py-amqp copies on every read. Idempotent."""
    setup = amqp.transport.TCPTransport._setup_transport
    if getattr(setup, "reads_ahead", False):
        return

    def _setup_transport(self) -> None:
        setup(self)
        recv = self.sock.recv
        self._quick_recv = lambda wanted: recv(max(wanted, READ_AHEAD_BYTES))

    _setup_transport.reads_ahead = True  # type: ignore[attr-defined]
    amqp.transport.TCPTransport._setup_transport = _setup_transport  # type: ignore[method-assign]


class HeldConnections:
    """Up to `size` open connections, each lent whole (`channel()`)."""

    def __init__(self, amqp_uri: str, *, size: int = POOL_SIZE, ssl=None, login_method=None):
        self.amqp_uri, self.ssl, self.login_method = amqp_uri, ssl, login_method
        self._idle: list[tuple[kombu.Connection, amqp.Channel]] = []
        self._slots = threading.BoundedSemaphore(size)  # green under eventlet
        self._lock = threading.Lock()

    def _open(self) -> tuple[kombu.Connection, amqp.Channel]:
        connection = kombu.Connection(self.amqp_uri, ssl=self.ssl, login_method=self.login_method)
        connection.connect()
        try:
            return connection, connection.channel()
        except BaseException:
            drop_connection(connection)
            raise

    def _take(self) -> tuple[tuple[kombu.Connection, amqp.Channel], bool]:
        """An idle connection still open (True: it had sat idle), or a new one."""
        while True:
            with self._lock:
                held = self._idle.pop() if self._idle else None
            if held is None:
                return self._open(), False
            if _still_open(held[0]):
                return held, True
            drop_connection(held[0])

    @contextmanager
    def channel(self) -> Iterator[tuple[amqp.Channel, bool]]:
        """A channel of a connection lent to the caller alone, and whether it had sat idle; the
        connection goes back when the block ends normally, and is closed when it raises."""
        with self._slots:
            held, reused = self._take()
            try:
                yield held[1], reused
            except BaseException:  # eventlet's Timeout included: a frame may be half written
                drop_connection(held[0])
                raise
            with self._lock:
                self._idle.append(held)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection, _ in idle:
            drop_connection(connection)


def _still_open(connection: kombu.Connection) -> bool:
    """Whether the broker has neither closed the connection nor sent on it since it was last used
    (without heartbeats, a publishing connection is sent nothing unless it is being closed)."""
    sock = getattr(connection.connection.transport, "sock", None)
    raw = getattr(sock, "fd", sock)  # under eventlet, the socket the green one wraps
    if raw is None:
        return False
    try:
        raw.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True  # nothing to read: open and quiet
    except OSError:
        return False
    return False  # the end of the stream, or the broker closing it


def drop_connection(connection: kombu.Connection) -> None:
    try:
        connection.collect()  # drops the socket without a handshake the broker may not answer
    except Exception:  # already broken
        pass


_POOLS: dict[tuple, HeldConnections] = {}
_POOLS_LOCK = threading.Lock()


def held_connections(amqp_uri: str, *, ssl=None, login_method=None) -> HeldConnections:
    """The process's connections to `amqp_uri`."""
    key = (amqp_uri, repr(ssl), login_method)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = HeldConnections(amqp_uri, ssl=ssl, login_method=login_method)
        return pool


def close_held_connections() -> None:
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()


class HeldPublisher(Publisher):
    """nameko's `Publisher` for the options a reply uses (the exchange, routing key, `mandatory`,
    correlation id, headers, serializer, delivery mode), on `HeldConnections`, without confirms: the
    publish returns once the message is written. A message the broker returns (`mandatory`, and no
    queue for it) arrives on a connection nobody reads, which is therefore replaced before it is
    lent again (`_still_open`)."""

    use_confirms = False  # never: nameko's default is True

    def publish(self, payload, **kwargs):
        headers = {**self.publish_kwargs.get("headers", {}), **kwargs.pop("headers", {}),
                   **kwargs.pop("extra_headers", {})}
        exchange = kwargs.pop("exchange")
        routing_key = kwargs.pop("routing_key")
        mandatory = kwargs.pop("mandatory", self.mandatory)
        properties = {key: value for key, value in kwargs.items() if key in ("reply_to", "correlation_id")}
        message = amqp_message(payload, kwargs.pop("serializer", self.serializer), headers,
                               delivery_mode=kwargs.get("delivery_mode", self.delivery_mode), priority=self.priority,
                               **properties)
        exchange_name = getattr(exchange, "name", exchange) or ""
        _send(held_connections(self.amqp_uri, ssl=self.ssl, login_method=self.login_method), message,
              exchange_name, routing_key, mandatory)


def send_publish(channel: amqp.Channel, message: amqp.Message, exchange: str, routing_key: str,
                 mandatory: bool) -> None:
    """`message` written as py-amqp's `basic_publish` writes it, without the read that comes first
    there: basic_publish drains whatever the broker has sent (with no wait, to see a
    `connection.blocked`) before every message. That read is a system call and, under eventlet, a
    turn through the hub: 60-70 against 40-45 µs of CPU a message, measured. Where another
    greenthread reads the same connection (`shared.direct_rpc`), it also took frames from under
    that reader. A confirm channel's acks are read when its publisher waits for them (the outbox's
    relay, `shared.outbox.ConfirmedChannel`)."""
    channel.send_method(spec.Basic.Publish, "Bssbb", (0, exchange, routing_key, mandatory, False), message)


@contextmanager
def written_together(connection: amqp.Connection | None) -> Iterator[None]:
    """Frames written on `connection` inside the block go to its socket in one write as the block
    ends: a batch's acknowledgements, one system call instead of one each (the broker reads the same
    frames, in the same order). The block must not wait for the broker on this connection, whose
    frames are held until it ends; nothing is held if the connection is gone or already held."""
    transport = getattr(connection, "transport", None)
    if transport is None or getattr(transport, "_held_frames", None) is not None:
        yield
        return
    frames: list[bytes] = []
    own = "_write" in vars(transport)  # TCPTransport sets it to its socket's sendall
    write = transport._write
    transport._held_frames = frames
    transport._write = lambda data: frames.append(bytes(data))  # py-amqp reuses its frame buffer
    try:
        yield
    finally:
        if own:
            transport._write = write
        else:
            del transport._write
        transport._held_frames = None
        if frames:
            transport.write(b"".join(frames))  # py-amqp's write: a failure marks the transport broken


def amqp_message(payload, serializer: str, headers: dict, **properties) -> amqp.Message:
    """`payload` as kombu's `Producer.publish` would send it: serialized by kombu's registry (an
    unserializable value raises kombu's `EncodeError`), with its content type and encoding."""
    content_type, content_encoding, body = kombu.serialization.dumps(payload, serializer=serializer)
    return amqp.Message(body, content_type=content_type, content_encoding=content_encoding,
                        application_headers=headers,
                        **properties)


# py-amqp reports a connection the broker closed as a bare OSError ('Server unexpectedly closed
# connection'), which kombu's retrying producer turned into its OperationalError
BROKEN: tuple[type[BaseException], ...] = (*TRANSIENT_ERRORS, OSError)


def _send(pool: HeldConnections, message: amqp.Message, exchange: str, routing_key: str, mandatory: bool) -> None:
    """Written once; once more on a new connection when a connection that had sat idle failed. A
    broker away, or a connection lost, raises kombu's `OperationalError`: transient, a 503 for the
    gateway's caller."""
    for last in (False, True):
        reused = False
        try:
            with pool.channel() as (channel, reused):
                send_publish(channel, message, exchange, routing_key, mandatory)
            return
        except BROKEN as exc:
            if last or not reused:
                raise OperationalError(f"broker connection lost: {exc!r}") from exc
