"""Waiting in tests: poll a condition until it holds, or fail saying what never happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 20.0, interval: float = 0.1,
               ignoring: tuple[type[Exception], ...] = (), message: str | None = None) -> T:
    """The first truthy result of `check()`, polled every `interval` s; AssertionError after `timeout` s.

    An exception of one of the `ignoring` types counts as "not yet" (a server still starting).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            last: object = check()
        except ignoring as error:
            last = error
        else:
            if last:
                return last  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            what = message or getattr(check, "__qualname__", repr(check))
            raise AssertionError(f"{what}: still not so after {timeout:g} s (last: {last!r})")
        time.sleep(interval)


def queue_settled(infra, vhost: str, queue: str) -> bool:
    """The broker holds nothing more for the queue: none ready, none unacknowledged, every message acked.

    From the management API, whose figures trail by up to its statistics interval (5 s by default):
    "acked at least as many as entered, and at least one" cannot be read from a sample taken before
    the message arrived.
    """
    stats = infra.queue(vhost, queue)
    counted = stats.get("message_stats", {})
    return (stats.get("messages_ready") == 0 and stats.get("messages_unacknowledged") == 0
            and counted.get("ack", 0) >= counted.get("publish", 0) >= 1)
