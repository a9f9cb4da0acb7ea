"""Projects' pydantic contracts: HTTP bodies and RPC arguments."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from services.projects.domain import SECTORS
from shared import regions
from shared.fields import Strict, day, money, paragraph
from shared.validation import domain_check

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
Investment = money(gt=0, le=Decimal("10000000000"))
InvestmentBound = money(ge=0)
Description = paragraph(min_length=10, max_length=4000)
Note = paragraph(max_length=1000)
Remark = paragraph(max_length=500)
EventDay = day(ahead_days=366)  # a promotion event is announced ahead, up to a year


class ProjectCreate(Strict):
    title: Text
    sector: str
    description: Description
    region_code: str
    investment_yuan: Investment
    expected_jobs: int = Field(ge=0, le=100000)
    policies: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]] = \
        Field(default_factory=list, max_length=20)
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
    contact_phone: Annotated[str, StringConstraints(pattern=r"^[0-9\-]{7,20}$")]
    library_level: Literal["county", "city", "province"] = "county"

    @field_validator("sector")
    @classmethod
    def _sector(cls, value: str) -> str:
        if value not in SECTORS:
            raise PydanticCustomError("sector_unknown", "请选择项目库中的行业", {"domain": True})
        return value

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str) -> str:
        return domain_check(regions.check_known, value)


class ProjectQuery(Strict):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    sector: str | None = Field(default=None, max_length=20)
    region_code: str | None = Field(default=None, max_length=12)
    min_investment_yuan: InvestmentBound | None = None
    max_investment_yuan: InvestmentBound | None = None
    library_level: Literal["county", "city", "province"] | None = None
    status: str | None = Field(default=None, max_length=12)
    page: int = Field(default=1, ge=1, le=10000)
    per_page: int = Field(default=20, ge=1, le=100)


class StepBody(Strict):
    expected_version: int | None = None
    note: Note = ""


class RecommendationDecision(StepBody):
    accept: StrictBool


class InterestBody(Strict):
    note: Remark = ""


class PromotionEventCreate(Strict):
    title: Text
    held_on: EventDay
    place: Text
    project_ids: list[str] = Field(min_length=1, max_length=100)


class SigningCreate(Strict):
    project_id: str = Field(max_length=36)
    entrepreneur_id: str | None = Field(default=None, max_length=36)
    enterprise_id: str | None = Field(default=None, max_length=36)
