"""Consultation keeps every event of every service: each type in the catalogue has its named handler."""

from nameko.events import EventHandler

from services.consultation.handlers.facts import SOURCES, FactHandlers
from services.consultation.service import ConsultationService
from shared.events import catalogue


def subscriptions(service) -> dict[str, tuple[str, str]]:
    """Handler name -> (source service, event type), as nameko will subscribe them."""
    found = {}
    for name in dir(service):
        for entrypoint in getattr(getattr(service, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, EventHandler):
                found[name] = (entrypoint.source_service, entrypoint.event_type)
    return found


def test_every_event_type_of_every_service_has_its_named_handler():
    expected = {(model.source, event_type) for (event_type, _), model in catalogue().items() if model.source in SOURCES}
    handlers = subscriptions(FactHandlers)
    assert set(handlers.values()) == expected
    assert all(name == f"handle_{event_type}" for name, (_, event_type) in handlers.items())


def test_the_service_subscribes_what_the_handlers_declare():
    assert subscriptions(ConsultationService) == subscriptions(FactHandlers)
