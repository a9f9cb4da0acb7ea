"""The city's money into the programme: contributions to the fund and budget, last year's repayment rate."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from services.finance.domain import ledger
from services.finance.handlers import books
from services.finance.models import FundYear
from shared.actors import Actor, require_city_official
from shared.contracts.finance import Contribution, RepaymentRate
from shared.money import yuan_to_fen


def require_treasurer(actor: Actor, *, allow_admin: bool = False) -> None:
    """The fund and the books are the city's: city-level officials (and, to read, administrators)."""
    require_city_official(actor, "只有本市市级工作人员可以办理此项", allow_admin=allow_admin)


def contribute(uow, actor: Actor, data: Contribution, today: dt.date) -> dict:
    require_treasurer(actor)
    reference = f"contribution:{uuid.uuid4()}"
    books.post(uow.session, ledger.contribution(reference, data.account, yuan_to_fen(data.amount_yuan)),
               actor.username)
    uow.session.flush()
    return {"reference": reference, "note": data.note, **books.fund_position(uow.session, today)}


def set_repayment_rate(uow, actor: Actor, data: RepaymentRate, today: dt.date) -> dict:
    require_treasurer(actor)
    rate_bp = int(data.repayment_rate_percent * 100)
    record = uow.session.get(FundYear, data.year)
    if record is None:
        uow.session.add(FundYear(year=data.year, repayment_rate_bp=rate_bp, recorded_by=actor.username))
    else:
        record.repayment_rate_bp, record.recorded_by = rate_bp, actor.username
    uow.session.flush()
    return books.fund_position(uow.session, today)


def percent(bp: int | None) -> str | None:
    return None if bp is None else f"{Decimal(bp) / 100:.2f}"


# ---- demo mode (`make run`): a guarantee fund and a subsidy budget to work with -------------

DEMO_FUNDS = {ledger.FUND: "10000000", ledger.BUDGET: "2000000"}


def ensure_demo_funds(session: Session) -> dict[str, int]:
    """Pay the demo amounts into an empty fund and budget (the caller commits); each balance in fen."""
    for account, amount in DEMO_FUNDS.items():
        if books.balance(session, account) == 0:
            books.post(session, ledger.contribution(f"demo:{account}", account, yuan_to_fen(amount)), "demo")
    return {account: books.balance(session, account) for account in DEMO_FUNDS}
