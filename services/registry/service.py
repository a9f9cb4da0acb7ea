"""The registry service's entrypoints: entrepreneurs, enterprises, liaisons, headcount."""

from __future__ import annotations

from services.registry import readmodel
from services.registry.handlers import enterprises, entrepreneurs
from shared.actors import as_actor
from shared.contracts.registry import (
    EnterpriseCreate,
    EntrepreneurCreate,
    HeadcountReport,
    LiaisonsAssign,
    ListQuery,
    VerifyCommand,
)
from shared.db import Database
from shared.nameko_base import GuiyanService, Outbox, json_rpc
from shared.validation import parse

command = json_rpc


class RegistryService(GuiyanService):
    name = "registry"
    db = Database("registry")
    outbox = Outbox("registry")

    @command
    def create_entrepreneur(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(EntrepreneurCreate, data)
        return self._once(actor, "create_entrepreneur", idempotency_key,
                        data.model_dump(mode="json"),
                        lambda uow: entrepreneurs.create_entrepreneur(uow, actor, data),
                        lambda session, result: readmodel.get_entrepreneur(session, actor, result["id"]))

    @command
    def get_entrepreneur(self, actor, entrepreneur_id):
        with self.db.read() as session:
            return readmodel.entrepreneur_read(
                readmodel.get_entrepreneur(session, as_actor(actor), entrepreneur_id))

    @command
    def get_my_entrepreneur(self, actor):
        """The caller's own record, or None before they have registered."""
        with self.db.read() as session:
            return readmodel.get_my_entrepreneur(session, as_actor(actor))

    @command
    def list_entrepreneurs(self, actor, query=None):
        with self.db.read() as session:
            return readmodel.list_entrepreneurs(session, as_actor(actor), parse(ListQuery, query or {}))

    @command
    def todo(self, actor):
        with self.db.read() as session:
            return readmodel.todo(session, as_actor(actor))

    @command
    def verify_entrepreneur(self, actor, entrepreneur_id, command=None):
        actor, command = as_actor(actor), parse(VerifyCommand, command or {})
        return self._transaction(lambda uow: entrepreneurs.verify_entrepreneur(
            uow, actor, entrepreneur_id, command.expected_version))

    @command
    def create_enterprise(self, actor, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(EnterpriseCreate, data)
        return self._once(actor, "create_enterprise", idempotency_key,
                        data.model_dump(mode="json"),
                        lambda uow: enterprises.create_enterprise(uow, actor, data),
                        lambda session, result: readmodel.get_enterprise(session, actor, result["id"]))

    @command
    def get_enterprise(self, actor, enterprise_id):
        with self.db.read() as session:
            return readmodel.enterprise_read(
                readmodel.get_enterprise(session, as_actor(actor), enterprise_id))

    @command
    def list_enterprises(self, actor, query=None):
        with self.db.read() as session:
            return readmodel.list_enterprises(session, as_actor(actor), parse(ListQuery, query or {}))

    @command
    def verify_enterprise(self, actor, enterprise_id, command=None):
        actor, command = as_actor(actor), parse(VerifyCommand, command or {})
        return self._transaction(lambda uow: enterprises.verify_enterprise(
            uow, actor, enterprise_id, command.expected_version))

    @command
    def report_headcount(self, actor, enterprise_id, data, idempotency_key=None):
        actor, data = as_actor(actor), parse(HeadcountReport, data)
        return self._once(actor, f"report_headcount:{enterprise_id}", idempotency_key,
                        data.model_dump(mode="json"),
                        lambda uow: enterprises.report_headcount(uow, actor, enterprise_id, data),
                        lambda session, result: readmodel.get_enterprise(session, actor, enterprise_id))

    @command
    def assign_liaisons(self, actor, enterprise_id, data):
        actor, data = as_actor(actor), parse(LiaisonsAssign, data)
        return self._transaction(lambda uow: enterprises.assign_liaisons(uow, actor, enterprise_id, data))
