"""Consultation's pydantic contracts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QuarterOpen(Strict):
    quarter: Annotated[str, StringConstraints(pattern=r"^\d{4}Q[1-4]$")]


class RosterChange(Strict):
    enterprise_id: str = Field(min_length=1, max_length=100, description="经营主体编号、名称或统一社会信用代码")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]


Department = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]


class MeetingRecord(Strict):
    held_on: date
    chair: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
    departments: list[Department] = Field(min_length=1, max_length=40)
    minutes: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=20000)]


class ResolutionAssign(Strict):
    item_id: str = Field(max_length=36)
    lead_department: Department
    co_departments: list[Department] = Field(default_factory=list, max_length=20)
    measure: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=1000)]
    deadline: date


class ProgressRecord(Strict):
    progress: int = Field(ge=0, le=100)
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=1000)]
