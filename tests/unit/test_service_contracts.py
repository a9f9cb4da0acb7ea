"""Each service's RPC interface in shared/contracts/<service>.py is the service's entrypoints, exactly.

The gateway calls services through these Protocols (`self.finance.approve_loan(...)`, checked by
mypy in `make lint`); this test keeps each Protocol true to the service it describes: the same
commands, each with the same parameters in the same order and the same defaults.
"""

from __future__ import annotations

import inspect
from typing import Protocol

import pytest
from nameko.rpc import Rpc

from services.consultation.service import ConsultationService
from services.escalation.service import EscalationService
from services.finance.service import FinanceService
from services.notifications.service import NotificationsService
from services.projects.service import ProjectsService
from services.registry.service import RegistryService
from shared.contracts.consultation import ConsultationApi
from shared.contracts.escalation import EscalationApi
from shared.contracts.finance import FinanceApi
from shared.contracts.notifications import NotificationsApi
from shared.contracts.projects import ProjectsApi
from shared.contracts.registry import RegistryApi

# what any caller may ask without an account, and what services ask each other (consultation's rebuild)
WITHOUT_CALLER = {"ping", "list_banks", "public_difficulty", "outbox_page", "text_message_phones",
                  "entrepreneurs_by_id_number", "payee_accounts"}
PAIRS = [(RegistryService, RegistryApi), (FinanceService, FinanceApi), (EscalationService, EscalationApi),
         (ProjectsService, ProjectsApi), (ConsultationService, ConsultationApi),
         (NotificationsService, NotificationsApi)]


def entrypoints(service: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(function) for name, function in inspect.getmembers(service, inspect.isfunction)
            if any(isinstance(entrypoint, Rpc) for entrypoint in getattr(function, "nameko_entrypoints", ()))}


def declared(api: type[Protocol]) -> dict[str, inspect.Signature]:  # type: ignore[valid-type]
    return {name: inspect.signature(function) for name, function in vars(api).items()
            if inspect.isfunction(function) and not name.startswith("_")}


def shape(signature: inspect.Signature) -> list[tuple[str, object]]:
    return [(p.name, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize(("service", "api"), PAIRS, ids=[service.name for service, _ in PAIRS])
def test_the_contract_names_every_command_and_only_those(service, api):
    assert set(declared(api)) == set(entrypoints(service))


@pytest.mark.parametrize(("service", "api"), PAIRS, ids=[service.name for service, _ in PAIRS])
def test_each_command_takes_what_the_contract_says(service, api):
    served = entrypoints(service)
    for name, signature in declared(api).items():
        assert shape(signature) == shape(served[name]), name
        if name not in WITHOUT_CALLER:
            assert list(signature.parameters)[1] == "actor", f"{name}: the caller comes first"


def test_every_service_names_its_commands_by_the_contract():
    assert {service.name for service, _ in PAIRS} == {"registry", "finance", "escalation", "projects", "consultation",
                                                          "notifications"}
