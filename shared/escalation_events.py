"""Events of the escalation service, and the consultation's decisions that escalation attaches.

No personal data: a difficulty is named by its id and public reference, its enterprise and region.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime

from shared.events import EventPayload, register


class DifficultyFact(EventPayload, frozen=True):
    source: ClassVar[str] = "escalation"

    difficulty_id: str
    reference: str
    enterprise_id: str
    region_code: str
    category: str
    level: str  # township | county | city: where it is handled now


@register
class DifficultyReported(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_reported"

    urgency: str
    reported_on: date


@register
class DifficultyAssigned(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_assigned"

    liaison_kind: str
    liaison_name: str | None
    official_username: str | None
    contact_due: date
    resolve_due: date


@register
class DifficultyContacted(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_contacted"

    contacted_by: str
    late: bool


@register
class DifficultyEscalated(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_escalated"

    from_level: str
    automatic: bool
    reason: str
    escalated_on: date


@register
class DifficultyResolved(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_resolved"

    resolved_by: str
    resolved_at: AwareDatetime


@register
class DifficultyAccepted(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_accepted"

    accepted_at: AwareDatetime


@register
class DifficultyReopened(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_reopened"

    reason: str


@register
class DifficultyClosed(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_closed"

    signed_off_by: str
    closed_on: date


@register
class ResolutionAssigned(EventPayload, frozen=True):
    """The quarterly consultation's decision on one difficulty (published by `consultation`)."""

    event_type: ClassVar[str] = "resolution_assigned"
    source: ClassVar[str] = "consultation"

    resolution_id: str
    quarter: str
    difficulty_id: str
    enterprise_id: str
    lead_department: str
    co_departments: list[str]
    measure: str
    deadline: date
