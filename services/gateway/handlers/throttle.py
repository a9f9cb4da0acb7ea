"""Login throttling by (username, client address): a stranger elsewhere slows only their own tries.

Each wrong password for one username from one address counts; after a few free ones every further
failure doubles the wait before that pair may try again (1 s, 2 s, 4 s … up to 15 minutes). One
address also has a larger allowance across all usernames, against credential stuffing. A success
clears its own pair only, and a quiet day forgets the count.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.gateway.http import TooManyAttempts
from services.gateway.models import login_throttle
from shared.settings import GatewaySettings

ANY_USERNAME = ""  # the row that counts one address's failures across all usernames
FORGET_AFTER = dt.timedelta(days=1)
QUEUE_LOCKS = 7011  # advisory-lock class: tries of one (username, address) take turns
STALE_ROWS_PER_FAILURE = 100


@dataclass(frozen=True)
class Policy:
    free_failures: int
    first_wait: float  # seconds, doubled at each further failure
    max_wait: float


@dataclass(frozen=True)
class Policies:
    pair: Policy  # one username from one address
    address: Policy  # one address, whatever the username


@dataclass(frozen=True)
class Attempt:
    username: str
    address: str
    now: dt.datetime


def policies(settings: GatewaySettings) -> Policies:
    def policy(free: int) -> Policy:
        return Policy(free, settings.login_first_wait_seconds, settings.login_max_wait_seconds)

    return Policies(policy(settings.login_free_failures), policy(settings.login_address_free_failures))


# ---- the arithmetic ----------------------------------------------------------------------------


def wait_after(failures: int, policy: Policy) -> float:
    """Seconds to wait after `failures` in a row: none while free, then doubling up to the cap."""
    beyond = failures - policy.free_failures
    if beyond <= 0:
        return 0.0
    return min(policy.max_wait, policy.first_wait * 2.0 ** min(beyond - 1, 60))


def in_a_row(failures: int, last_failure_at: dt.datetime | None, now: dt.datetime) -> int:
    """Failures so far, unless the last one is a quiet day ago."""
    return failures if last_failure_at is not None and now - last_failure_at < FORGET_AFTER else 0


def after_failure(failures: int, last_failure_at: dt.datetime | None, now: dt.datetime,
                  policy: Policy) -> tuple[int, dt.datetime | None]:
    """The count and the end of the wait once one more failure is recorded."""
    counted = in_a_row(failures, last_failure_at, now) + 1
    wait = wait_after(counted, policy)
    return counted, now + dt.timedelta(seconds=wait) if wait else None


def seconds_left(blocked_until: dt.datetime | None, now: dt.datetime) -> int:
    """Whole seconds still to wait (as Retry-After says it); 0 when free."""
    if blocked_until is None or blocked_until <= now:
        return 0
    return math.ceil((blocked_until - now).total_seconds())


def in_words(seconds: int) -> str:
    return f"{seconds}秒" if seconds < 60 else f"{math.ceil(seconds / 60)}分钟"


def refusal(seconds: int, whole_address: bool) -> TooManyAttempts:
    who = "此网络地址登录失败" if whole_address else "密码错误"
    return TooManyAttempts("login_throttled", "username", f"{who}次数过多，请{in_words(seconds)}后再试", seconds)


# ---- who is trying -----------------------------------------------------------------------------


def client_address(request, settings: GatewaySettings) -> str:
    """The address a login is counted against: the peer, or what our own proxies say it is."""
    return choose_address(request.remote_addr or "", request.headers.get("X-Forwarded-For", ""),
                          trusted_networks(settings.trusted_proxies))


def choose_address(peer: str, forwarded: str, trusted: tuple) -> str:
    """The nearest hop that is not a trusted proxy (the leftmost one if every hop is)."""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()] if trusted else []
    chain = [peer, *reversed(hops)]
    for hop in chain:
        if not is_trusted(hop, trusted):
            return address_key(hop)
    return address_key(chain[-1])


@functools.lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip())


def is_trusted(hop: str, trusted: tuple) -> bool:
    address = parse_ip(hop)
    return address is not None and any(address in network for network in trusted)


def address_key(hop: str) -> str:
    """IPv6 counts by its /64 (one subscriber's block, not one of its many addresses)."""
    address = parse_ip(hop)
    if address is None:
        return hop[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


# ---- the table ---------------------------------------------------------------------------------


def check(session, attempt: Attempt) -> None:
    """Take this pair's turn, then refuse while the pair or its whole address must still wait."""
    turn = sa.func.hashtext(f"{attempt.username}\n{attempt.address}")
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(QUEUE_LOCKS, turn)))
    rows = session.execute(sa.select(login_throttle.c.username, login_throttle.c.blocked_until).where(
        login_throttle.c.address == attempt.address,
        login_throttle.c.username.in_((attempt.username, ANY_USERNAME)))).all()
    waits = {row.username: seconds_left(row.blocked_until, attempt.now) for row in rows}
    if waits.get(attempt.username):
        raise refusal(waits[attempt.username], whole_address=False)
    if waits.get(ANY_USERNAME):
        raise refusal(waits[ANY_USERNAME], whole_address=True)


def record_failure(session, attempt: Attempt, rules: Policies) -> None:
    _forget_stale(session, attempt.now)
    _count(session, attempt, attempt.username, rules.pair)
    _count(session, attempt, ANY_USERNAME, rules.address)


def _count(session, attempt: Attempt, username: str, policy: Policy) -> None:
    session.execute(insert(login_throttle).values(username=username, address=attempt.address, failures=0,
                                                  last_failure_at=attempt.now).on_conflict_do_nothing())
    pair = sa.and_(login_throttle.c.username == username, login_throttle.c.address == attempt.address)
    row = session.execute(sa.select(login_throttle.c.failures, login_throttle.c.last_failure_at)
                          .where(pair).with_for_update()).one()
    failures, blocked_until = after_failure(row.failures, row.last_failure_at, attempt.now, policy)
    session.execute(sa.update(login_throttle).where(pair).values(
        failures=failures, blocked_until=blocked_until, last_failure_at=attempt.now))


def _forget_stale(session, now: dt.datetime) -> None:
    """A few rows quiet for a day go; rows another login holds are left for later (no waiting)."""
    stale = (sa.select(login_throttle.c.username, login_throttle.c.address)
             .where(login_throttle.c.last_failure_at < now - FORGET_AFTER,
                    sa.or_(login_throttle.c.blocked_until.is_(None), login_throttle.c.blocked_until < now))
             .limit(STALE_ROWS_PER_FAILURE).with_for_update(skip_locked=True))
    session.execute(sa.delete(login_throttle).where(
        sa.tuple_(login_throttle.c.username, login_throttle.c.address).in_(stale)))


def clear(session, attempt: Attempt) -> None:
    """A success forgets its pair (not its address: one good account must not reopen stuffing)."""
    session.execute(sa.delete(login_throttle).where(login_throttle.c.username == attempt.username,
                                                    login_throttle.c.address == attempt.address))

