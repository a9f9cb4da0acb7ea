"""The event envelope and the catalogue of every event type and version (one place for all)."""

from __future__ import annotations

import uuid
from datetime import date, timezone
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared import clock
from shared.logging import current_correlation_id


class EventPayload(BaseModel, frozen=True):
    """Base of every payload; subclasses name their type, version and producing service."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    source: ClassVar[str]


class Envelope(BaseModel, frozen=True):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    event_type: str
    version: int
    occurred_at: AwareDatetime = Field(default_factory=lambda: clock.now().astimezone(timezone.utc))
    producer: str
    correlation_id: str | None = None
    causation_id: str | None = None
    payload: dict[str, Any]

    def parsed(self) -> EventPayload:
        """The payload validated into its catalogue model."""
        return payload_model(self.event_type, self.version).model_validate(self.payload)


CATALOGUE: dict[tuple[str, int], type[EventPayload]] = {}


def register(model: type[EventPayload]) -> type[EventPayload]:
    key = (model.event_type, model.version)
    if key in CATALOGUE:
        raise ValueError(f"event {key} registered twice")
    CATALOGUE[key] = model
    return model


def payload_model(event_type: str, version: int) -> type[EventPayload]:
    try:
        return CATALOGUE[(event_type, version)]
    except KeyError:
        raise KeyError(f"unknown event {event_type} v{version}") from None


def make_event(payload: EventPayload, *, causation_id: str | None = None,
               correlation_id: str | None = None) -> Envelope:
    return Envelope(
        event_type=payload.event_type,
        version=payload.version,
        producer=payload.source,
        correlation_id=correlation_id or current_correlation_id(),
        causation_id=causation_id,
        payload=payload.model_dump(mode="json"),
    )


# ---- registry -------------------------------------------------------------------------------


@register
class EntrepreneurRegistered(EventPayload, frozen=True):
    event_type: ClassVar[str] = "entrepreneur_registered"
    source: ClassVar[str] = "registry"

    entrepreneur_id: str
    name: str
    region_code: str
    household_region_code: str
    categories: list[str]
    education: str
    skills: list[str]
    return_date: date | None
    registered_at: AwareDatetime
    account_id: str | None = None  # the entrepreneur's own account, when they registered themselves


@register
class EntrepreneurVerified(EventPayload, frozen=True):
    event_type: ClassVar[str] = "entrepreneur_verified"
    source: ClassVar[str] = "registry"

    entrepreneur_id: str
    region_code: str
    verified_by: str
    verified_at: AwareDatetime


@register
class EnterpriseRegistered(EventPayload, frozen=True):
    event_type: ClassVar[str] = "enterprise_registered"
    source: ClassVar[str] = "registry"

    enterprise_id: str
    owner_entrepreneur_id: str
    name: str
    kind: str
    credit_code: str
    credit_code_overridden: bool
    industry: str
    region_code: str
    founded_on: date
    investment_fen: int
    headcount: int
    poverty_hires: int
    registered_at: AwareDatetime


@register
class EnterpriseVerified(EventPayload, frozen=True):
    event_type: ClassVar[str] = "enterprise_verified"
    source: ClassVar[str] = "registry"

    enterprise_id: str
    region_code: str
    verified_by: str
    verified_at: AwareDatetime


@register
class EnterpriseHeadcountReported(EventPayload, frozen=True):
    event_type: ClassVar[str] = "enterprise_headcount_reported"
    source: ClassVar[str] = "registry"

    enterprise_id: str
    region_code: str
    quarter: str
    headcount: int
    poverty_hires: int
    new_hires: int
    revision: int
    previous_headcount: int | None


class Liaison(BaseModel, frozen=True):
    kind: str  # finance | legal | government_affairs
    name: str
    phone: str
    organisation: str
    level: str  # township | county | city
    region_code: str
    official_username: str | None = None


@register
class EnterpriseLiaisonsAssigned(EventPayload, frozen=True):
    event_type: ClassVar[str] = "enterprise_liaisons_assigned"
    source: ClassVar[str] = "registry"

    enterprise_id: str
    region_code: str
    liaisons: list[Liaison]
    assigned_by: str


# the other services' events live beside this module and register themselves here
from shared import consultation_events, escalation_events, finance_events, project_events  # noqa: E402,F401
