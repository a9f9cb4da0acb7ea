"""The projects service's entrypoints: the tiered library, interest, promotion events, signing, matching."""

from __future__ import annotations

from services.projects import readmodel
from services.projects.handlers import library
from shared import clock
from shared.actors import as_actor
from shared.contracts.projects import (
    InterestBody,
    ProjectCreate,
    ProjectQuery,
    PromotionEventCreate,
    RecommendationDecision,
    SigningCreate,
    StepBody,
)
from shared.db import Database
from shared.errors import Forbidden
from shared.messaging import event_handler, idempotent, idempotent_batch
from shared.nameko_base import GuiyanService, Outbox, json_rpc
from shared.validation import parse

command = json_rpc
STEPS = ("review", "list", "launch", "withdraw")


class ProjectsService(GuiyanService):
    name = "projects"
    db = Database("projects")
    outbox = Outbox("projects")

    @command
    def collect_project(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(ProjectCreate, data)
        return self._once(actor, "collect_project", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: library.collect(uow, actor, data),
                          lambda session, result: library.get(session, actor, result["id"]))

    @command
    def search_projects(self, actor, query=None):
        with self.db.read() as session:
            return library.search(session, as_actor(actor), parse(ProjectQuery, query or {}))

    @command
    def get_project(self, actor, project_id):
        actor = as_actor(actor)
        with self.db.read() as session:
            return library.read(library.get(session, actor, project_id), actor)

    @command
    def advance_project(self, actor, project_id, action, data=None):
        actor, body = as_actor(actor), parse(StepBody, data or {})
        if action not in STEPS:
            raise Forbidden("unknown_action", None, "不支持的操作")
        return self._transaction(lambda uow: library.advance(
            uow, actor, project_id, action, body.note, body.expected_version))

    @command
    def recommend_project(self, actor, project_id, data=None):
        actor, body = as_actor(actor), parse(StepBody, data or {})
        return self._transaction(lambda uow: library.recommend(uow, actor, project_id, body.note))

    @command
    def todo(self, actor):
        with self.db.read() as session:
            return library.todo(session, as_actor(actor))

    @command
    def decide_recommendation(self, actor, project_id, data):
        actor, body = as_actor(actor), parse(RecommendationDecision, data)
        return self._transaction(lambda uow: library.decide_recommendation(
            uow, actor, project_id, body.accept, body.note))

    @command
    def express_interest(self, actor, project_id, data=None):
        actor, body = as_actor(actor), parse(InterestBody, data or {})
        return self._transaction(lambda uow: library.express_interest(uow, actor, project_id, body.note))

    @command
    def project_interests(self, actor, project_id):
        with self.db.read() as session:
            return {"items": library.interests(session, as_actor(actor), project_id)}

    @command
    def project_matches(self, actor, project_id):
        with self.db.read() as session:
            return {"items": library.matches_for_project(session, as_actor(actor), project_id)}

    @command
    def my_matches(self, actor):
        with self.db.read() as session:
            return {"items": library.matches_for_me(session, as_actor(actor))}

    @command
    def create_promotion_event(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(PromotionEventCreate, data)
        return self._once(actor, "promotion_event", idempotency_key, data.model_dump(mode="json"),
                          lambda uow: library.create_event(uow, actor, data, clock.today()),
                          lambda session, result: library.get_event(session, actor, result["id"]))

    @command
    def list_promotion_events(self, actor):
        as_actor(actor)
        with self.db.read() as session:
            return {"items": library.list_events(session)}

    @command
    def get_promotion_event(self, actor, event_id):
        actor = as_actor(actor)
        with self.db.read() as session:
            return library.event_read(session, library.get_event(session, actor, event_id))

    @command
    def sign_project(self, actor, event_id, data):
        actor, data = as_actor(actor), parse(SigningCreate, data)
        return self._transaction(lambda uow: library.sign(uow, actor, event_id, data))

    @event_handler("registry", "entrepreneur_registered")
    @idempotent_batch
    def handle_entrepreneur_registered(self, uow, items):
        readmodel.entrepreneurs_registered(uow.session, [payload for payload, _ in items])

    @event_handler("registry", "entrepreneur_verified")
    @idempotent
    def handle_entrepreneur_verified(self, uow, payload, envelope):
        readmodel.entrepreneur_verified(uow.session, payload)

    @event_handler("registry", "entrepreneur_changed")
    @idempotent
    def handle_entrepreneur_changed(self, uow, payload, envelope):
        readmodel.entrepreneur_changed(uow.session, payload)

    @event_handler("registry", "enterprise_changed")
    @idempotent
    def handle_enterprise_changed(self, uow, payload, envelope):
        readmodel.enterprise_changed(uow.session, payload)

    @event_handler("registry", "enterprise_registered")
    @idempotent_batch
    def handle_enterprise_registered(self, uow, items):
        readmodel.enterprises_registered(uow.session, [payload for payload, _ in items])
