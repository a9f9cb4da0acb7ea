"""Consultation's pydantic contracts."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QuarterOpen(Strict):
    quarter: Annotated[str, StringConstraints(pattern=r"^\d{4}Q[1-4]$")]


class RosterChange(Strict):
    enterprise_id: str = Field(max_length=36)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]
