"""The programme's calendar day: Asia/Shanghai, whatever the server's zone; the one source of "now".

Tests (and demonstrations) can move every service's day at once: with `GUIYAN_CLOCK_FILE` set, a
date written in that file (YYYY-MM-DD) is "today" for every process that reads it; an empty or
missing file means the real day. Production leaves the variable unset.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOCK_FILE = "GUIYAN_CLOCK_FILE"


def utcnow() -> dt.datetime:
    """The real moment in UTC, for stored instants (created, verified, paid, sent, expires).

    A moved day leaves it alone: outbox retries and sessions are compared with the database's now().
    """
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    return _set_day() or utcnow().astimezone(SHANGHAI).date()


def now() -> dt.datetime:
    """The current moment, on the set day when the day is moved (events are stamped with this)."""
    moment = utcnow().astimezone(SHANGHAI)
    day = _set_day()
    return moment if day is None else dt.datetime.combine(day, moment.timetz())


def stamp() -> dt.datetime:
    """The moment a record is stamped with for people to read (registered, verified, decided, paid):
    the programme's clock, as the events are, kept in UTC as every stored instant."""
    return now().astimezone(dt.timezone.utc)


_read: tuple[str, int, dt.date | None] | None = None  # (path, modified, day) of the last read


def _set_day() -> dt.date | None:
    """The day written in the clock file, read again only when the file changed (asked on every
    command: a stat is far cheaper than opening and reading it)."""
    global _read
    path = os.environ.get(CLOCK_FILE)
    if not path:
        return None
    try:
        modified = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None
    if _read is not None and _read[:2] == (path, modified):
        return _read[2]
    try:
        text = Path(path).read_text().strip()
    except FileNotFoundError:
        return None
    day = dt.date.fromisoformat(text) if text else None
    # a file time is coarse (a few ms): trust it only once it is clearly older than this read, so
    # that a second write in the same tick cannot go unseen
    settled = utcnow().timestamp() - modified / 1e9 > 0.05
    _read = (path, modified, day) if settled else None
    return day


def set_today(path: str | Path, day: dt.date | None) -> None:
    """Move the day for every process reading `path` (None: back to the real day)."""
    Path(path).write_text(day.isoformat() if day else "")
