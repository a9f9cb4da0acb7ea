"""Who is asking: the caller's identity as the gateway passes it to every service."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared import regions
from shared.errors import Forbidden

Role = Literal["entrepreneur", "bank_liaison", "official", "admin"]
ROLE_NAMES = {"entrepreneur": "创业者", "official": "工作人员", "bank_liaison": "银行联络员", "admin": "管理员"}


class Actor(BaseModel, frozen=True):
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    user_id: str
    username: str
    role: Role
    display_name: str = ""
    region_code: str | None = None  # officials: their jurisdiction
    level: str | None = None  # officials: village | township | county | city
    bank_code: str | None = None  # bank liaisons
    unit_head: bool = False  # officials who head their unit (sign difficulties off)

    @property
    def is_official(self) -> bool:
        return self.role == "official" and self.region_code is not None

    @property
    def is_city_official(self) -> bool:
        """A city-level official of any city: their city's fund, books and quarter are theirs."""
        return self.is_official and self.level == "city"

    @property
    def reads_only(self) -> bool:
        """A province's official: reads every city's programme, changes nothing of theirs."""
        return self.is_official and self.level == "province"

    @property
    def leads_the_city(self) -> bool:
        """A city-level official of the programme's own city: the fund, the books and the quarter are theirs."""
        return (self.is_official and self.level == "city"
                and regions.normalize(self.region_code or "") == programme_city())

    def governs(self, region_code: str) -> bool:
        """An official's jurisdiction covers this region (their own and everything below)."""
        return self.is_official and regions.within(self.region_code or "", region_code)

    def may_see(self, *, owner_account_id: str | None, region_code: str, bank_code: str | None = None) -> bool:
        """The one rule of who sees a record: an entrepreneur their own, a bank liaison their bank's
        (where a record has a bank), an official their region and below; nobody else.
        `shared.db.visible_to` is the same rule as a query's condition."""
        if self.role == "entrepreneur":
            return owner_account_id is not None and owner_account_id == self.user_id
        if self.role == "bank_liaison":
            return bank_code is not None and bank_code == self.bank_code
        return self.governs(region_code)


def as_actor(value: Actor | dict) -> Actor:
    return value if isinstance(value, Actor) else Actor.model_validate(value)


@cache
def programme_city() -> str:
    from shared.settings import ServiceSettings

    return regions.normalize(ServiceSettings().programme_city)


def require_city_official(actor: Actor, message: str, *, allow_admin: bool = False) -> None:
    """Only the programme city's own city-level officials (another city's are refused as well)."""
    if not actor.leads_the_city and not (allow_admin and actor.role == "admin"):
        raise Forbidden("city_level_required", None, message)


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden("role_not_allowed", None, "当前账号的角色无权进行此操作")
