"""Accounts and sessions: argon2 password hashes, opaque tokens stored only as hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import ConfigDict, Field, StrictBool, ValidationInfo, field_validator

from services.gateway.handlers import throttle
from services.gateway.handlers.sessions import MISSING, SessionCache
from services.gateway.models import login_sessions, users
from shared import clock, regions
from shared.actors import Actor
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.fields import Model, Strict, refusal
from shared.validation import domain_check

User = sa.Row  # an account: a row of `users`

# Argon2id at one of OWASP's equivalent settings (12 MiB, 3 passes, 1 lane; OWASP lists it beside
# 19 MiB with 2 passes as the same defence): argon2-cffi's default takes 64 MiB per hash, which one
# login adds to the gateway's memory, and 19 MiB took the gateway over its 120 MB under load. Older
# hashes are upgraded at the next login (check_needs_rehash), and at most HASHING_AT_ONCE hashes run
# together, so a burst of logins costs at most 2 × 12 MiB and leaves CPU for every other request.
hasher = PasswordHasher(time_cost=3, memory_cost=12_288, parallelism=1)
HASHING_AT_ONCE = 2
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)  # green under eventlet
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,80}$")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_DUMMY_HASH = hasher.hash("guiyan-timing-equaliser")


class Login(Model):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class SignUp(Strict):
    """An entrepreneur opens an account with their mobile number."""

    phone: str
    display_name: str = Field(min_length=2, max_length=40)
    password: str = Field(min_length=8, max_length=200)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not MOBILE.match(value):
            domain_check(_bad_phone, value)
        return value


def _bad_phone(_value: str) -> None:
    raise InvalidInput("phone_format", "phone", "手机号码应为11位，以1开头")


class UserCreate(Strict):
    """An administrator creates staff accounts."""

    username: str = Field(pattern=USERNAME.pattern)
    password: str = Field(min_length=8, max_length=200)
    role: str = Field(pattern="^(entrepreneur|bank_liaison|official|admin)$")
    display_name: str = Field(min_length=1, max_length=80)
    region_code: str | None = None
    level: str | None = Field(default=None, pattern="^(village|township|county|city|province)$")
    bank_code: str | None = Field(default=None, max_length=20)
    unit_head: StrictBool = False  # an official who heads their unit: signs difficulties off (销号)

    @field_validator("region_code", "level", "unit_head")
    @classmethod
    def _officials_only(cls, value, info: ValidationInfo):
        if value and info.data.get("role", "official") != "official":
            raise refusal("official_fields_only", "只有工作人员账号填写层级、行政区划和单位负责人")
        return value

    @field_validator("bank_code")
    @classmethod
    def _liaisons_only(cls, value, info: ValidationInfo):
        if value and info.data.get("role", "bank_liaison") != "bank_liaison":
            raise refusal("bank_for_liaisons_only", "只有银行联络员账号填写所属银行")
        return value


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(user: User) -> Actor:
    return Actor.model_validate({"user_id": user.id, "username": user.username, "role": user.role,
                                 "display_name": user.display_name, "region_code": user.region_code,
                                 "level": user.level, "bank_code": user.bank_code,
                                 "unit_head": user.unit_head})


def username_taken(session, username: str) -> bool:
    return session.scalar(sa.select(users.c.id).where(users.c.username == username)) is not None


def create_user(session, data: UserCreate) -> User:
    if username_taken(session, data.username):
        raise Conflict("username_taken", "username", "该用户名已被使用")
    region = data.region_code
    if data.role == "official":
        if not region or not data.level:
            raise InvalidInput("official_needs_region", "region_code", "工作人员账号须填写所在层级和行政区划")
        region = regions.check_known(region)
        expected = {"province": "province", "city": "city", "county": "county", "township": "township",
                    "village": "village"}
        if regions.level_of(region) != expected[data.level]:
            raise InvalidInput("level_region_mismatch", "level", "层级与行政区划代码的级别不一致")
    if data.role == "bank_liaison" and not data.bank_code:
        raise InvalidInput("bank_required", "bank_code", "银行联络员账号须填写所属银行")
    return session.execute(sa.insert(users).values(
        username=data.username, password_hash=off_hub(hasher.hash, data.password), role=data.role,
        display_name=data.display_name, region_code=region, level=data.level, bank_code=data.bank_code,
        unit_head=data.unit_head and data.role == "official").returning(*users.c)).one()


def sign_up(session, data: SignUp) -> User:
    return create_user(session, UserCreate(username=data.phone, password=data.password,
                                           role="entrepreneur", display_name=data.display_name))


def authenticate(session, data: Login, address: str, rules: throttle.Policies) -> User | InvalidInput:
    """The user, or the one refusal for any wrong name or password, returned (not raised) once the
    failure is recorded, so that the caller's unit of work commits it before refusing."""
    attempt = throttle.Attempt(data.username, address, clock.utcnow())
    throttle.check(session, attempt)
    user = session.execute(sa.select(users).where(users.c.username == data.username)).first()
    if user is None or not user.active:
        _verify(_DUMMY_HASH, data.password)  # as long as a real check: timing tells no names
        return _refuse(session, attempt, rules)
    if not _verify(user.password_hash, data.password):
        return _refuse(session, attempt, rules)
    throttle.clear(session, attempt)
    if hasher.check_needs_rehash(user.password_hash):
        session.execute(sa.update(users).where(users.c.id == user.id)  # upgraded to today's parameters
                        .values(password_hash=off_hub(hasher.hash, data.password)))
    return user


def _refuse(session, attempt: throttle.Attempt, rules: throttle.Policies) -> InvalidInput:
    throttle.record_failure(session, attempt, rules)
    return InvalidInput("login_failed", "password", "用户名或密码错误")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return off_hub(hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def off_hub(function, *args, gate=_hashing):
    """Run CPU-heavy work (hashing, reading an uploaded roll) in a real thread, so that it does not
    stall every other request; `gate` bounds how many run at once."""
    import eventlet.patcher

    with gate:
        if eventlet.patcher.is_monkey_patched("thread"):
            from eventlet import tpool

            return tpool.execute(function, *args)
        return function(*args)


def open_session(session, user: User, kind: str, hours: int) -> tuple[str, dt.datetime]:
    token = secrets.token_urlsafe(32)
    expires = clock.utcnow() + dt.timedelta(hours=hours)
    session.execute(sa.insert(login_sessions).values(token_hash=token_hash(token), user_id=user.id, kind=kind,
                                                     created_at=clock.utcnow(), expires_at=expires))
    session.execute(sa.delete(login_sessions).where(login_sessions.c.expires_at < clock.utcnow()))
    return token, expires


_ACTOR_COLUMNS = (users.c.id.label("user_id"), users.c.username, users.c.role, users.c.display_name,
                  users.c.region_code, users.c.level, users.c.bank_code, users.c.unit_head)
_ACTOR_FOR_TOKEN = (
    sa.select(*_ACTOR_COLUMNS, login_sessions.c.expires_at)
    .join(login_sessions, login_sessions.c.user_id == users.c.id)
    .where(login_sessions.c.token_hash == sa.bindparam("token_hash"),
           login_sessions.c.expires_at > sa.bindparam("now"), users.c.active.is_(True)))


def actor_for_token(db, cache: SessionCache, token: str) -> Actor | None:
    """Who holds this session token, while it is open and the account active: from the gateway's
    memory when it can say (handlers/sessions.py), else one indexed lookup, kept for next time."""
    hashed = token_hash(token)
    if (known := cache.get(hashed)) is not MISSING:
        return known
    generation = cache.generation
    with db.lookup() as connection:
        row = connection.execute(_ACTOR_FOR_TOKEN, {"token_hash": hashed, "now": clock.utcnow()}).first()
    if row is None:
        return None
    values = row._asdict()
    expires_at = values.pop("expires_at")
    actor = Actor.model_validate(values)
    cache.keep(hashed, actor, expires_at, generation)
    return actor


def close_session(session, token: str) -> None:
    session.execute(sa.delete(login_sessions).where(login_sessions.c.token_hash == token_hash(token)))


def list_users(session) -> list[User]:
    """Every account, by role, then name."""
    return session.execute(sa.select(users).order_by(users.c.role, users.c.username)).all()


def get_user(session, user_id: str) -> User:
    user = session.execute(sa.select(users).where(users.c.id == user_id)).first()
    if user is None:
        raise NotFound("user_not_found", None, "未找到该用户")
    return user


# what a province's official may still send: their own sign-in, sign-out and notifications, and the
# province's own project library (its recommendations, listings and promotion events), which the
# projects service rules library by library
OWN_AFFAIRS = ("/api/v1/auth/", "/api/v1/notifications", "/login", "/logout", "/signup", "/notifications/",
               "/api/v1/projects", "/api/v1/promotion-events", "/projects/", "/library/", "/promotion-events")
READING = ("GET", "HEAD", "OPTIONS")


def require_may_act(actor: Actor, method: str, path: str) -> None:
    """The one rule, for the API and the pages alike, that a province's officials read and do not act
    on a city's programme: any request that would change something of a city's is refused before it
    reaches a service."""
    if actor.reads_only and method not in READING and not path.startswith(OWN_AFFAIRS):
        raise Forbidden("province_reads_only", None, "省级工作人员可查看全省各市（州）的情况，具体事项由市、县、乡镇办理")
