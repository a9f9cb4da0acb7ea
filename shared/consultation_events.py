"""Events of the consultation service: the quarter, its meeting, and the follow-up of its resolutions.

`resolution_assigned` lives with escalation's events (escalation attaches it to the difficulty).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from shared.events import EventPayload, register


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
