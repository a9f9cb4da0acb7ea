"""The consultation service's entrypoints: every other service's facts, the quarter and its roster.

This session builds the first part of issue 6 (facts, quarters, rosters); the agenda, meeting,
resolutions, follow-up and bulletin come next.
"""

from __future__ import annotations

import datetime as dt

from nameko.timer import timer

from services.consultation import domain, quarters
from services.consultation.schemas import QuarterOpen, RosterChange
from shared import clock
from shared.actors import as_actor
from shared.db import Database
from shared.events import CATALOGUE
from shared.logging import get_logger
from shared.messaging import event_handler, idempotent
from shared.nameko_base import GuiyanService, Outbox, json_rpc
from shared.validation import parse

command = json_rpc
log = get_logger(__name__)
SOURCES = ("registry", "finance", "escalation", "projects")
AUTO_OPEN_DAYS = 10  # after a quarter ends, the timer still opens it for this many days


def due_quarter(today: dt.date) -> str | None:
    """The quarter the timer should open today: this one on its last day, or the one just ended."""
    current = domain.quarter_of(today)
    first, last = domain.quarter_bounds(current)
    if today == last:
        return current
    if (today - first).days < AUTO_OPEN_DAYS:
        return domain.quarter_of(first - dt.timedelta(days=1))
    return None


class ConsultationService(GuiyanService):
    name = "consultation"
    db = Database("consultation")
    outbox = Outbox("consultation")

    @command
    def open_quarter(self, actor, data):
        actor, data = as_actor(actor), parse(QuarterOpen, data)
        return self._once(f"open_quarter:{data.quarter}", None, None,
                          lambda uow: quarters.open_quarter(uow.session, actor, data.quarter, clock.today()))

    @command
    def get_quarter(self, actor, code):
        with self.db.read() as session:
            return quarters.view(session, as_actor(actor), str(code)[:6])

    @command
    def change_roster(self, actor, code, data, add=True):
        actor, data = as_actor(actor), parse(RosterChange, data)
        return self._once(f"roster:{code}:{data.enterprise_id}", None, None, lambda uow: quarters.adjust(
            uow.session, actor, str(code)[:6], data.enterprise_id, bool(add), data.reason))

    @timer(interval=3600)
    def quarter_cutoff(self):
        """At the quarter's cut-off the quarter opens by itself, with its roster."""
        code = due_quarter(clock.today())
        if code is None:
            return
        try:
            with self.db.unit_of_work() as uow:
                quarters.open_quarter(uow.session, None, code, clock.today())
                uow.commit()
        except Exception as exc:  # already opened by another instance, or the database is away
            log.info("quarter_cutoff_skipped", quarter=code, error=repr(exc))


def _keeper(source: str, event_type: str):
    def handle(self, uow, payload, envelope):
        quarters.keep(uow.session, envelope)

    handle.__name__ = f"handle_{event_type}"
    return event_handler(source, event_type)(idempotent(handle))


for _type in sorted({(model.source, event_type) for (event_type, _), model in CATALOGUE.items()
                     if model.source in SOURCES}):
    setattr(ConsultationService, f"handle_{_type[1]}", _keeper(*_type))
