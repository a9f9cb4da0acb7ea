"""Idempotent commands: the first result of a key is stored with the effect, replays return it.

A key belongs to its caller: results are stored per account, so another account that sends the same
key (keys such as `disburse-<loan id>` are easy to guess) never finds them and runs the command
afresh, with its own access check. A replay by the caller runs the command's access check again
(`reach`), so a stored result is never shown to someone a GET of the same record would refuse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError

from shared import clock
from shared.db import stale_data_error, write_at_commit
from shared.errors import Conflict, DomainError, InvalidInput, ServiceUnavailable
from shared.outbox import messaging_metadata

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

command_log = sa.Table(
    "command_log",
    messaging_metadata,
    sa.Column("scope", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("result", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

Reach = Callable[["Session", Any], Any]
"""`reach(session, stored_result)` raises NotFound or Forbidden when the caller may no longer see it."""


def request_hash(request: Any) -> str:
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# statements built once: building one, and its cache key, on every call cost more than running it
_PRIOR = sa.select(command_log.c.request_hash, command_log.c.result).where(
    command_log.c.scope == sa.bindparam("scope"), command_log.c.key == sa.bindparam("key"))


def _prior(session, scope: str, key: str, digest: str, reach: Reach | None) -> Any | None:
    row = session.execute(_PRIOR, {"scope": scope, "key": key}).first()
    if row is None:
        return None
    if reach is not None:  # always given with a key (run_once checks): out of reach is an unknown id
        reach(session, row.result)
    if row.request_hash != digest:
        raise Conflict("idempotency_key_reused", "Idempotency-Key",
                       "同一个幂等键已用于内容不同的请求")
    return row.result


def check_key(key: str | None) -> str | None:
    if key is not None and not (1 <= len(key) <= 200):
        raise InvalidInput("idempotency_key_length", "Idempotency-Key", "幂等键长度应为1到200个字符")
    if key is not None and not key.isprintable():
        raise InvalidInput("idempotency_key_format", "Idempotency-Key", "幂等键只能包含可见字符")
    return key


def account_scope(account: str, scope: str) -> str:
    """Where a caller's results are kept: their account, then the command (and its record)."""
    return f"{account}/{scope}"


def run_once(db, account: str, scope: str, key: str | None, request: Any, work: Callable[[Any], Any],
             reach: Reach | None = None) -> Any:
    """Run `work(uow)` in one transaction unless the caller's `key` already has a result for `scope`.

    `work` returns a JSON-ready result; with a key it is stored beside the effect, under the caller's
    `account`, so scopes need not name the caller. A replay runs `reach` (required with a key) and
    returns the stored result. Two concurrent requests with one key: one commits, the other finds the
    stored result and returns it. Without a key this is `in_transaction`.

    The stored result is looked for only when the command cannot commit, not before every run (a
    round trip of every keyed command, where replays are rare): a replay's run is refused by the
    key's row, which its commit would write a second time, or by the domain (a loan already lent),
    and nothing of it is kept; then the result stored before is what it answers, or, if there is
    none, the refusal.
    """
    check_key(key)
    if key is None:
        return in_transaction(db, work)
    if reach is None:
        raise TypeError(f"{scope}: a command that keeps results must say how a replay checks access")
    scope, digest = account_scope(account, scope), request_hash(request)
    try:
        return _retrying(lambda: _run(db, scope, key, digest, work))
    except ServiceUnavailable:  # away: nothing to look up either
        raise
    except (IntegrityError, DomainError):
        with db.read() as session:
            prior = _prior(session, scope, key, digest, reach)
        if prior is None:
            raise
        return prior


def in_transaction(db, work: Callable[[Any], Any]) -> Any:
    """`work(uow)` in one transaction, for a command that is idempotent by nature (verifying a
    verified record finds it done): it keeps no result, and a lost optimistic-locking race is tried
    once more from fresh data."""
    return _retrying(lambda: _run(db, "", None, "", work))


def _retrying(attempt: Callable[[], Any]) -> Any:
    """Once more from fresh data after a lost race: a version that changed meanwhile, or a unique
    index that a concurrent twin won (the command's own check then finds the twin and says so). A
    key whose result is stored already is no race: its stored result is the answer."""
    try:
        return attempt()
    except stale_data_error():
        pass
    except IntegrityError as error:
        if _key_taken(error):
            raise
    try:
        return attempt()
    except stale_data_error():
        raise Conflict("stale_version", None, "记录已被他人同时修改，请刷新后重试") from None


_KEY = f"{command_log.name}_pkey"  # PostgreSQL's name for the table's primary key


def _key_taken(error: IntegrityError) -> bool:
    return getattr(getattr(error.orig, "diag", None), "constraint_name", None) == _KEY


def _run(db, scope: str, key: str | None, digest: str, work: Callable[[Any], Any]) -> Any:
    with db.unit_of_work() as uow:
        result = work(uow)
        if key is not None:  # with the command's events, in one statement as it commits
            write_at_commit(uow.session, command_log, {"scope": scope, "key": key, "request_hash": digest,
                                                       "result": result, "created_at": clock.utcnow()})
        uow.commit()
        return result
