"""A city's money into the programme: contributions to its fund and budget, last year's repayment rate."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from services.finance.domain import ledger
from services.finance.handlers import books
from services.finance.models import Bank, BankPartnership
from shared import clock
from shared.actors import Actor, require_city_official
from shared.contracts.finance import Contribution, RepaymentRate
from shared.errors import Forbidden, InvalidInput
from shared.money import yuan_to_fen


def require_treasurer(actor: Actor, *, allow_admin: bool = False) -> None:
    """The programme-wide runs (the overdue sweep now): the programme city's city-level officials
    (and administrators)."""
    require_city_official(actor, "只有本市市级工作人员可以办理此项", allow_admin=allow_admin)


def read_books(actor: Actor, city: str | None) -> str:
    """The city whose ledger the caller reads: a city-level official's own, any for a province's
    officials and administrators."""
    named = books.city_to_read(actor, city)
    if actor.role != "admin" and actor.level not in ("city", "province"):
        raise Forbidden("city_level_required", None, "只有市级及以上工作人员可以查看账簿")
    return named


def contribute(uow, actor: Actor, data: Contribution, today: dt.date) -> dict:
    city = books.kept_city(actor)
    reference = f"contribution:{uuid.uuid4()}"
    books.post(uow.session, city, ledger.contribution(reference, data.account, yuan_to_fen(data.amount_yuan)),
               actor.username)
    uow.session.flush()
    return {"reference": reference, "note": data.note, **books.fund_position(uow.session, city, today)}


def set_repayment_rate(uow, actor: Actor, data: RepaymentRate, today: dt.date) -> dict:
    """A city official sets an ended year's repayment rate other than the ledger's, with the reason
    (a loan recovered outside the books, say), or without a rate returns it to the ledger's; the
    ledger's figures stay beside it."""
    city = books.kept_city(actor)
    if data.year >= today.year:
        raise InvalidInput("year_not_ended", "year", f"只能调整已经结束的年度的回收率（{today.year - 1}年及以前）")
    record = books.year_rate(uow.session, city, data.year)
    if data.repayment_rate_percent is None:
        record.repayment_rate_bp, record.source = record.ledger_rate_bp, "ledger"
    else:
        record.repayment_rate_bp, record.source = int(data.repayment_rate_percent * 100), "override"
    record.reason, record.recorded_by, record.recorded_at = data.reason, actor.username, clock.stamp()
    uow.session.flush()
    return books.fund_position(uow.session, city, today)


def percent(bp: int | None) -> str | None:
    return None if bp is None else f"{Decimal(bp) / 100:.2f}"


# ---- demo mode (`make run`): each demo city's fund, budget and partner banks -----------------

DEMO_FUNDS = {ledger.FUND: "10000000", ledger.BUDGET: "2000000"}
# the demo's second city and its own bank (内江's banks are the migrations' partners already)
DEMO_CITY_BANKS = {"510700000000": ("MYCCB", "绵阳市商业银行", 30 * 10_000 * 100)}


def ensure_demo_world(session: Session, cities: list[str]) -> dict[str, dict[str, int]]:
    """Each demo city's bank and its partnership, and the demo amounts paid into each city's empty
    fund and budget (the caller commits); each city's balances in fen."""
    for city, (code, name, threshold_fen) in DEMO_CITY_BANKS.items():
        if session.get(Bank, code) is None:
            session.add(Bank(code=code, name=name, confirmation_threshold_fen=threshold_fen))
            session.flush()
        if session.get(BankPartnership, (code, city)) is None:
            session.add(BankPartnership(bank_code=code, city_code=city, since=dt.date(2021, 1, 1), changed_by="demo"))
    return {city: ensure_demo_funds(session, city) for city in cities}


def ensure_demo_funds(session: Session, city: str) -> dict[str, int]:
    """Pay the demo amounts into a city's empty fund and budget (the caller commits); each balance in fen."""
    for account, amount in DEMO_FUNDS.items():
        if books.balance(session, city, account) == 0:
            books.post(session, city, ledger.contribution(f"demo:{city}:{account}", account, yuan_to_fen(amount)),
                       "demo")
    return {account: books.balance(session, city, account) for account in DEMO_FUNDS}
