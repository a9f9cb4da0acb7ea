"""Database access: SQLAlchemy 2 engines that cooperate with eventlet, and a unit of work."""

from __future__ import annotations

import functools
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from nameko.extensions import DependencyProvider

from shared import regions
from shared.dbapi import COMMITS, FramedConnection, UnpreparedConnection, frame_transactions

if TYPE_CHECKING:  # the ORM is loaded by the services that map classes, not by the gateway
    from sqlalchemy.orm import Session

_patched = False


def patch_psycopg_for_eventlet() -> None:
    """Without this, every query blocks the whole eventlet hub (see docs/architecture.md, decision 1)."""
    global _patched
    if _patched:
        return
    try:
        import eventlet.patcher

        if not eventlet.patcher.is_monkey_patched("socket"):
            return
    except ImportError:  # pragma: no cover - eventlet is always installed with nameko
        return
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
    _patched = True


REGION_LEVELS = "guiyan_region_levels"
"""A table's `info` key: the lengths of region prefix (6 a county, 9 a township) for which it keeps
an index on `left(region_code, n)` in its lists' order."""


def visible_to(actor, *, owner, region, bank=None) -> sa.ColumnElement[bool]:
    """`Actor.may_see` as a query's condition over the record's owner, region (and bank) columns."""
    if actor.role == "entrepreneur":
        return owner == actor.user_id
    if actor.role == "bank_liaison" and bank is not None:
        return bank == actor.bank_code
    if actor.is_official:
        return _within(region, regions.jurisdiction_prefix(actor.region_code), autoescape=False)
    return sa.false()


def in_region(column, region_code: str, field: str = "region_code") -> sa.ColumnElement[bool]:
    """A list's region filter: the region and everything below it (a code prefix, as jurisdiction
    is). Narrows what `visible_to` allows; it never widens it."""
    return _within(column, regions.jurisdiction_prefix(regions.normalize(region_code, field)))


def _within(column, prefix: str, *, autoescape: bool = True) -> sa.ColumnElement[bool]:
    """The region codes under `prefix`. On a table that keeps an index per level (REGION_LEVELS) a
    county's or township's codes are asked as `left(region_code, n) = prefix`, which that index
    answers newest first: through the region's own rows only, where a scan of the newest rows that
    skips other regions' went through all of an import of 100,000 people elsewhere (300 ms for a
    county's first page). Any other prefix, and any other table, by `LIKE 'prefix%'`."""
    table = getattr(getattr(column, "expression", column), "table", None)
    if table is not None and len(prefix) in table.info.get(REGION_LEVELS, ()):
        return sa.func.left(column, len(prefix)) == prefix
    return column.startswith(prefix, autoescape=autoescape)


def text_contains(fragment: str, *columns) -> sa.ColumnElement[bool]:
    """A list's search: any of the columns holds the fragment as typed (case-insensitive for Latin
    letters; % and _ are plain characters)."""
    return sa.or_(*(column.icontains(fragment, autoescape=True) for column in columns))


def new_id() -> str:
    """A new record's id (a UUID4 as text), the default of every table's `id`."""
    return str(uuid.uuid4())


POOL_TIMEOUT_SECONDS = 5  # a request that waits longer for a connection is answered 503, not kept
PING_AFTER_IDLE_SECONDS = 10.0


def make_engine(url: str, pool_size: int, *, prepare: bool = True) -> sa.Engine:
    """At most `pool_size` connections, never more (the connection budget in docs/architecture.md);
    `prepare`: statements run often are prepared on each connection (shared.prepared)."""
    patch_psycopg_for_eventlet()
    engine = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg2://", 1),
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={"connection_factory": FramedConnection if prepare else UnpreparedConnection},
        future=True,
    )
    frame_transactions(engine)  # BEGIN with the first statement, COMMIT with the last (shared.dbapi)
    sa.event.listen(engine, "checkout", _ping_if_idle)
    sa.event.listen(engine, "checkin", _note_checkin)
    return engine


def _note_checkin(dbapi_connection, record) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, proxy) -> None:
    """A connection that rested for a while is pinged before use (the database may have restarted
    meanwhile); one in steady use is not: a round trip per transaction was 7-10 % of every process's
    CPU. A connection that broke between two close uses fails its statement as a transient error
    (503 with Retry-After, or the event retried), and SQLAlchemy then replaces the pool's connections."""
    rested = time.monotonic() - record.info.get("checked_in_at", 0.0)
    if rested < PING_AFTER_IDLE_SECONDS:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        raise sa.exc.DisconnectionError(f"connection lost while idle: {exc!r}") from exc


AT_COMMIT = "guiyan_at_commit"
AFTER_COMMIT = "guiyan_after_commit"


def after_commit(session: Session, action) -> None:
    """`action()` once the unit of work that `session` belongs to has committed (never if it does
    not): a nudge to something in this process that the committed rows concern, such as a sweep."""
    actions = session.info.setdefault(AFTER_COMMIT, [])
    if action not in actions:
        actions.append(action)


def write_at_commit(session: Session, table: sa.Table, row: dict) -> None:
    """Insert `row` just before the transaction commits (a `UnitOfWork`'s), in the one statement
    that writes its events: a command's stored result, a record's timeline step that nothing reads
    back before the answer. A round trip less for each; a row whose key is taken fails the commit,
    as it would have failed its own statement."""
    session.info.setdefault(AT_COMMIT, []).append((table, row))


def insert_at_commit(session: Session, instance) -> None:
    """Insert `instance`, a new ORM object, with the unit of work's last statement (`write_at_commit`)
    instead of at a flush of the ORM's: a round trip, and the ORM's flush of its columns, less. Its
    columns' Python defaults are applied now and every column is given, so that reading it never asks
    the database; the ORM then holds it as stored. Nothing in the transaction may read its row back
    or change it afterwards (a change would be an UPDATE of a row not yet there); objects in its
    relationships are inserted the same way, first, or their rows written by the caller. A taken key
    fails the commit."""
    from sqlalchemy.orm import make_transient_to_detached

    state = sa.inspect(instance)
    row = {}
    for prop in state.mapper.column_attrs:
        column = prop.columns[0]
        if prop.key not in state.dict:  # never set: its default, as the ORM's INSERT would give it
            setattr(instance, prop.key, _python_default(column))
        row[column.name] = getattr(instance, prop.key)
    write_at_commit(session, state.mapper.local_table, row)
    make_transient_to_detached(instance)
    session.add(instance)


def _python_default(column: sa.Column) -> Any:
    """The value an INSERT of the ORM's would give `column` left unset. One the database would give
    (a server default, a SQL expression) is known only once the row is there: refused."""
    from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

    default = column.default
    if default is None and column.server_default is None:
        return None
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    if isinstance(default, CallableColumnDefault):
        # SQLAlchemy wraps the callable to take an execution context, which a zero-argument default ignores
        return default.arg(None)  # type: ignore[arg-type]
    raise ValueError(f"{column} takes its default from the database: give it a value to insert it at commit")


def tagged(tag: str, values: dict) -> dict:
    """`values` named after a `run_at_commit` clause's `tag`, as its SQL names them (`:{tag}_name`)."""
    return {f"{tag}_{key}": value for key, value in values.items()}


CLAUSES_AT_COMMIT = "guiyan_clauses_at_commit"


def run_at_commit(session: Session, build: Callable[[str], tuple[list[tuple[str, str]], dict]]) -> None:
    """Data-modifying statements run as WITH clauses of the unit of work's last statement, the one
    that writes its events and commits: a round trip less for each, for writes nothing in the
    transaction reads back. `build(tag)` gives the clauses, (name, SQL), in order, and their
    parameters; `tag` is unique in the transaction, for the names of both (a later clause may
    read an earlier one's RETURNING by its name)."""
    pending = session.info.setdefault(CLAUSES_AT_COMMIT, [])
    pending.append(build(f"c{len(pending)}"))


UPDATE_AT_COMMIT = "guiyan_update_at_commit"


class _HeldUpdate:
    """What a transaction changed of one locked record, to write as it commits (`update_at_commit`)."""

    def __init__(self, instance):
        self.instance = instance
        self.values: dict[str, Any] = {}  # column -> value, the last one set


def update_at_commit(session: Session, instance) -> None:
    """Write what this transaction changes of `instance`, an ORM object whose row it holds locked
    (loaded FOR UPDATE), in the unit of work's last statement, with its version counter moved on
    once, instead of an UPDATE of the ORM's own at the first flush after each change: a round trip
    and the ORM's flush of the object less for every command on it (a fifth of a loan step's cost).

    At every flush the object's changed columns are taken (and shown to the ORM as unchanged, so it
    writes nothing); its version reads as the one the commit writes. The lock stands in for the
    ORM's version check: nothing else can change the row before the commit."""
    _hold_updates_at_flush()
    held = session.info.setdefault(UPDATE_AT_COMMIT, {})
    if id(instance) not in held:
        held[id(instance)] = _HeldUpdate(instance)


_HOLDING: list[Callable] = []  # the flush listener, once installed


def _hold_updates_at_flush() -> None:
    if _HOLDING:
        return
    from sqlalchemy.orm import Session

    sa.event.listen(Session, "before_flush", _take_held_changes)
    _HOLDING.append(_take_held_changes)


def _take_held_changes(session, flush_context=None, instances=None) -> None:
    from sqlalchemy.orm.attributes import set_committed_value

    for held in session.info.get(UPDATE_AT_COMMIT, {}).values():
        state = sa.inspect(held.instance)
        mapper = state.mapper
        changed = [key for key in state.committed_state if key in mapper.column_attrs]
        if not changed:
            continue
        version = mapper.version_id_col
        if not held.values and version is not None:  # moved on once, by the UPDATE, from the stored one
            key = mapper.get_property_by_column(version).key
            set_committed_value(held.instance, key, state.dict[key] + 1)
        for key in changed:
            value = state.dict[key]
            held.values[mapper.column_attrs[key].columns[0].name] = value
            set_committed_value(held.instance, key, value)
        if not state.committed_state:  # nothing else of it changed: clean, as a flush would leave it,
            state._commit_all(state.dict, session.identity_map)  # so the ORM's flush skips it


def _held_updates(session) -> list[tuple[sa.Table, dict, str | None]]:
    """(table, the key and the changed columns, the version column) of each held update with changes."""
    _take_held_changes(session)
    updates = []
    for held in session.info.pop(UPDATE_AT_COMMIT, {}).values():
        if held.values:
            mapper = sa.inspect(held.instance).mapper
            key = {column.name: getattr(held.instance, mapper.get_property_by_column(column).key)
                   for column in mapper.primary_key}
            version = mapper.version_id_col
            updates.append((mapper.local_table, {**held.values, **key}, None if version is None else version.name))
    return updates


SessionFactory = Callable[[], Any]
"""Makes a unit of work's session: the ORM's `sessionmaker`, or `CoreSession` bound to an engine."""


class CoreSession:
    """The unit of work's session of a service that maps no classes (the gateway): the few calls of
    an ORM `Session` that the shared layer and the gateway make (`execute`, `scalar`, `connection`,
    `info`, `flush`, `commit`, `rollback`, `close`), on one Core connection taken at first use.
    Loading the ORM for three tables cost such a process 6 MB for good."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine
        self._connection: sa.Connection | None = None
        self.info: dict = {}

    def get_bind(self) -> sa.Engine:
        return self._engine

    def connection(self, execution_options: dict | None = None) -> sa.Connection:
        """The session's connection; options such as the isolation level apply when it is taken."""
        if self._connection is None:
            self._connection = self._engine.connect()
            if execution_options:
                self._connection.execution_options(**execution_options)
        return self._connection

    def execute(self, statement, params=None, *, execution_options=None) -> sa.CursorResult:
        return self.connection().execute(statement, params, execution_options=execution_options or {})

    def scalar(self, statement, params=None):
        return self.execute(statement, params).scalar()

    def flush(self) -> None:
        """Nothing is held back: every statement has gone when it was executed."""

    def commit(self) -> None:
        if self._connection is not None:
            self._connection.commit()

    def rollback(self) -> None:
        if self._connection is not None:
            self._connection.rollback()

    def close(self) -> None:
        """Ends the transaction (rolled back unless committed) and returns the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.info.clear()


class _NeverRaised(Exception):
    """Stands for the ORM's StaleDataError in a process that has not loaded the ORM."""


def stale_data_error() -> type[Exception]:
    """The ORM's lost optimistic-locking race (`except stale_data_error():`), without loading the ORM
    where nothing is mapped: there, nothing can raise it."""
    orm_errors = sys.modules.get("sqlalchemy.orm.exc")
    return orm_errors.StaleDataError if orm_errors is not None else _NeverRaised


class UnitOfWork:
    """One transaction: the change and its outbox rows commit together or not at all.

    With `on_commit`, the envelopes of the events it recorded are handed to it once they have
    committed (the process's outbox relay publishes them at once, see `add_to_outbox`)."""

    def __init__(self, session_factory: SessionFactory, producer: str, on_commit=None):
        self.session_factory = session_factory
        self.producer = producer
        self.session: Session | None = None
        self.on_commit = on_commit
        self.recorded: list[dict] = []
        self.pending: list = []  # events published, written to the outbox when the change commits

    def __enter__(self) -> UnitOfWork:
        self.session = self.session_factory()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.session is not None
        if exc_type is not None:
            self.session.rollback()
        self.session.close()
        self.session = None

    def commit(self) -> None:
        """Write what the ORM holds, then the events and rows kept for the commit in one statement
        that commits too (shared.dbapi): a round trip less for every command."""
        assert self.session is not None
        self.session.flush()  # nothing of the ORM's may come after the statement that commits
        self._write_pending(commits=True)
        self.session.commit()
        if self.on_commit is not None and self.recorded:
            self.on_commit(self.recorded)
        self.recorded = []
        for action in self.session.info.pop(AFTER_COMMIT, ()):
            action()

    def add_unique(self, record) -> None:
        """Insert `record`, which a unique index guards (a resident ID, a credit code). The command
        has checked for a twin first; a concurrent twin that commits in between makes this
        transaction fail at commit, and `shared.idempotency` runs the command once more, when its own
        check finds the winner and refuses with the domain's error. (No savepoint: two round trips
        per registration for a race that almost never happens.)"""
        assert self.session is not None
        self.session.add(record)
        self.session.flush()  # its id and defaults, for the event that follows

    def publish(self, event) -> None:
        """Record an event in the outbox, inside this transaction: its row is written just before
        the transaction commits, with the transaction's other events in one statement (a statement
        per event was a tenth of a loan step's cost). The change it announces is written now, as
        before, so that what the command answers (a record's version) is what is stored."""
        assert self.session is not None
        self.session.flush()
        self.pending.append(event)

    def publish_all(self, events: list, *, held: bool = False) -> None:
        """Record many events in the outbox with one statement, inside this transaction; `held`, for
        later (`shared.outbox.release_held`)."""
        from shared.outbox import add_all_to_outbox

        assert self.session is not None
        self._write_pending()  # the outbox keeps the order they were published in
        envelopes = add_all_to_outbox(self.session, events, handed_over=self.on_commit is not None, held=held)
        if not held:
            self.recorded.extend(envelopes)

    def _write_pending(self, *, commits: bool = False) -> None:
        from shared.bulk import insert_rows_together
        from shared.outbox import outbox, outbox_rows

        assert self.session is not None
        events, self.pending = self.pending, []
        rows = self.session.info.pop(AT_COMMIT, [])
        updates = _held_updates(self.session) if commits and UPDATE_AT_COMMIT in self.session.info else []
        clauses = self.session.info.pop(CLAUSES_AT_COMMIT, []) if commits else []
        if not events and not rows and not updates and not clauses:
            return
        by_table: dict[sa.Table, list[dict]] = {}
        for table, row in rows:
            by_table.setdefault(table, []).append(row)
        batches = list(by_table.items())
        if events:
            kept, envelopes = outbox_rows(events, handed_over=self.on_commit is not None)
            batches.append((outbox, kept))
            self.recorded.extend(envelopes)
        insert_rows_together(self.session, batches, updates=updates, clauses=clauses,
                             execution_options={COMMITS: True} if commits else None)


class Database(DependencyProvider):
    """nameko dependency: an engine per container, a unit of work factory per worker. With
    `mapped=False` (a service whose tables are Core tables only), sessions are `CoreSession`s and the
    process never loads the ORM."""

    def __init__(self, service: str, *, mapped: bool = True):
        self.service = service
        self.mapped = mapped
        self.engine: sa.Engine | None = None
        self.session_factory: SessionFactory | None = None

    def setup(self) -> None:
        from shared.settings import SETTINGS_BY_SERVICE

        settings = SETTINGS_BY_SERVICE[self.service]()
        url = self.container.config.get("DATABASE_URL") or settings.database_url(self.service)
        self.engine = make_engine(url, pool_size=int(self.container.config.get("DB_POOL_SIZE", settings.db_pool_size)),
                                  prepare=settings.db_prepared_statements)
        self.session_factory = session_factory(self.engine, mapped=self.mapped)

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx):
        assert self.session_factory is not None and self.engine is not None, "set up before any worker runs"
        return DatabaseAccess(self.session_factory, self.service, self.engine)


def session_factory(engine: sa.Engine, *, mapped: bool = True) -> SessionFactory:
    """ORM sessions that keep what they loaded after a commit, or Core sessions (`CoreSession`)."""
    if not mapped:
        return functools.partial(CoreSession, engine)
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)


class DatabaseAccess:
    """What a worker sees: `with db.unit_of_work() as uow:` and plain read sessions."""

    def __init__(self, session_factory: SessionFactory, producer: str, engine: sa.Engine):
        self.session_factory = session_factory
        self.producer = producer
        self.engine = engine
        self.relay_here = False  # set by the service's Outbox: its relay takes what commits
        self.committed: list[dict] = []  # events this worker committed, for the relay when it ends

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.producer,
                          on_commit=self.committed.extend if self.relay_here else None)

    @contextmanager
    def lookup(self) -> Iterator[sa.Connection]:
        """A connection outside any transaction, for a single-statement read asked on every request
        (a session token the gateway's memory cannot answer): one round trip, where a read session
        adds its ROLLBACK."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read that sees one snapshot, however many statements it takes (a record, then its steps,
        then its decisions): under READ COMMITTED a commit between two of them showed a difficulty's
        decision without the timeline step written with it. Read-only, it never fails to serialize."""
        session = self.session_factory()
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        try:
            yield session
        finally:
            session.close()  # ends (rolls back) the read's transaction and returns its connection
