"""docs/events.md against the code: every event type, its producer, its consumers and its payload.

The catalogue (`shared.events.catalogue()`) and the services' `@event_handler` entrypoints are the
truth; the document's tables must say the same. `python -m tests.unit.test_docs` prints the rows
the code implies, to paste into docs/events.md when an event changes.
"""

from __future__ import annotations

import importlib
import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from shared.events import EventPayload, catalogue
from shared.messaging import ReliableEventHandler

ROOT = Path(__file__).resolve().parents[2]
EVENTS_DOC = ROOT / "docs" / "events.md"
SERVICES = ("registry", "finance", "escalation", "projects", "consultation", "notifications", "gateway")
NONE = "—"


# ---- what the code says -------------------------------------------------------------------


def service_class(name: str) -> type:
    module = importlib.import_module(f"services.{name}.service")
    return next(value for value in vars(module).values()
                if isinstance(value, type) and getattr(value, "name", None) == name)


def subscriptions() -> dict[tuple[str, str], list[str]]:
    """(producer, event type) -> the services whose entrypoints consume it, in SERVICES order."""
    found: dict[tuple[str, str], list[str]] = {}
    for name in SERVICES:
        cls = service_class(name)
        for attribute in dir(cls):
            for entrypoint in getattr(getattr(cls, attribute), "nameko_entrypoints", ()):
                if isinstance(entrypoint, ReliableEventHandler):
                    for subscription in entrypoint.bound():
                        consumers = found.setdefault(subscription, [])
                        if name not in consumers:
                            consumers.append(name)
    return found


def type_name(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(type_name(arg) for arg in typing.get_args(annotation))
    if origin is list:
        return f"list[{type_name(typing.get_args(annotation)[0])}]"
    if annotation is type(None):
        return "None"
    name = getattr(annotation, "__name__", str(annotation))
    return {"AwareDatetime": "datetime"}.get(name, name)


def render_fields(model: type[BaseModel], names: list[str]) -> str:
    parts = []
    for name in names:
        field = model.model_fields[name]
        default = "" if field.is_required() else f" = {field.default!r}"
        parts.append(f"`{name}`: {type_name(field.annotation)}{default}")
    return ", ".join(parts)


def common_base(model: type[EventPayload]) -> type[EventPayload] | None:
    """The unregistered fact class an event extends (LoanFact, DifficultyFact, ...), if any."""
    for base in model.__mro__[1:]:
        if base is EventPayload:
            return None
        if isinstance(base, type) and issubclass(base, EventPayload) and "event_type" not in vars(base):
            return base
    return None


def nested_models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = []
    for field in model.model_fields.values():
        for arg in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in found:
                found.append(arg)
    return found


def event_row(model: type[EventPayload], consumers: list[str]) -> list[str]:
    base = common_base(model)
    inherited = set(base.model_fields) if base else set()
    own = [name for name in model.model_fields if name not in inherited]
    payload = render_fields(model, own) or NONE
    if base is not None:
        payload = f"*{base.__name__}* + {payload}" if own else f"*{base.__name__}*"
    return [f"`{model.event_type}`", str(model.version), model.source, ", ".join(consumers) or NONE, payload]


def expected_events() -> dict[str, list[str]]:
    subscribed = subscriptions()
    return {model.event_type: event_row(model, subscribed.get((model.source, model.event_type), []))
            for (_, _), model in sorted(catalogue().items(), key=lambda item: (SERVICES.index(item[1].source),))}


def expected_groups() -> dict[str, list[str]]:
    """The common fact classes and nested models, each with every field it carries."""
    groups: dict[str, list[str]] = {}
    for model in catalogue().values():
        for group in filter(None, (common_base(model), *nested_models(model))):
            groups[group.__name__] = [f"*{group.__name__}*", render_fields(group, list(group.model_fields))]
    return groups


# ---- what the document says --------------------------------------------------------------


def table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[\s|:-]+\|", line):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
    return rows


def documented() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    events, groups = {}, {}
    for row in table_rows(EVENTS_DOC.read_text(encoding="utf-8")):
        if re.fullmatch(r"`[a-z_]+`", row[0]) and len(row) >= 5:
            events[row[0].strip("`")] = row[:5]
        elif re.fullmatch(r"\*\w+\*", row[0]) and len(row) >= 2:
            groups[row[0].strip("*")] = row[:2]
    return events, groups


# ---- the tests ----------------------------------------------------------------------------


def test_every_event_type_in_the_code_is_in_the_catalogue_document():
    events, _ = documented()
    missing = sorted(set(expected_events()) - set(events))
    assert not missing, f"docs/events.md does not list: {missing}"


def test_the_document_lists_no_event_type_the_code_does_not_have():
    events, _ = documented()
    unknown = sorted(set(events) - set(expected_events()))
    assert not unknown, f"docs/events.md lists events the code does not register: {unknown}"


def test_each_event_row_names_its_version_producer_consumers_and_payload():
    events, _ = documented()
    for event_type, row in expected_events().items():
        assert events.get(event_type) == row, f"docs/events.md row of {event_type} should read:\n| {' | '.join(row)} |"


def test_common_fields_are_listed_whole():
    _, groups = documented()
    for name, row in expected_groups().items():
        assert groups.get(name) == row, f"docs/events.md row of {name} should read:\n| {' | '.join(row)} |"


def test_the_document_points_to_the_live_asyncapi_catalogue():
    assert "/api/v1/asyncapi.json" in EVENTS_DOC.read_text(encoding="utf-8")


if __name__ == "__main__":
    for row in expected_groups().values():
        print(f"| {' | '.join(row)} |")
    print()
    for row in expected_events().values():
        print(f"| {' | '.join(row)} |  |")
