"""Events of the projects service: the library's projects as they are listed, promoted, signed, launched."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from shared.events import EventPayload, register


class ProjectFact(EventPayload, frozen=True):
    source: ClassVar[str] = "projects"

    project_id: str
    title: str
    sector: str
    region_code: str  # where the project is
    library_level: str  # county | city | province
    library_region: str
    investment_fen: int
    expected_jobs: int


@register
class ProjectListed(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_listed"

    listed_by: str


@register
class ProjectRecommended(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_recommended"

    to_level: str
    recommended_by: str


@register
class ProjectPromoted(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_promoted"

    event_id_promotion: str
    promoted_on: date


@register
class ProjectSigned(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_signed"

    promotion_event_id: str | None
    entrepreneur_id: str | None
    enterprise_id: str | None
    signed_on: date


@register
class ProjectLaunched(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_launched"

    launched_on: date


@register
class ProjectWithdrawn(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_withdrawn"

    reason: str
