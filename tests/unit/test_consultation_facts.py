"""Consultation keeps every event of every service, on one queue bound to each type in the catalogue."""

from services.consultation.handlers.facts import SOURCES, SUBSCRIPTIONS, FactHandlers
from services.consultation.service import ConsultationService
from shared.events import catalogue
from shared.messaging import ReliableEventHandler


def subscriptions(service) -> dict[str, tuple[tuple[str, str], ...]]:
    """Handler name -> the (source service, event type) pairs its queue is bound to."""
    return {name: entrypoint.bound() for name in dir(service)
            for entrypoint in getattr(getattr(service, name), "nameko_entrypoints", ())
            if isinstance(entrypoint, ReliableEventHandler)}


def test_one_handler_is_bound_to_every_event_type_of_every_service():
    expected = {(model.source, event_type) for (event_type, _), model in catalogue().items() if model.source in SOURCES}
    assert subscriptions(FactHandlers) == {"handle_facts": SUBSCRIPTIONS}
    assert set(SUBSCRIPTIONS) == expected and len(SUBSCRIPTIONS) == len(expected)
    assert {source for source, _ in SUBSCRIPTIONS} == set(SOURCES)


def test_the_service_subscribes_what_the_handlers_declare():
    assert subscriptions(ConsultationService) == subscriptions(FactHandlers)
