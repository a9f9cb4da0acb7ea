"""The gateway: the only service that speaks HTTP. Pages, the JSON API, health and readiness."""

from __future__ import annotations

import eventlet
import sqlalchemy as sa
from nameko.extensions import DependencyProvider

from services.gateway.api.consultation_routes import ConsultationApiRoutes
from services.gateway.api.document_routes import DocumentApiRoutes
from services.gateway.api.escalation_routes import EscalationApiRoutes
from services.gateway.api.finance_routes import FinanceApiRoutes
from services.gateway.api.notification_routes import NotificationApiRoutes
from services.gateway.api.project_routes import ProjectApiRoutes
from services.gateway.api.routes import ApiRoutes
from services.gateway.handlers.sessions import Sessions
from services.gateway.http import ApiEndpoint, json_response
from services.gateway.rpc import service_proxy
from services.gateway.web.pages import PageRoutes
from shared.db import Database
from shared.nameko_base import CorrelationContext
from shared.settings import GatewaySettings

http = ApiEndpoint.decorator


class Settings(DependencyProvider):
    def setup(self):
        self.settings = GatewaySettings()  # type: ignore[call-arg]  # read from the environment

    def get_dependency(self, worker_ctx):
        return self.settings


class GatewayService(FinanceApiRoutes, EscalationApiRoutes, ProjectApiRoutes, ConsultationApiRoutes,
                     NotificationApiRoutes, DocumentApiRoutes, ApiRoutes, PageRoutes):
    name = "gateway"
    context = CorrelationContext(refusals_at="info")
    db = Database("gateway", mapped=False)
    settings = Settings()
    sessions = Sessions()
    registry = service_proxy("registry")
    finance = service_proxy("finance")
    escalation = service_proxy("escalation")
    projects = service_proxy("projects")
    consultation = service_proxy("consultation")
    notifications = service_proxy("notifications")

    @http("GET", "/health")
    def health(self, request):
        return json_response({"status": "ok"})

    @http("GET", "/ready")
    def ready(self, request):
        checks = {"database": self._check(self._database), "registry": self._check(self._registry),
                  "finance": self._check(self.finance.list_banks),
                  "escalation": self._check(self.escalation.ping),
                  "projects": self._check(self.projects.ping),
                  "consultation": self._check(self.consultation.ping)}
        ok = all(value == "ok" for value in checks.values())
        return json_response({"status": "ready" if ok else "not_ready", "checks": checks},
                             200 if ok else 503)

    def _database(self):
        with self.db.read() as session:
            session.execute(sa.text("SELECT 1"))

    def _registry(self):
        self.registry.list_entrepreneurs(
            {"user_id": "readiness", "username": "readiness", "role": "admin"}, {"per_page": 1})

    @staticmethod
    def _check(probe) -> str:
        try:
            with eventlet.Timeout(3):
                probe()
            return "ok"
        except (Exception, eventlet.Timeout) as exc:
            return f"failed: {type(exc).__name__}"
