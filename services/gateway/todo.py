"""The caller's to-do list: what waits for them in every service that holds work of their role,
gathered at once (each service counts its own, `<service>.todo(caller)`).

A service that does not answer leaves its part out and is named, so the rest of the list still
shows (a to-do list that fails whole because one service restarts would hide the work it could
show)."""

from __future__ import annotations

import datetime as dt

import eventlet

from services.gateway.rpc import Services
from shared import clock
from shared.actors import Actor
from shared.errors import ServiceUnavailable

SOURCES = {  # the services that hold work for each role, in the order the list shows them
    "entrepreneur": ("escalation",),
    "bank_liaison": ("finance",),
    "official": ("escalation", "consultation", "registry", "finance", "projects"),
}
ANSWER_SECONDS = 3.0  # a home page does not wait longer for one part of its list (a command waits 15 s)
SERVICE_NAMES = {"registry": "登记核实", "finance": "贷款与补贴", "escalation": "困难问题",
                 "projects": "项目库", "consultation": "季度会商"}


def gather(services: Services, actor: Actor) -> dict:
    """Every kind of work waiting for `actor`, most pressing first: past a time limit, then by the
    nearest limit, then by how long the oldest has waited; kinds with nothing waiting come last."""
    caller = actor.model_dump()
    pile: eventlet.GreenPile = eventlet.GreenPile()
    for name in SOURCES.get(actor.role, ()):
        pile.spawn(_ask, services, name, caller)
    items: list[dict] = []
    unavailable: list[str] = []
    for name, answer in pile:
        if answer is None:
            unavailable.append(name)
        else:
            items += [{**item, "service": name} for item in answer]
    items.sort(key=_urgency)
    return {"as_of": clock.today(), "items": items,
            "waiting": sum(item["count"] for item in items),
            "unavailable": [{"service": name, "name": SERVICE_NAMES[name]} for name in unavailable]}


def _ask(services: Services, name: str, caller: dict) -> tuple[str, list[dict] | None]:
    try:
        with eventlet.Timeout(ANSWER_SECONDS):
            return name, getattr(services, name).todo(caller)
    except (ServiceUnavailable, eventlet.Timeout):
        return name, None


def _urgency(item: dict) -> tuple:
    far = dt.date.max.isoformat()
    return (item["count"] == 0, item["overdue"] == 0, item["due_on"] or far, item["waiting_since"] or far)
