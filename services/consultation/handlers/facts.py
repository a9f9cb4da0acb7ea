"""The facts consultation keeps: every event of every service, its own included, on one queue.

Each is stored whole, once (`quarters.keep`, idempotent by event id; a batch of deliveries with one
statement); every read of the quarter, the bulletin, the timeline and the dashboard is derived from
them. The queue is bound to each event type the catalogue holds, so a new event type is kept from
the day its contract declares it. Until this one queue, each type had its own queue and handler
(`handle_<type>`): their queues are emptied into it and deleted when the service starts.
"""

from __future__ import annotations

from services.consultation.handlers import quarters
from shared.events import catalogue
from shared.messaging import MergedQueues, events_handler, idempotent_batch

SOURCES = ("registry", "finance", "escalation", "projects", "consultation")  # every service's events
SUBSCRIPTIONS = tuple(sorted({(model.source, event_type) for (event_type, _), model in catalogue().items()
                              if model.source in SOURCES}))


class FactHandlers:
    """Mixed into ConsultationService."""

    merged_fact_queues = MergedQueues("handle_facts", SUBSCRIPTIONS)

    @events_handler(SUBSCRIPTIONS)
    @idempotent_batch
    def handle_facts(self, uow, items):
        quarters.keep(uow.session, [envelope for _, envelope in items])
