# mypy: disable-error-code="valid-type"
"""Consultation's pydantic contracts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from shared.events import EventPayload, register
from shared.fields import Strict, day, paragraph
from shared.quarters import QuarterCode

MeetingDay = day(ahead_days=366)  # the quarter's rules say how far from today (held_on_future)
Deadline = day(ahead_days=5 * 366)  # the rules want it after today (deadline_past); five years at most
Reason = paragraph(min_length=2, max_length=500)
Minutes = paragraph(min_length=10, max_length=20000)
Measure = paragraph(min_length=4, max_length=1000)
Note = paragraph(min_length=2, max_length=1000)


class QuarterOpen(Strict):
    quarter: QuarterCode


class RosterChange(Strict):
    enterprise_id: str = Field(min_length=1, max_length=100, description="经营主体编号、名称或统一社会信用代码")
    reason: Reason


Department = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]


class MeetingRecord(Strict):
    held_on: MeetingDay
    chair: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
    departments: list[Department] = Field(min_length=1, max_length=40)
    minutes: Minutes


class ResolutionAssign(Strict):
    item_id: str = Field(max_length=36)
    lead_department: Department
    co_departments: list[Department] = Field(default_factory=list, max_length=20)
    measure: Measure
    deadline: Deadline


class ProgressRecord(Strict):
    progress: int = Field(ge=0, le=100)
    note: Note


# ---- events ---------------------------------------------------------------------------------


class ConsultationFact(EventPayload, frozen=True):
    source: ClassVar[str] = "consultation"

    quarter: str


@register
class QuarterOpened(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "quarter_opened"

    cutoff: date
    opened_by: str
    enterprises: int
    agenda_items: int
    carried_over: int


@register
class ConsultationConvened(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "consultation_convened"

    held_on: date
    chair: str
    departments: list[str]
    enterprises: int
    agenda_items: int


@register
class ResolutionProgressed(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "resolution_progressed"

    resolution_id: str
    difficulty_id: str
    enterprise_id: str
    progress: int
    note: str
    noted_on: date


@register
class ResolutionOverdue(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "resolution_overdue"

    resolution_id: str
    difficulty_id: str
    enterprise_id: str
    lead_department: str
    deadline: date
    progress: int


@register
class QuarterClosed(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "quarter_closed"

    closed_on: date
    closed_by: str
    resolutions: int
    resolved: int
    carried_over: int
