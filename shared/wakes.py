"""What in this process may be asked to run sooner than its own time: a service's sweeps (by method
name, `shared.nameko_base.Sweep`) and its outbox relays (`RELAYS`). A command or handler that has
just made work for one of them wakes it by name (usually once its transaction has committed, with
`shared.db.after_commit`); nothing else of the process needs to know who is listening."""

from __future__ import annotations

from collections.abc import Callable

RELAYS = "outbox_relays"  # this process's outbox relays: they look at their table at once

_listening: dict[str, list[Callable[[float], None]]] = {}


def listen(name: str, action: Callable[[float], None]) -> None:
    """`action(within)` whenever `name` is woken: run within `within` seconds (0: at once)."""
    _listening.setdefault(name, []).append(action)


def forget(name: str, action: Callable[[float], None]) -> None:
    listening = _listening.get(name, [])
    if action in listening:
        listening.remove(action)


def wake(name: str, within: float = 0.0) -> None:
    """Run what listens as `name` in this process now, or within `within` seconds, so that what
    more comes meanwhile is done in the same run; nothing happens if nothing listens."""
    for action in list(_listening.get(name, ())):
        action(within)


def wake_relays() -> None:
    """This process's outbox relays look at their table at once (rows released for them)."""
    wake(RELAYS)
