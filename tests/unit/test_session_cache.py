"""The gateway's memory of session tokens: served only while the database's announcements are read,
forgotten at the announcement, never kept when an announcement raced with the lookup."""

import datetime as dt
from types import SimpleNamespace

from services.gateway.handlers.sessions import MISSING, SessionCache
from shared import clock
from shared.actors import Actor

ALICE = Actor(user_id="u-alice", username="alice", role="entrepreneur")
BOB = Actor(user_id="u-bob", username="bob", role="bank_liaison", bank_code="NJRCB")


class Listener:
    """Stands in for the listener's psycopg2 connection: announcements arrive in `notifies` on poll()."""

    def __init__(self, fileno: int = -1):
        self.notifies, self.arriving, self.broken = [], [], False
        self.number = fileno

    def fileno(self) -> int:
        return self.number

    def announce(self, payload: str) -> None:
        self.arriving.append(SimpleNamespace(payload=payload))

    def poll(self) -> None:
        if self.broken:
            raise OSError("server closed the connection unexpectedly")
        self.notifies += self.arriving
        self.arriving = []


def later(hours: float = 1) -> dt.datetime:
    return clock.utcnow() + dt.timedelta(hours=hours)


def listening() -> tuple[SessionCache, Listener]:
    cache, connection = SessionCache(), Listener()
    cache.connection = connection
    return cache, connection


def test_nothing_is_served_from_memory_unless_the_listener_is_connected():
    cache = SessionCache()
    cache.keep("t-1", ALICE, later(), cache.generation)
    assert cache.get("t-1") is MISSING


def test_a_kept_holder_is_served_until_its_session_ends_or_expires():
    cache, connection = listening()
    cache.keep("t-1", ALICE, later(), cache.generation)
    cache.keep("t-2", BOB, later(-0.01), cache.generation)  # expired meanwhile
    assert cache.get("t-1") == ALICE and cache.get("t-2") is MISSING
    connection.announce("token:t-1")  # signed out, in this gateway or another
    assert cache.get("t-1") is MISSING


def test_an_account_changed_forgets_every_session_of_it():
    cache, connection = listening()
    for token in ("t-1", "t-2"):
        cache.keep(token, BOB, later(), cache.generation)
    cache.keep("t-3", ALICE, later(), cache.generation)
    connection.announce("user:u-bob")  # moved to another bank, deactivated
    assert cache.get("t-1") is MISSING and cache.get("t-2") is MISSING and cache.get("t-3") == ALICE


def test_a_lookup_that_raced_with_an_announcement_is_not_kept():
    cache, connection = listening()
    generation = cache.generation  # the lookup starts, reads the database...
    connection.announce("token:t-1")  # ...the session ends meanwhile
    cache.keep("t-1", ALICE, later(), generation)
    assert cache.get("t-1") is MISSING


def test_a_lost_listener_forgets_everything_and_serves_nothing():
    cache, connection = listening()
    cache.keep("t-1", ALICE, later(), cache.generation)
    connection.broken = True
    assert cache.get("t-1") is MISSING and not cache.listening and not cache.entries


def test_memory_stays_within_its_size():
    cache, _ = listening()
    cache.size = 3
    for n in range(5):
        cache.keep(f"t-{n}", ALICE, later(), cache.generation)
    assert list(cache.entries) == ["t-2", "t-3", "t-4"]


def signing_in(cache: SessionCache, during=lambda: None):
    """accounts.sign_in over a database that knows alice; `during` runs while its transaction is open."""
    from contextlib import contextmanager
    from unittest import mock

    from services.gateway.handlers import accounts, auth

    user = SimpleNamespace(id="u-alice", username="alice", role="entrepreneur", display_name="", region_code=None,
                           level=None, bank_code=None, unit_head=False)

    @contextmanager
    def unit_of_work():
        during()
        yield SimpleNamespace(session=None, commit=lambda: None)

    db = SimpleNamespace(unit_of_work=unit_of_work)
    with mock.patch.object(auth, "authenticate", return_value=user), \
            mock.patch.object(auth, "open_session", return_value=("tok-1", later())):
        return accounts.sign_in(db, cache, mock.Mock(), "127.0.0.1", mock.Mock(), kind="api", hours=1)


def test_a_session_just_opened_is_known_without_asking_the_database():
    from services.gateway.handlers.auth import token_hash

    cache, _ = listening()
    actor, token, _ = signing_in(cache)
    assert cache.get(token_hash(token)) == actor == ALICE


def test_a_session_opened_while_an_announcement_arrives_is_not_remembered():
    from services.gateway.handlers.auth import token_hash

    cache, connection = listening()
    _, token, _ = signing_in(cache, during=lambda: (connection.announce("user:u-alice"), cache.catch_up()))
    assert cache.get(token_hash(token)) is MISSING


def test_a_listener_waiting_on_a_connection_a_request_found_broken_is_woken_to_reconnect():
    """libpq closes the socket of a broken connection inside the request's read; the listener still
    waited on its number, and the next connection given that number failed with eventlet's "second
    simultaneous read" (a 500 during a database restart, tests/reliability/test_outages.py)."""
    import socket

    import eventlet
    import pytest
    from eventlet.hubs import trampoline

    if not eventlet.patcher.is_monkey_patched("socket"):
        pytest.skip("runs under eventlet, as the gateway does")
    ours, theirs = socket.socketpair()
    woke = []

    def listener():
        try:
            trampoline(ours.fileno(), read=True, timeout=5)
        except Exception as exc:  # noqa: BLE001 - the test records which
            woke.append(type(exc).__name__)

    waiting = eventlet.spawn(listener)
    eventlet.sleep(0)
    cache = SessionCache()
    cache.connection = connection = Listener(fileno=ours.fileno())
    connection.broken = True
    assert cache.catch_up() is False and not cache.listening
    with pytest.raises(TimeoutError):  # the number is free: a new connection may wait on it, no RuntimeError
        trampoline(ours.fileno(), read=True, timeout=0.05, timeout_exc=TimeoutError)
    waiting.wait()
    assert woke == ["IOClosed"]  # and the listener woke to reconnect
    ours.close()
    theirs.close()
