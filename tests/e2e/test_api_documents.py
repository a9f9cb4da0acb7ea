"""The API describes itself: OpenAPI 3.1 from the pydantic models, AsyncAPI for the events."""

import json
import re

import services.gateway.api.routes  # noqa: F401  (declares the routes)
from services.gateway.http import API_ROUTES


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_the_openapi_document_describes_every_route_and_every_reference_resolves(stack):
    document = stack.client().get("/api/v1/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    for route in API_ROUTES:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.path)
        assert route.method.lower() in document["paths"][path], (route.method, path)
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    create = schemas["EntrepreneurCreate"]
    assert {"name", "id_number", "phone", "education", "categories"} <= set(create["required"])


def test_the_gateway_runs_without_docstrings_and_its_documents_describe_as_the_source_does(stack):
    """Service processes run as `python -OO` (guiyan/runner.py: 3 MB of each one's memory); the two
    documents the gateway serves still carry every model's and event's docstring, read from the
    source, as this test's process (which keeps its docstrings) builds them."""
    import services.gateway.service  # noqa: F401  (declares every route, as the gateway does)
    from services.gateway.api.openapi import asyncapi_document, openapi_document

    command = open(f"/proc/{stack.processes['gateway'].pid}/cmdline").read().split("\0")
    assert "-OO" in command
    client = stack.client()
    served_openapi = client.get("/api/v1/openapi.json").json()
    served_asyncapi = client.get("/api/v1/asyncapi.json").json()
    assert served_openapi == json.loads(json.dumps(openapi_document()))
    assert served_asyncapi == json.loads(json.dumps(asyncapi_document()))
    assert served_openapi["components"]["schemas"]["SignUp"]["description"].startswith("An entrepreneur opens")


def test_unknown_api_paths_answer_in_the_api_error_shape(stack):
    response = stack.client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "route_not_found"


def test_health_and_readiness(stack):
    assert stack.client().get("/health").json() == {"status": "ok"}
    ready = stack.client().get("/ready").json()
    assert ready == {"status": "ready", "checks": {"database": "ok", "registry": "ok",
                                                  "finance": "ok", "escalation": "ok", "projects": "ok",
                                                  "consultation": "ok"}}
