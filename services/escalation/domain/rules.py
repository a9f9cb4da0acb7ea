"""Enterprise difficulties (困难问题) and their escalation: routing, time limits, states, sign-off.

Plain Python. Time limits are policy data (`EscalationPolicy`), counted in working days on a
`WorkCalendar`; the sweep's decision for one difficulty on one day is `due_action`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from services.escalation.domain.workdays import WorkCalendar
from shared import regions
from shared.contracts.escalation import (
    CATEGORY_NAMES,
    LEVEL_NAMES,
    LEVELS,
    STATUS_NAMES,
    URGENCY_NAMES,
)
from shared.errors import Forbidden, InvalidInput, InvalidState

__all__ = ["CATEGORY_NAMES", "LEVEL_NAMES", "LEVELS", "STATUS_NAMES", "URGENCY_NAMES"]  # the rules' words

# which of the enterprise's liaisons (一企一专班) takes a difficulty up
LIAISON_FOR = {"financing": "finance", "legal": "legal"}
DEFAULT_LIAISON = "government_affairs"
OPEN = ("assigned", "contacted")  # the clock runs; the sweep escalates when it runs out


@dataclass(frozen=True)
class EscalationPolicy:
    code: str
    effective_from: dt.date
    contact_days: int
    limits: dict  # level -> working days to resolve


def liaison_kind(category: str) -> str:
    return LIAISON_FOR.get(category, DEFAULT_LIAISON)


def first_level(region_code: str) -> str:
    """The lowest level that holds the enterprise: its township, or its county if it has none."""
    return "township" if regions.level_of(region_code) in ("township", "village") else "county"


def level_region(region_code: str, level: str) -> str:
    """The region of the unit at `level` that holds the enterprise (its township, county or city)."""
    significant = {"township": 9, "county": 6, "city": 4}[level]
    return regions.jurisdiction_prefix(region_code)[:significant].ljust(12, "0")


def next_level(level: str) -> str | None:
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


@dataclass(frozen=True)
class Deadlines:
    contact_due: dt.date
    resolve_due: dt.date


def deadlines(policy: EscalationPolicy, calendar: WorkCalendar, level: str, start: dt.date) -> Deadlines:
    return Deadlines(calendar.add(start, policy.contact_days), calendar.add(start, policy.limits[level]))


def resolve_due(policy: EscalationPolicy, calendar: WorkCalendar, level: str, start: dt.date) -> dt.date:
    return calendar.add(start, policy.limits[level])


# ---- who may act ----------------------------------------------------------------------------


def handles(actor, level: str, region_code: str) -> bool:
    """An official of the difficulty's current level whose region holds the enterprise."""
    return actor.is_official and actor.level == level and actor.governs(region_code)


def require_handler(actor, level: str, region_code: str) -> None:
    if not handles(actor, level, region_code):
        raise Forbidden("not_handling_level", None,
                        f"只有{LEVEL_NAMES[level]}级负责本辖区的工作人员可以办理这个困难问题")


def require_status(status: str, *allowed: str) -> None:
    if status not in allowed:
        names = "、".join(STATUS_NAMES[s] for s in allowed)
        raise InvalidState("difficulty_status", "status",
                           f"困难问题当前为“{STATUS_NAMES[status]}”，只有“{names}”时可进行此操作")


def require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("reason_required", field, "请填写理由")
    return reason


def escalation_target(level: str) -> str:
    target = next_level(level)
    if target is None:
        raise InvalidState("top_level", "level", "已在市级办理，不能再上报")
    return target


def check_sign_off(actor, level: str, region_code: str, resolved_by: str | None) -> None:
    """The head of the unit that resolved it signs it off (销号), not the person who resolved it."""
    require_handler(actor, level, region_code)
    if not getattr(actor, "unit_head", False):
        raise Forbidden("unit_head_required", None, "销号须由本级单位负责人签字确认")
    if actor.username == resolved_by:
        raise Forbidden("sign_off_by_resolver", None, "答复人不能为自己的答复销号，须由单位负责人另行确认")


# ---- the sweep ------------------------------------------------------------------------------


def due_action(status: str, level: str, *, resolve_due_on: dt.date, contact_due_on: dt.date,
               contacted: bool, late_contact_flagged: bool, today: dt.date) -> str | None:
    """What the sweep does today: 'escalate', 'flag_late_contact' or nothing."""
    if status not in OPEN:
        return None
    if today > resolve_due_on and next_level(level) is not None:
        return "escalate"
    if not contacted and not late_contact_flagged and today > contact_due_on:
        return "flag_late_contact"
    return None


def overdue(status: str, *, resolve_due_on: dt.date, today: dt.date) -> bool:
    return status in OPEN and today > resolve_due_on


# ---- attachments (what a file must be: shared/attachments.py) ------------------------------

ATTACHMENTS_PER_DIFFICULTY = 5


def reference_for(year: int, number: int) -> str:
    """A short public reference a person can read out on the phone: KN2026-000123."""
    return f"KN{year}-{number:06d}"


TYPED_REFERENCE = re.compile(r"KN(\d{4})[-_—－]?0*(\d{1,9})")


def typed_reference(text: str) -> str:
    """A reference as people type it, in its stored form: lower case, without the dash, with spaces
    or in full-width characters from a Chinese keyboard (ｋｎ２０２６－１２３) all mean KN2026-000123;
    anything else is kept (and is simply not found)."""
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    matched = TYPED_REFERENCE.fullmatch(compact)
    return reference_for(int(matched.group(1)), int(matched.group(2))) if matched else compact[:20]


def public_status(status: str, level: str, escalated: bool) -> str:
    """What the public page says: where the case is and what it waits for, so that a case escalated
    to the city does not read as just received (已受理)."""
    where = f"已上报至{LEVEL_NAMES[level]}级" if escalated else f"{LEVEL_NAMES[level]}级"
    return {"assigned": f"{where}办理中，待联系企业", "contacted": f"{where}办理中，已联系企业",
            "resolved": f"{LEVEL_NAMES[level]}级已答复，待企业确认",
            "accepted": "企业已确认答复，待单位负责人销号", "closed": "已办结销号"}[status]
