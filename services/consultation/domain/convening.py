"""The quarterly consultation's rules: quarters, their cut-off, and who belongs on the roster and why.

Plain Python over the facts (events) of every other service, so that the roster can always be
rebuilt from the beginning by replaying them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from shared.clock import SHANGHAI
from shared.quarters import quarter_bounds, quarter_of  # noqa: F401  (the consultation's names)

CLOSED_LOAN = ("loan_back_to_repaying", "loan_settled")
LATE_LOAN = ("loan_overdue", "loan_defaulted", "loan_compensated")
RULE_FIELDS = {  # what the rules below read of each kind of fact's payload, and its type
    "difficulty": dict.fromkeys(("difficulty_id", "enterprise_id", "reference", "level", "category", "region_code",
                                 "resolve_due", "closed_on"), str),
    "loan": {"loan_id": str, "enterprise_id": str, "entrepreneur_id": str, "days_overdue": int},
    "headcount": {"enterprise_id": str, "quarter": str, "revision": int, "headcount": int, "previous_headcount": int},
    "enterprise": {"enterprise_id": str, "owner_entrepreneur_id": str},
}
COMPENSATION_WINDOW_DAYS = 90  # a compensation convenes its enterprise for this long after it
# the roster's rules, each with how long its reason holds (shown beside the roster)
RULES = (
    {"kind": "difficulty_city", "title": "困难问题已上报至市级", "window": "直至该困难问题销号"},
    {"kind": "difficulty_late", "title": "困难问题超过办理时限仍未答复", "window": "直至答复或销号"},
    {"kind": "loan_late", "title": "创业担保贷款逾期或违约", "window": "直至恢复正常还款或结清"},
    {"kind": "loan_compensated", "title": "担保基金代偿", "window": f"代偿之日起{COMPENSATION_WINDOW_DAYS}天内"},
    {"kind": "headcount_drop", "title": "用工人数较上一季度减少", "window": "本季度或上一季度报送的用工人数"},
)
STATUS_AFTER = {"difficulty_resolved": "answered", "difficulty_accepted": "answered", "difficulty_reopened": "open",
                "difficulty_closed": "closed"}  # a difficulty's status after each fact that changes it


class Fact(NamedTuple):  # a tuple: a quarter's opening makes hundreds of thousands of them
    event_type: str
    occurred_at: dt.datetime
    payload: dict
    event_id: str = ""

    @property
    def day(self) -> dt.date:
        """The programme's calendar day on which it happened."""
        return self.occurred_at.astimezone(SHANGHAI).date()


@dataclass
class Entry:
    enterprise_id: str
    reasons: list[str] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)  # the facts that put it there, one per reason


def evidence(kind: str, fact: Fact) -> dict:
    found = {"kind": kind, "event_type": fact.event_type, "event_id": fact.event_id,
             "occurred_on": fact.day.isoformat()}
    if kind == "loan":  # the loan the meeting may assign a resolution on
        found["loan_id"] = fact.payload["loan_id"]
    return found


# an enterprise convened for these reasons gets an agenda item for each of them, as for a difficulty
SUBJECT_NAMES = {"loan": "创业担保贷款逾期、违约", "headcount": "用工人数减少"}


def subjects(enterprise_id: str, reasons: list[str], evidence_: list[dict]) -> list[dict]:
    """The agenda items (besides its difficulties) of a convened enterprise: one per late loan, one
    for a fall in its staff; each with the key that follows it (loan:<id>, staff:<enterprise>)."""
    found: dict[str, dict] = {}
    for reason, why in zip(reasons, evidence_, strict=False):
        if why["kind"] == "loan":
            key = f"loan:{why['loan_id']}"
        elif why["kind"] == "headcount":
            key = f"staff:{enterprise_id}"
        else:
            continue
        found.setdefault(key, {"kind": why["kind"], "subject_key": key, "reference": reason[:40],
                               "reported_on": why["occurred_on"]})
    return list(found.values())


def roster(facts: Iterable[Fact], cutoff: dt.date, states: dict[str, dict] | None = None) -> dict[str, Entry]:
    """Every enterprise that must come to the meeting, each with the facts that put it there (`states`:
    the difficulties' at the cut-off, when the caller has them already)."""
    end = _end_of(cutoff)
    known = [f for f in sorted(facts, key=lambda f: f.occurred_at) if f.occurred_at < end]
    owners = _owners(known)
    entries: dict[str, Entry] = {}

    def add(enterprise_id: str, reason: str, kind: str, fact: Fact) -> None:
        entry = entries.setdefault(enterprise_id, Entry(enterprise_id))
        entry.reasons.append(reason)
        entry.evidence.append(evidence(kind, fact))

    for enterprise_id, reason, fact in _difficulties(difficulty_states(known, cutoff) if states is None else states,
                                                     cutoff):
        add(enterprise_id, reason, "difficulty", fact)
    for enterprise_ids, reason, fact in _loans(known, owners, cutoff):
        for enterprise_id in enterprise_ids:
            add(enterprise_id, reason, "loan", fact)
    for enterprise_id, reason, fact in _headcount(known, cutoff):
        add(enterprise_id, reason, "headcount", fact)
    return entries


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after the programme's calendar day: a fact before it happened on or before it."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), SHANGHAI)


def _owners(facts: list[Fact]) -> dict[str, list[str]]:
    owners: dict[str, list[str]] = {}
    for fact in facts:
        if fact.event_type == "enterprise_registered":
            owners.setdefault(fact.payload["owner_entrepreneur_id"], []).append(fact.payload["enterprise_id"])
    return owners


def difficulty_states(facts: Iterable[Fact], cutoff: dt.date | None = None) -> dict[str, dict]:
    """Every difficulty as it stood at the end of `cutoff` (all of them when None), by its id."""
    state: dict[str, dict] = {}
    end = None if cutoff is None else _end_of(cutoff)
    for fact in sorted(facts, key=lambda f: f.occurred_at):
        if not fact.event_type.startswith("difficulty_") or (end is not None and fact.occurred_at >= end):
            continue
        p = fact.payload
        item = state.get(p["difficulty_id"])
        if item is None:
            item = state[p["difficulty_id"]] = {"status": "open", "reported_on": fact.day, "closed_on": None,
                                                "difficulty_reported": fact}
        item.update(difficulty_id=p["difficulty_id"], enterprise_id=p["enterprise_id"], reference=p["reference"],
                    level=p["level"], category=p["category"], region_code=p["region_code"])
        if fact.event_type in ("difficulty_assigned", "difficulty_escalated"):
            item[fact.event_type] = fact  # what put it at its level, and what set its limit there
        if fact.event_type in ("difficulty_assigned", "difficulty_deadlines_changed"):
            item["resolve_due"] = dt.date.fromisoformat(p["resolve_due"])  # counted again with a new calendar
            item["difficulty_assigned"] = fact
        elif fact.event_type in STATUS_AFTER:
            item["status"] = STATUS_AFTER[fact.event_type]
            if fact.event_type == "difficulty_closed":
                item["closed_on"] = dt.date.fromisoformat(p["closed_on"])
    return state


def _difficulties(states: dict[str, dict], cutoff: dt.date) -> Iterable[tuple[str, str, Fact]]:
    for item in states.values():
        if item["status"] == "closed":
            continue
        if item["level"] == "city":
            yield (item["enterprise_id"], f"困难问题{item['reference']}已上报至市级",
                   item.get("difficulty_escalated") or item["difficulty_reported"])
        elif item["status"] == "open" and item.get("resolve_due") and item["resolve_due"] < cutoff:
            yield (item["enterprise_id"], f"困难问题{item['reference']}超过办理时限（{item['resolve_due'].isoformat()}）",
                   item["difficulty_assigned"])


def agenda(states: dict[str, dict], enterprise_ids: Iterable[str]) -> list[dict]:
    """One item per difficulty not yet closed of the convened enterprises, by enterprise and category."""
    wanted = set(enterprise_ids)
    items = [s for s in states.values() if s["enterprise_id"] in wanted and s["status"] != "closed"]
    return sorted(items, key=lambda s: (s["enterprise_id"], s["category"], s["reference"]))


def _loans(facts: list[Fact], owners: dict[str, list[str]], cutoff: dt.date) -> Iterable[tuple[list[str], str, Fact]]:
    """A loan late at the cut-off (for as long as it stays late); one compensated within its window."""
    latest: dict[str, Fact] = {}
    for fact in facts:
        if fact.event_type in LATE_LOAN + CLOSED_LOAN:
            latest[fact.payload["loan_id"]] = fact
    for fact in latest.values():
        if fact.event_type not in LATE_LOAN:
            continue
        if (fact.event_type == "loan_compensated"
                and (cutoff - fact.day).days >= COMPENSATION_WINDOW_DAYS):
            continue  # the fund paid long ago: no longer a reason to convene
        p = fact.payload
        enterprises = [p["enterprise_id"]] if p.get("enterprise_id") else owners.get(p["entrepreneur_id"], [])
        reason = {"loan_overdue": f"创业担保贷款逾期{p.get('days_overdue', 0)}天",
                  "loan_defaulted": "创业担保贷款违约",
                  "loan_compensated": "创业担保贷款违约，担保基金已代偿"}[fact.event_type]
        yield enterprises, reason, fact


def _headcount(facts: list[Fact], cutoff: dt.date) -> Iterable[tuple[str, str, Fact]]:
    """The latest headcount report of each enterprise, if it is this quarter's or the last one's and
    shows fewer staff than the report before it."""
    current_quarter = quarter_of(cutoff)
    recent = (current_quarter, quarter_of(quarter_bounds(current_quarter)[0] - dt.timedelta(days=1)))
    latest: dict[str, Fact] = {}
    for fact in facts:
        if fact.event_type == "enterprise_headcount_reported":
            p = fact.payload
            current = latest.get(p["enterprise_id"])
            if current is None or (p["quarter"], p["revision"]) >= (current.payload["quarter"],
                                                                     current.payload["revision"]):
                latest[p["enterprise_id"]] = fact
    for enterprise_id, fact in latest.items():
        p = fact.payload
        before = p.get("previous_headcount")
        if before is not None and p["headcount"] < before and p["quarter"] in recent:
            yield enterprise_id, f"用工人数由{before}人降至{p['headcount']}人（{p['quarter']}）", fact
