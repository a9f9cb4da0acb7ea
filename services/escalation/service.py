"""The escalation service's entrypoints: difficulties, the time-limit sweep, registry and consultation facts."""

from __future__ import annotations

from services.escalation import readmodel
from services.escalation.handlers import difficulties
from shared import attachments, clock
from shared.actors import as_actor, require_city_official
from shared.contracts.escalation import (
    CalendarYear,
    DifficultyCreate,
    DifficultyListQuery,
    LocalCalendarYear,
    NoteBody,
    ReasonBody,
    ResolveBody,
)
from shared.db import Database
from shared.errors import Forbidden
from shared.messaging import RetiredQueues, event_handler, idempotent, idempotent_batch
from shared.nameko_base import GuiyanService, Outbox, json_rpc, sweep, sweep_each
from shared.settings import EscalationSettings
from shared.validation import parse

SWEEP_INTERVAL = EscalationSettings().sweep_interval_seconds


command = json_rpc



class EscalationService(GuiyanService):
    name = "escalation"
    db = Database("escalation")
    outbox = Outbox("escalation")
    # every registration came here only for the owner's account, which enterprise_registered now carries
    retired = RetiredQueues("evt-registry-entrepreneur_registered--escalation.handle_entrepreneur_registered")

    @command
    def report_difficulty(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(DifficultyCreate, data)
        return self._once(actor, "report_difficulty", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: difficulties.report(uow, actor, data, clock.today()),
                          lambda session, result: difficulties.get(session, actor, result["id"]))

    @command
    def get_difficulty(self, actor, difficulty_id):
        with self.db.read() as session:
            return difficulties.read(session, difficulties.get(session, as_actor(actor), difficulty_id),
                                     clock.today())

    @command
    def list_difficulties(self, actor, query=None):
        with self.db.read() as session:
            return difficulties.list_difficulties(session, as_actor(actor),
                                                  parse(DifficultyListQuery, query or {}), clock.today())

    @command
    def difficulty_stats(self, actor):
        with self.db.read() as session:
            return difficulties.stats(session, as_actor(actor))

    @command
    def todo(self, actor):
        with self.db.read() as session:
            return difficulties.todo(session, as_actor(actor), clock.today())

    @command
    def public_difficulty(self, reference):
        with self.db.read() as session:
            return difficulties.public_view(session, str(reference)[:20])

    @command
    def act_on_difficulty(self, actor, difficulty_id, action, data=None):
        """contact | escalate | resolve | accept | reject | sign_off, each with its own body."""
        actor, today = as_actor(actor), clock.today()
        work = {
            "contact": lambda uow, b: difficulties.contact(uow, actor, difficulty_id, b.note,
                                                          b.expected_version, today),
            "escalate": lambda uow, b: difficulties.escalate(uow, actor, difficulty_id, b.reason,
                                                            b.expected_version, today),
            "resolve": lambda uow, b: difficulties.resolve(uow, actor, difficulty_id, b.resolution,
                                                          b.expected_version, today),
            "accept": lambda uow, b: difficulties.accept(uow, actor, difficulty_id, b.note, today),
            "reject": lambda uow, b: difficulties.reject(uow, actor, difficulty_id, b.reason, today),
            "sign_off": lambda uow, b: difficulties.sign_off(uow, actor, difficulty_id, b.note,
                                                            b.expected_version, today),
        }
        schema = {"escalate": ReasonBody, "reject": ReasonBody, "resolve": ResolveBody}.get(action, NoteBody)
        if action not in work:
            raise Forbidden("unknown_action", None, "不支持的操作")
        body = parse(schema, data or {})
        return self._transaction(lambda uow: work[action](uow, body))

    @command
    def add_attachment(self, actor, difficulty_id, filename, content_base64):
        actor, data = as_actor(actor), attachments.decode(content_base64)
        return self._transaction(lambda uow: difficulties.add_attachment(
            uow, actor, difficulty_id, str(filename or "")[:200], data, clock.today()))

    @command
    def get_attachment(self, actor, difficulty_id, attachment_id):
        with self.db.read() as session:
            return difficulties.get_attachment(session, as_actor(actor), difficulty_id, attachment_id)

    @command
    def publish_calendar_year(self, actor, year, data):
        actor, data = as_actor(actor), parse(CalendarYear, data)
        return self._transaction(lambda uow: difficulties.publish_year(uow, actor, int(year), data))

    @command
    def publish_local_days(self, actor, year, city, data):
        actor, data = as_actor(actor), parse(LocalCalendarYear, data)
        return self._transaction(lambda uow: difficulties.publish_local_days(uow, actor, int(year), city, data))

    # ---- the time-limit sweep ---------------------------------------------------------------

    @command
    def run_sweep(self, actor):
        actor = as_actor(actor)
        require_city_official(actor, "只有本市市级工作人员或管理员可以立即运行时限检查", allow_admin=True)
        return self._sweep()

    @sweep(interval=SWEEP_INTERVAL)
    def time_limit_sweep(self):
        self._sweep()

    def _sweep(self) -> dict:
        today = clock.today()
        with self.db.read() as session:
            candidates = difficulties.to_sweep(session, today)
        done = sweep_each(self.db, candidates, lambda uow, row: difficulties.sweep_one(uow, row, today))
        return {"as_of": today.isoformat(), "checked": len(candidates), "done": done}

    # ---- facts from the registry and the consultation ---------------------------------------

    @event_handler("registry", "enterprise_registered")
    @idempotent_batch
    def handle_enterprise_registered(self, uow, items):
        readmodel.enterprises_registered(uow.session, [payload for payload, _ in items])

    @event_handler("registry", "enterprise_changed")
    @idempotent
    def handle_enterprise_changed(self, uow, payload, envelope):
        readmodel.enterprise_changed(uow.session, payload)

    @event_handler("registry", "enterprise_liaisons_assigned")
    @idempotent
    def handle_enterprise_liaisons_assigned(self, uow, payload, envelope):
        readmodel.liaisons_assigned(uow.session, payload)

    @event_handler("consultation", "resolution_assigned")
    @idempotent
    def handle_resolution_assigned(self, uow, payload, envelope):
        difficulties.attach_decision(uow.session, payload)
