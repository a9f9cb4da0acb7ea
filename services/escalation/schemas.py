"""Escalation's pydantic contracts: HTTP bodies and RPC arguments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Category = Literal["financing", "land", "labour", "permits", "policy", "legal", "infrastructure", "market",
                   "other"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DifficultyCreate(Strict):
    enterprise_id: str = Field(max_length=36)
    category: Category
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]
    urgency: Literal["normal", "urgent"] = "normal"


class Versioned(Strict):
    expected_version: int | None = None


class NoteBody(Versioned):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class ReasonBody(Versioned):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=1000)]


class ResolveBody(Versioned):
    resolution: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=4000)]


class DifficultyListQuery(Strict):
    status: str | None = Field(default=None, max_length=20)
    queue: bool = False  # an official's queue: open difficulties at their own level, by due date
    page: int = Field(default=1, ge=1, le=10000)
    per_page: int = Field(default=20, ge=1, le=100)


class CalendarYear(Strict):
    """A year's schedule as the State Council publishes it: its holidays and make-up working days."""

    holidays: list[dt.date] = Field(min_length=1, max_length=60)
    workdays: list[dt.date] = Field(default_factory=list, max_length=20)
