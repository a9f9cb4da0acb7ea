"""Schemathesis against the gateway's /api/v1/openapi.json, as every role.

Every generated request, valid or not, must get no server error and an answer that matches the
document: a declared status, the declared content type, headers and body schema. Seeded and
bounded, so that a run is repeatable and takes a few minutes at most.

pytest needs the operations before the stack runs, so the cases come from the document the gateway
generates (`openapi_document()`); the first test proves it is the very document the gateway serves.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import services.gateway.service  # noqa: F401  (declares every route)
from services.gateway.api.openapi import openapi_document
from tests.borrowers import make_borrower
from tests.contract.cases import BOUNDARY_ROLES, CASES, ROLES
from tests.factories import entrepreneur_data

SEED = 20260311
EXAMPLES_PER_OPERATION = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]

# Left out of the generated requests: they change state that every other account shares. The access
# matrix (tests/e2e/test_access_matrix.py) calls each of them as every role.
EXCLUDED = {
    "POST /api/v1/auth/logout": "ends the session this run is authenticated with",
    "POST /api/v1/auth/signup": "creates accounts",
    "POST /api/v1/users": "creates accounts",
    "PUT /api/v1/banks/{bank_code}": "changes a partner bank's review amount for every loan",
    "PUT /api/v1/fund/repayment-rate": "changes the guarantee fund's multiplier for every loan",
    "POST /api/v1/fund/contributions": "moves money into the funds",
    "POST /api/v1/interest-subsidies/{quarter}/pay": "pays a quarter's interest subsidies",
    "POST /api/v1/loans/overdue-sweep": "sweeps every loan",
    "POST /api/v1/difficulties/sweep": "sweeps every difficulty's time limit",
    "POST /api/v1/resolutions/overdue-sweep": "sweeps every resolution",
    "POST /api/v1/quarters/{quarter}/close": "closes a quarter for the whole city",
    "POST /api/v1/consultation/rebuild": "rebuilds the consultation's data from every event",
    "PUT /api/v1/calendar/{year}": "replaces a year's public holidays",
}


# hostile text the edge must refuse, drawn now and then in place of any generated string (path,
# query, top-level body fields): NUL, a terminal escape, a bidirectional override, a zero-width space.
# Schemathesis never puts NUL in a path (many servers strip it), so there "␀" stands for it.
HOSTILE = ["\u0000", "id\u0000", "\u2400", "\u001b[31m", "\u202eabc", "a\u200bb"]
NUL_IN_PATH = (quote("\u2400"), "%00")


def _schema(phases: dict):
    config = schemathesis.Config.from_dict({
        "seed": SEED, "request-timeout": 30, "phases": phases,
        # generating bodies slows down when the machine is busy; that is no fault of the document
        "suppress-health-check": ["too_slow"],
        "dictionaries": {"hostile": {"values": HOSTILE}},
        "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none",
                       "dictionaries": {"string": {"dictionary": "hostile", "probability": 0.3}}}})
    return schemathesis.openapi.from_dict(openapi_document(), config=config).exclude(
        func=lambda ctx: ctx.operation.label in EXCLUDED)


# random valid and invalid requests, as every role
fuzzed = _schema({"coverage": {"enabled": False}})
# every boundary and wrong type the document allows or forbids (no undeclared methods), as the
# returnee, whose valid requests reach the services' rules and tables (registering, applying, reporting)
boundaries = _schema({"examples": {"enabled": False}, "fuzzing": {"enabled": False},
                      "coverage": {"unexpected-methods": []}})


@fuzzed.hook
def map_path_parameters(context, path_parameters: dict | None) -> dict | None:
    """A drawn "␀" in a path segment is sent as the NUL it stands for."""
    return path_parameters and {name: value.replace(*NUL_IN_PATH) if isinstance(value, str) else value
                                for name, value in path_parameters.items()}


@pytest.fixture(scope="module")
def accounts(stack) -> dict[str, dict]:
    """Authorization headers per role; the entrepreneur has a verified record and an enterprise."""
    officials = {level: stack.client(stack.create_user("official", region_code=region, level=level))
                 for level, region in (("township", "511011101"), ("county", "511011"), ("city", "511000"))}
    clients = {**officials,
               "entrepreneur": make_borrower(stack, officials["township"], enterprise=True).client,
               "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB")),
               "admin": stack.client(stack.create_user("admin"))}
    headers = {role: {"Authorization": client.http.headers["Authorization"]} for role, client in clients.items()}
    return {"anonymous": {}, **headers}


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        yield session


def _call(case, role, stack, accounts, http):
    """Send the case as `role` (its own Authorization header replaced, if it made one) and check the answer."""
    CASES[role] += 1
    case.call_and_validate(base_url=stack.base_url, session=http, headers=accounts[role], checks=CHECKS)


def test_the_cases_come_from_the_document_the_gateway_serves(stack):
    assert stack.client().get("/api/v1/openapi.json").json() == openapi_document()


def test_a_second_registration_answers_as_documented(stack):
    """Random data never registers one person twice: the conflict, with the first record's id, by hand."""
    township = stack.client(stack.create_user("official", region_code="511011101", level="township"))
    person = entrepreneur_data(region_code="511011101201")
    first = township.post("/api/v1/entrepreneurs", json=person)
    second = township.post("/api/v1/entrepreneurs", json=person)
    assert (second.status_code, second.json()["error"]["details"]) == (409, {"existing_id": first.json()["id"]})
    fuzzed["/api/v1/entrepreneurs"]["POST"].validate_response(second)


@pytest.mark.parametrize("role", ROLES)
@fuzzed.parametrize()
def test_random_requests_get_documented_answers(case, role, stack, accounts, http):
    _call(case, role, stack, accounts, http)


@pytest.mark.parametrize("role", BOUNDARY_ROLES)
@boundaries.parametrize()
def test_boundary_requests_get_documented_answers(case, role, stack, accounts, http):
    _call(case, role, stack, accounts, http)
