"""The event envelope and the catalogue."""

import datetime as dt

import pytest
from pydantic import ValidationError

from shared import clock
from shared.contracts.registry import EntrepreneurVerified
from shared.events import Envelope, catalogue, make_event


def test_an_event_round_trips_through_its_envelope():
    payload = EntrepreneurVerified(entrepreneur_id="e1", region_code="511011101201",
                                   verified_by="township_official",
                                   verified_at=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    envelope = make_event(payload, correlation_id="c1")
    copy = Envelope.model_validate(envelope.model_dump(mode="json"))
    assert copy.parsed() == payload
    assert copy.producer == "registry" and copy.version == 1 and copy.correlation_id == "c1"


def test_payloads_are_immutable_and_strict():
    payload = EntrepreneurVerified(entrepreneur_id="e1", region_code="r", verified_by="u",
                                   verified_at=clock.utcnow())
    with pytest.raises(ValidationError):
        payload.entrepreneur_id = "other"
    with pytest.raises(ValidationError):
        EntrepreneurVerified(entrepreneur_id="e1", region_code="r", verified_by="u",
                             verified_at=clock.utcnow(), surprise=1)


def test_naive_timestamps_are_refused():
    with pytest.raises(ValidationError):
        Envelope(event_type="x", version=1, producer="p", payload={}, occurred_at=dt.datetime(2026, 1, 1))


def test_the_catalogue_names_every_registry_fact():
    names = {event_type for event_type, _ in catalogue()}
    assert {"entrepreneur_registered", "entrepreneur_verified", "enterprise_registered",
            "enterprise_headcount_reported", "enterprise_liaisons_assigned"} <= names


def test_the_asyncapi_document_lists_every_catalogue_entry():
    from services.gateway.api.openapi import asyncapi_document

    document = asyncapi_document()
    assert set(document["components"]["messages"]) == {f"{t}_v{v}" for t, v in catalogue()}
