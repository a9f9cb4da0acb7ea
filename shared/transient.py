"""Transient failures: a dependency that is away for a moment, as opposed to a request that is wrong.

A pool that cannot serve in time, a database that is restarting or refusing connections, a
serialization failure or deadlock, a broker connection that broke: each passes if tried again later.
Callers answer them with 503 and `Retry-After` (the gateway) or retry them (consumers).
"""

from __future__ import annotations

import socket

import sqlalchemy.exc as sa_exc
from amqp.exceptions import ConnectionError as AmqpConnectionError
from amqp.exceptions import RecoverableConnectionError
from kombu.exceptions import OperationalError as KombuOperationalError

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,  # connection refused, too many clients, shutting down, deadlock, serialization
    sa_exc.InterfaceError,  # the connection closed under us
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # the pool could not give a connection in time
    KombuOperationalError,
    AmqpConnectionError,
    RecoverableConnectionError,
    ConnectionError,  # refused, reset, aborted (OSError subclasses)
    socket.timeout,
)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_ERRORS)
