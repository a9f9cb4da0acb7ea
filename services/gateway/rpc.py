"""RPC to the other services with a time limit, so a stopped service gives a clear 503, not a hang."""

from __future__ import annotations

from typing import Any

import eventlet
from nameko.exceptions import UnknownService

from services.gateway.handlers.sessions import SessionCache
from shared import rpc_errors  # noqa: F401  (the services' errors arrive as themselves)
from shared.contracts.consultation import ConsultationApi
from shared.contracts.escalation import EscalationApi
from shared.contracts.finance import FinanceApi
from shared.contracts.notifications import NotificationsApi
from shared.contracts.projects import ProjectsApi
from shared.contracts.registry import RegistryApi
from shared.db import DatabaseAccess
from shared.errors import unavailable
from shared.nameko_base import SteadyRpcProxy
from shared.transient import TRANSIENT_ERRORS

DEFAULT_TIMEOUT_SECONDS = 15


class Services:
    """What every route and page may use, typed: the six services by their contracts (a call is
    `self.finance.approve_loan(caller, loan_id, data, key)`), the gateway's database, its settings.
    GatewayService provides them; the mixins of routes and pages inherit these declarations."""

    registry: RegistryApi
    finance: FinanceApi
    escalation: EscalationApi
    projects: ProjectsApi
    consultation: ConsultationApi
    notifications: NotificationsApi
    db: DatabaseAccess
    settings: Any
    sessions: SessionCache  # who holds each session token, while the database announces changes


def service_proxy(name: str) -> Any:
    """The dependency that calls service `name` (declared above by its contract)."""
    return TimedRpcProxy(name)


class TimedRpcProxy(SteadyRpcProxy):
    def __init__(self, target_service: str, timeout: float = DEFAULT_TIMEOUT_SECONDS):
        super().__init__(target_service)
        self.timeout = timeout

    def setup(self):
        super().setup()
        self.timeout = float(self.container.config.get("RPC_TIMEOUT_SECONDS", self.timeout))

    def get_dependency(self, worker_ctx):
        return _TimedService(super().get_dependency(worker_ctx), self.target_service, self.timeout)


class _TimedService:
    def __init__(self, proxy, name: str, timeout: float):
        self._proxy, self._name, self._timeout = proxy, name, timeout

    def __getattr__(self, method: str):
        remote = getattr(self._proxy, method)

        def call(*args, **kwargs):
            # a command that times out may still complete later: idempotency keys make a retry safe
            try:
                with eventlet.Timeout(self._timeout, unavailable(self._name)):
                    return remote(*args, **kwargs)
            except TRANSIENT_ERRORS:  # the broker is away or the link to it broke
                raise unavailable(self._name) from None
            except UnknownService:  # its queue does not exist yet: it has never started here
                raise unavailable(self._name) from None

        return call
