"""A quarter's opening: its roster and agenda from the facts the rules read, up to the cut-off, and
not from every fact kept (a city holds a million): each kind of fact with the few fields the rules
read of it, difficulties closed for good before the cut-off left out; the roster and the agenda
written in one statement each."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from services.consultation.domain import convening
from services.consultation.handlers import quarters
from services.consultation.models import (
    AgendaItem,
    DifficultyState,
    Quarter,
    RosterEntry,
    StoredFact,
)
from shared import events, regions
from shared.actors import Actor
from shared.clock import SHANGHAI
from shared.contracts import consultation as ce
from shared.errors import InvalidState


def open_quarter(uow, actor: Actor | None, region: str, code: str, today: dt.date) -> dict:
    """Open a region's round (a city's or a county's), gather its roster and agenda from the facts up
    to the cut-off: the enterprises of that region the rules name (idempotent). A city's round also
    takes what its counties' rounds have sent up."""
    session = uow.session
    quarters.require_organiser(actor, region)
    first, last = convening.quarter_bounds(code)
    if today < first:
        raise InvalidState("quarter_not_started", "quarter", f"{code}尚未开始")
    existing = session.get(Quarter, (region, code))
    if existing is not None:
        return quarters.read(session, existing, actor)
    quarter = Quarter(region_code=region, code=code, status="open", cutoff=min(today, last),
                      opened_by=actor.username if actor else quarters.SYSTEM)
    session.add(quarter)
    session.flush()
    ruled = rule_facts(session, quarter.cutoff)
    states = convening.difficulty_states(ruled, quarter.cutoff)
    found = sorted(convening.roster(ruled, quarter.cutoff, states).items())
    known = registrations(session, [e for e, _ in found] + [s["enterprise_id"] for s in states.values()
                                                             if s["status"] != "closed"])
    entries = {}
    for enterprise_id, entry in found:
        firm = known.get(enterprise_id, {})
        place = firm.get("region_code") or ""
        if place and regions.within(region, place):
            entries[enterprise_id] = _new_entry(quarter, enterprise_id, firm.get("name", enterprise_id), place,
                                                "rules", entry.reasons, entry.evidence)
    carried = _carry_over(session, quarter, entries)
    quarters.insert_all(session, RosterEntry, list(entries.values()))
    quarters.add_items(session, quarter, states, list(entries), known)
    quarters.add_subject_items(session, quarter, list(entries.values()))
    sent_up = quarters.referred(session, quarter) if quarter.level == "city" else []
    quarters.send_up(session, quarter, sent_up)
    uow.publish(events.make_event(ce.QuarterOpened(
        quarter=code, region_code=region, cutoff=quarter.cutoff, opened_by=quarter.opened_by, enterprises=len(entries),
        agenda_items=_count_items(session, quarter), carried_over=carried)))
    return quarters.read(session, quarter, actor, None if sent_up else list(entries.values()))


def _new_entry(quarter: Quarter, enterprise_id: str, name: str, region_code: str, source: str, reasons: list[str],
               evidence: list[dict] | None = None) -> dict:
    return {"round_region": quarter.region_code, "quarter": quarter.code, "enterprise_id": enterprise_id, "enterprise_name": name, "region_code": region_code,
            "reasons": reasons, "evidence": evidence or [], "source": source, "removed": False, "note": "",
            "changed_by": None}


def rule_facts(session: Session, cutoff: dt.date) -> list[convening.Fact]:
    """The facts the roster's rules read, up to the end of the cut-off day: every difficulty's, the
    loans' lateness and recovery, the headcount reports, and the registrations of the enterprises of
    individual borrowers whose loans went late (not the million others)."""
    end = dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(), SHANGHAI)
    until = StoredFact.occurred_at < end
    late_borrowers = sa.select(StoredFact.payload["entrepreneur_id"].astext).where(
        StoredFact.event_type.in_(convening.LATE_LOAN), until,
        sa.or_(StoredFact.enterprise_id.is_(None), StoredFact.enterprise_id == ""))
    # a difficulty closed for good before the cut-off (closed then, nothing since) cannot count: its
    # facts are left out, half of them (difficulty_states follows every fact as it is stored)
    settled = sa.select(DifficultyState.difficulty_id).where(DifficultyState.status == "closed",
                                                             DifficultyState.last_at < end)
    fields = convening.RULE_FIELDS
    found = [*quarters.lean_facts(session, fields["difficulty"], until, quarters.DIFFICULTY_FACTS,
                         StoredFact.payload["difficulty_id"].astext.not_in(settled)),
             *quarters.lean_facts(session, fields["loan"], until,
                         StoredFact.event_type.in_((*convening.LATE_LOAN, *convening.CLOSED_LOAN))),
             *quarters.lean_facts(session, fields["headcount"], until, StoredFact.event_type == "enterprise_headcount_reported"),
             *quarters.lean_facts(session, fields["enterprise"], until, StoredFact.event_type == "enterprise_registered",
                         StoredFact.payload["owner_entrepreneur_id"].astext.in_(late_borrowers))]
    return sorted(found, key=lambda fact: (fact.occurred_at, fact.event_id))


def registrations(session: Session, enterprise_ids: list[str]) -> dict[str, dict]:
    """The name and region of each of these enterprises as registered (the latest, should one come twice)."""
    registered = quarters.lean_facts(session, {"enterprise_id": str, "name": str, "region_code": str},
                            StoredFact.event_type == "enterprise_registered",
                            StoredFact.enterprise_id == sa.any_(sa.cast(sorted(set(enterprise_ids)), ARRAY(sa.String))))
    return {fact.payload["enterprise_id"]: fact.payload for fact in registered}


def _count_items(session: Session, quarter: Quarter) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(AgendaItem).where(
        quarters.of_round(AgendaItem, quarter)))


def _carry_over(session: Session, quarter: Quarter, entries: dict[str, dict]) -> int:
    """The open items of the region's round before come onto this agenda, marked as carried over
    (their enterprises onto `entries`, the new round's roster entries by enterprise)."""
    before = session.scalar(sa.select(Quarter).where(Quarter.region_code == quarter.region_code,
                                                     Quarter.code < quarter.code)
                            .order_by(Quarter.code.desc()).limit(1))
    if before is None:
        return 0
    open_items = session.scalars(sa.select(AgendaItem).where(
        quarters.of_round(AgendaItem, before), AgendaItem.status == "open",
        AgendaItem.enterprise_id.not_in(quarters.removed(before)))).all()
    items = []
    for old in open_items:
        entry = entries.get(old.enterprise_id)
        if entry is None:
            entry = entries[old.enterprise_id] = _new_entry(quarter, old.enterprise_id, old.enterprise_name,
                                                             old.region_code, "carryover", [])
        what = f"困难问题{old.reference}" if old.difficulty_id else old.reference
        entry["reasons"] = [*entry["reasons"], f"{before.code}会商事项（{what}）未办结，结转本季度"]
        items.append(quarters.new_item(
            quarter, kind=old.kind, difficulty_id=old.difficulty_id, subject_key=old.subject_key,
            reference=old.reference, enterprise_id=old.enterprise_id,
            enterprise_name=old.enterprise_name, region_code=old.region_code, category=old.category,
            level=old.level, reported_on=old.reported_on, carried_over_from=before.code))
    quarters.insert_all(session, AgendaItem, items)
    return len(items)
