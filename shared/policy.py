"""Effective-dated policy: the version in force on a day (every figure the programme applies is one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar

from shared.errors import InvalidState


class Dated(Protocol):
    @property
    def effective_from(self) -> dt.date: ...


D = TypeVar("D", bound=Dated)


def in_force(versions: Sequence[D], on: dt.date, what: str = "policy") -> D:
    """The version in force on a date: the latest that took effect on or before it."""
    candidates = [v for v in versions if v.effective_from <= on]
    if not candidates:
        raise InvalidState("no_policy_in_force", None, f"{on.isoformat()} 没有生效的{what}")
    return max(candidates, key=lambda v: v.effective_from)
