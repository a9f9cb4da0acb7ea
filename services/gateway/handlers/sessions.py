"""Who holds each open session token, kept in the gateway's memory while PostgreSQL announces every
change (a token lookup on every request was the gateway's largest cost).

Revocation still works at once, in every gateway: the database announces each ended session and each
changed account on the `guiyan_sessions` channel (triggers of migration 0004, whatever made the
change), and every answer from memory first reads the announcements already received (a
non-blocking read of the listener's connection), so a request that follows a sign-out or an
operator's change never finds the old entry. While the listener is not connected (at start, after
the database went away) nothing is served from memory: every request asks the database, as before.
A lookup that raced with an announcement is not kept (a generation count).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

import eventlet
import psycopg2
from eventlet.hubs import trampoline
from nameko.extensions import DependencyProvider

from shared import clock
from shared.actors import Actor
from shared.logging import get_logger

log = get_logger(__name__)
CHANNEL = "guiyan_sessions"
MISSING = object()


class SessionCache:
    def __init__(self, size: int = 20_000):
        self.size = size
        self.entries: OrderedDict[str, tuple[Actor, dt.datetime]] = OrderedDict()
        self.connection = None  # the listener's, while it listens
        self.pinging = False  # the listener is using its connection: nobody else may read it now
        self.generation = 0  # moves on with every announcement and every loss of the listener

    @property
    def listening(self) -> bool:
        return self.connection is not None

    def catch_up(self) -> bool:
        """Apply every announcement received so far; False if the listener's connection is gone."""
        connection = self.connection
        if connection is None or self.pinging:
            return False
        fileno = connection.fileno()
        try:
            connection.poll()
        except Exception:
            self.lost()
            _release_waiting_listener(fileno)
            return False
        for notice in connection.notifies:
            self.announced(notice.payload)
        connection.notifies.clear()
        return True

    def get(self, token_hash: str):
        """The token's holder, or MISSING when memory cannot say (ask the database)."""
        if not self.catch_up():
            return MISSING
        entry = self.entries.get(token_hash)
        if entry is None:
            return MISSING
        actor, expires_at = entry
        if expires_at <= clock.utcnow():
            self.entries.pop(token_hash, None)
            return MISSING
        self.entries.move_to_end(token_hash)
        return actor

    def keep(self, token_hash: str, actor: Actor, expires_at: dt.datetime, generation: int) -> None:
        """Remember what the database said, unless an announcement came in between."""
        if not self.catch_up() or generation != self.generation:
            return
        self.entries[token_hash] = (actor, expires_at)
        self.entries.move_to_end(token_hash)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)

    def announced(self, payload: str) -> None:
        self.generation += 1
        kind, _, key = payload.partition(":")
        if kind == "token":
            self.entries.pop(key, None)
        elif kind == "user":
            for token_hash in [h for h, (actor, _) in self.entries.items() if actor.user_id == key]:
                del self.entries[token_hash]
        else:  # unknown: forget everything rather than guess
            self.entries.clear()

    def lost(self) -> None:
        self.connection = None
        self.generation += 1
        self.entries.clear()


def _release_waiting_listener(fileno: int) -> None:
    """A request's read found the listener's connection broken, and libpq closed its socket there;
    the listener itself still waits on that socket's number. The next connection opened (a request
    asking the database, during an outage) may get the same number, and eventlet then refused to
    wait on it ("second simultaneous read"): that request failed with a 500. Eventlet is told the
    number is gone: the listener wakes with IOClosed and reconnects, and the number is free."""
    if eventlet.patcher.is_monkey_patched("socket"):
        eventlet.hubs.notify_opened(fileno)  # "this number was closed and may come back": stale waiters go


class Sessions(DependencyProvider):
    """The process's SessionCache and its listener (one more PostgreSQL connection per gateway)."""

    RECONNECT_SECONDS = (1, 2, 5, 10)

    def __init__(self):
        self.cache = SessionCache()
        self._running = False

    def setup(self) -> None:
        from shared.settings import SETTINGS_BY_SERVICE

        settings = SETTINGS_BY_SERVICE["gateway"]()
        self.url = self.container.config.get("DATABASE_URL") or settings.database_url("gateway")

    def start(self) -> None:
        self._running = True
        self.container.spawn_managed_thread(self._listen)

    def stop(self) -> None:
        self._running = False
        self.cache.lost()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx) -> SessionCache:
        return self.cache

    def _listen(self) -> None:
        failures = 0
        while self._running:
            try:
                self._listen_once()
            except Exception as exc:  # the database went away: ask it on every request until it is back
                self.cache.lost()
                delay = self.RECONNECT_SECONDS[min(failures, len(self.RECONNECT_SECONDS) - 1)]
                failures += 1
                log.warning("session_listener_lost", error=repr(exc), retry_in=delay)
                eventlet.sleep(delay)

    def _listen_once(self) -> None:
        connection = psycopg2.connect(self.url, connect_timeout=5, application_name="guiyan-gateway-sessions")
        try:
            connection.autocommit = True
            connection.cursor().execute(f"LISTEN {CHANNEL}")
            self.cache.entries.clear()
            self.cache.connection = connection
            log.info("session_listener_ready")
            while self._running:
                try:
                    trampoline(connection.fileno(), read=True, timeout=60, timeout_exc=_Quiet)
                except _Quiet:  # a minute with no announcement: make sure the server still answers
                    self.cache.pinging = True
                    try:
                        connection.cursor().execute("SELECT 1")
                    finally:
                        self.cache.pinging = False
                if not self.cache.catch_up():
                    raise ConnectionError("the session listener's connection is gone")
        finally:
            if self.cache.connection is connection:
                self.cache.lost()
            connection.close()


class _Quiet(Exception):
    pass
