"""The event envelope and the catalogue of every event type and version (one place for all)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared import clock
from shared.logging import current_correlation_id


class EventPayload(BaseModel, frozen=True):
    """Base of every payload; subclasses name their type, version and producing service."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    source: ClassVar[str]


class Envelope(BaseModel, frozen=True):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    event_type: str
    version: int
    occurred_at: AwareDatetime = Field(default_factory=clock.stamp)
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
    _load_catalogue()
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


def catalogue() -> dict[tuple[str, int], type[EventPayload]]:
    """Every event type and version, with its payload model."""
    _load_catalogue()
    return CATALOGUE


def _load_catalogue() -> None:
    """Each service's events are declared in its contract, and register themselves when imported."""
    from shared.contracts import consultation, escalation, finance, projects, registry  # noqa: F401
