"""Demo money for `make run`: a guarantee fund and a subsidy budget to work with (demo mode only)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.finance import books, ledger
from shared.money import yuan_to_fen

DEMO_FUNDS = {ledger.FUND: "10000000", ledger.BUDGET: "2000000"}


def ensure_demo_funds(session: Session) -> dict[str, int]:
    """Pay the demo amounts into an empty fund and budget; returns each balance in fen."""
    for account, amount in DEMO_FUNDS.items():
        if books.balance(session, account) == 0:
            books.post(session, ledger.contribution(f"demo:{account}", account, yuan_to_fen(amount)), "demo")
    session.commit()
    return {account: books.balance(session, account) for account in DEMO_FUNDS}
