"""A light HTTP load: each client is a thread with its own keep-alive connection (http.client, far
cheaper per request than `requests`, so the load generator takes little of the machine it measures)."""

from __future__ import annotations

import http.client
import json
import secrets
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
        self.connection: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict | None = None, *, expect: int = 200,
             key: bool = False, params: str = "") -> dict:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        for attempt in (1, 2):  # a keep-alive connection the server closed meanwhile is opened again
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path + (f"?{params}" if params else ""), data, headers)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        if response.status != expect:
            raise Refused(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload else {}

    def get(self, path: str, params: str = "") -> dict:
        return self.call("GET", path, params=params)


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
