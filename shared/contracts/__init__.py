"""What crosses a service boundary: request and answer models, enums with their Chinese labels.

One module per service. The gateway and the other services import these, never a service's own
modules, so a service can be deployed without the others' code.
"""

from datetime import date
from typing import Any

from shared.fields import Model

Caller = dict[str, Any]  # who calls, as `Actor.model_dump()`: every command and query takes it first
Body = dict[str, Any]  # a request's JSON, validated by the service into its contract model


class TodoItem(Model):
    """One kind of work waiting for the caller, as the service that holds it counts it: every
    service answers `todo(caller)` with a list of these, and the gateway gathers them into the
    caller's to-do list (`GET /api/v1/todo`, and the home page)."""

    kind: str  # a stable code, e.g. "difficulties_to_contact"
    title: str  # what the list shows, in Chinese
    count: int
    count_capped: bool = False  # `count` is where counting stopped: there are more
    overdue: int = 0  # how many of them are past their time limit
    due_on: date | None = None  # the nearest time limit among them (a working-day limit, or a deadline)
    waiting_since: date | None = None  # the oldest of them, where the work has no time limit
    link: str  # the page that lists them

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
