"""Accounts: signing in (one unit of work, a failure remembered) and the staff accounts an
administrator opens, checked against what other services own before saving."""

from __future__ import annotations

import datetime as dt

from services.gateway.handlers import auth, throttle
from services.gateway.handlers.sessions import SessionCache
from shared.actors import Actor
from shared.errors import InvalidInput


def sign_in(db, sessions: SessionCache, data: auth.Login, address: str, rules: throttle.Policies, *,
            kind: str, hours: int) -> tuple[Actor, str, dt.datetime]:
    """A new session (who, its token, when it expires), or the refusal once the failure is kept.
    This gateway remembers the session at once: the first request made with it does not ask the
    database who holds it."""
    generation = sessions.generation
    with db.unit_of_work() as uow:
        outcome = auth.authenticate(uow.session, data, address, rules)
        if isinstance(outcome, InvalidInput):
            uow.commit()  # the throttle remembers the failure
            raise outcome
        token, expires = auth.open_session(uow.session, outcome, kind, hours)
        uow.commit()
    actor = auth.actor_of(outcome)
    # unless an announcement (the account closed meanwhile) came in between
    sessions.keep(auth.token_hash(token), actor, expires, generation)
    return actor, token, expires


def open_staff_account(db, finance, data: auth.UserCreate) -> Actor:
    """The new account; a bank liaison's bank must be one of finance's partner banks."""
    if data.bank_code:
        codes = [bank["code"] for bank in finance.list_banks()]
        if data.bank_code not in codes:
            raise InvalidInput("bank_unknown", "bank_code", f"不是合作银行，合作银行代码为：{'、'.join(codes)}")
    with db.unit_of_work() as uow:
        user = auth.create_user(uow.session, data)
        uow.commit()
        return auth.actor_of(user)


def sign_up(db, data: auth.SignUp, *, session_kind: str | None = None,
            hours: int = 0) -> tuple[Actor, str | None]:
    """An entrepreneur's new account, and a session for it when `session_kind` is given."""
    with db.unit_of_work() as uow:
        user = auth.sign_up(uow.session, data)
        token = auth.open_session(uow.session, user, session_kind, hours)[0] if session_kind else None
        uow.commit()
        return auth.actor_of(user), token


def sign_out(db, sessions, token: str) -> None:
    """The session ends in the database, which announces it to every gateway; this one forgets it
    at once, before it answers."""
    with db.unit_of_work() as uow:
        auth.close_session(uow.session, token)
        uow.commit()
    sessions.announced(f"token:{auth.token_hash(token)}")
