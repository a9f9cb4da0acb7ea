"""Staff accounts an administrator opens, checked against what other services own before saving."""

from __future__ import annotations

from services.gateway import auth
from shared.actors import Actor
from shared.errors import InvalidInput


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
