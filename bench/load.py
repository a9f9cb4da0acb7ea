"""A light HTTP load: each client is a thread with its own keep-alive connection, written and read on
the socket itself (far cheaper per request than `requests`, and cheaper than http.client, whose
header parsing and response objects cost the loan flow's client a third of its CPU), so that the
load generator takes little of the machine it measures."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from services.gateway.handlers.auth import token_hash
from shared import clock


class Refused(AssertionError):
    pass


class Http:
    """One client's keep-alive connection, signed in with a bearer token."""

    def __init__(self, base_url: str, token: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.token = token
        self.connection: socket.socket | None = None
        self.buffer = b""

    def call(self, method: str, path: str, body: dict | None = None, *, expect: int = 200,
             key: bool = False, params: str = "") -> dict:
        data = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path}{f'?{params}' if params else ''} HTTP/1.1", f"Host: {self.host}:{self.port}",
                f"Authorization: Bearer {self.token}", "Accept: application/json", f"Content-Length: {len(data)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        if key:
            head.append(f"Idempotency-Key: {uuid.uuid4()}")
        request = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        for attempt in (1, 2):  # a keep-alive connection the server closed meanwhile is opened again
            if self.connection is None:
                self.connection = socket.create_connection((self.host, self.port), timeout=60)
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.buffer = b""
            try:
                self.connection.sendall(request)
                status, payload, close = self._response()
                break
            except (_Stale, ConnectionError) as failure:  # as http.client's were: once more, on a new one
                self._close()
                if attempt == 2:
                    raise ConnectionError(f"{method} {path}: {failure or 'closed before an answer'}") from failure
        if close:
            self._close()
        if status != expect:
            raise Refused(f"{method} {path}: {status} {payload[:300]!r}")
        return json.loads(payload) if payload else {}

    def get(self, path: str, params: str = "") -> dict:
        return self.call("GET", path, params=params)

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection, self.buffer = None, b""

    def _read(self, answered: bool) -> None:
        chunk = self.connection.recv(65536)  # type: ignore[union-attr]
        if not chunk:
            if answered:
                raise ConnectionError("the connection closed in the middle of an answer")
            raise _Stale()
        self.buffer += chunk

    def _response(self) -> tuple[int, bytes, bool]:
        """(status, body, whether the server closes the connection) of the next answer."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._read(bool(self.buffer))
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        self.buffer = self.buffer[end + 4:]
        version, status = lines[0].split(" ", 2)[:2]
        headers = {name.strip().lower(): value.strip()
                   for name, _, value in (line.partition(":") for line in lines[1:])}
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return int(status), self._chunked(), close
        length = int(headers.get("content-length", 0))
        while len(self.buffer) < length:
            self._read(True)
        payload, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(status), payload, close

    def _chunked(self) -> bytes:
        parts = []
        while True:
            while (end := self.buffer.find(b"\r\n")) < 0:
                self._read(True)
            size = int(self.buffer[:end].split(b";")[0], 16)
            while len(self.buffer) < end + 2 + size + 2:
                self._read(True)
            parts.append(self.buffer[end + 2:end + 2 + size])
            self.buffer = self.buffer[end + 2 + size + 2:]
            if size == 0:  # no trailers are sent here
                return b"".join(parts)


class _Stale(Exception):
    """The server closed a kept-alive connection before answering anything on it."""


def sign_in_straight(gateway_url: str, users: list[tuple[str, str]]) -> list[str]:
    """API sessions for (username, role) accounts written straight into the gateway's database, as
    sign-up and login would leave them: thousands of argon2 logins would take minutes and measure
    nothing this benchmark is about. Returns one bearer token per account."""
    hashed = "$argon2id$v=19$m=65536,t=3,p=4$bench$bench"  # never used to log in
    engine = sa.create_engine(gateway_url.replace("postgresql://", "postgresql+psycopg2://", 1),
                              poolclass=sa.pool.NullPool)
    rows = [{"id": str(uuid.uuid4()), "username": name, "role": role, "token": secrets.token_urlsafe(32)}
            for name, role in users]
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO users (id, username, password_hash, role, display_name, unit_head, active, created_at)"
            " VALUES (:id, :username, :hash, :role, '压测用户', false, true, now())"),
            [{**row, "hash": hashed} for row in rows])
        connection.execute(sa.text(
            "INSERT INTO login_sessions (token_hash, user_id, kind, created_at, expires_at)"
            " VALUES (:token_hash, :id, 'api', now(), now() + interval '12 hours')"),
            [{"token_hash": token_hash(row["token"]), "id": row["id"]} for row in rows])
    engine.dispose()
    return [row["token"] for row in rows]


@dataclass
class Run:
    """What a load run did: per-operation latencies (ms), when each answered, and the wall time."""

    latencies: list[float] = field(default_factory=list)
    answered: list[tuple[float, object]] = field(default_factory=list)  # (epoch seconds, result)
    wall: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def drive(clients: list, operations: int, work: Callable[[Any, int], object]) -> Run:
    """`operations` calls of `work(client, n)` spread over the clients, each client one at a time."""
    run = Run()
    lock = threading.Lock()
    counter = iter(range(operations))

    def client_loop(client) -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            start = time.perf_counter()
            try:
                result = work(client, n)
            except Exception as exc:  # reported, and the run goes on
                with lock:
                    run.errors.append(repr(exc)[:300])
                continue
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                run.latencies.append(elapsed)
                run.answered.append((clock.utcnow().timestamp(), result))

    start = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(client_loop, clients))
    run.wall = time.perf_counter() - start
    return run
