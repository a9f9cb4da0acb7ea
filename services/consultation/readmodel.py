"""Views across every service's facts: an enterprise's timeline and the officials' dashboard; and the
rebuild of the facts from a replay of every event."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.consultation.domain import convening, reports
from services.consultation.handlers import summaries
from services.consultation.handlers.opening import registrations, rule_facts
from services.consultation.handlers.quarters import (
    DIFFICULTY_FACTS,
    enterprise,
    facts,
    keep_many,
    require_official,
)
from services.consultation.models import (
    AgendaItem,
    DifficultyState,
    Quarter,
    QuarterTotal,
    Resolution,
    RosterEntry,
    StoredFact,
)
from shared import regions
from shared.actors import Actor, programme_city
from shared.clock import SHANGHAI
from shared.errors import NotFound
from shared.events import Envelope

# the dashboard's resolutions: every meeting's, the cities' and the counties', but a county's item
# sent up to its city once only (the city's meeting decides it)
COUNTED_ITEMS = sa.or_(AgendaItem.round_region.like("____00000000"), AgendaItem.referred_on.is_(None))


def timeline(session: Session, actor: Actor, enterprise_id: str) -> dict:
    """Everything that happened to one enterprise (and to its owner as a borrower), oldest first."""
    firm = enterprise(session, enterprise_id)
    if firm is None or not _may_see(session, actor, firm):
        raise NotFound("enterprise_not_found", "enterprise_id", "没有这个经营主体，或您无权查看")
    owner = firm["owner_entrepreneur_id"]
    mine = sa.or_(StoredFact.enterprise_id == enterprise_id,
                  sa.and_(StoredFact.enterprise_id.is_(None), StoredFact.payload["entrepreneur_id"].astext == owner))
    rostered = session.execute(sa.select(RosterEntry, Quarter.cutoff).join(
        Quarter, sa.and_(Quarter.region_code == RosterEntry.round_region, Quarter.code == RosterEntry.quarter))
        .where(RosterEntry.enterprise_id == enterprise_id)).all()
    steps = [{"at": dt.datetime.combine(cutoff, dt.time(23, 59), SHANGHAI).isoformat(), "date": cutoff.isoformat(),
              "kind": "consultation", "event_type": "roster_entry",
              "title": f"{entry.quarter}{'移出' if entry.removed else '列入'}{regions.name_of(entry.round_region)}"
                       "季度困难会商名单",
              "detail": "；".join(entry.reasons) + (f"（移出理由：{entry.note}）" if entry.removed else "")}
             for entry, cutoff in rostered]
    return {"enterprise": {"enterprise_id": enterprise_id, "name": firm["name"], "region_code": firm["region_code"],
                           "region_name": regions.full_name(firm["region_code"])},
            "events": reports.timeline(facts(session, mine), steps)}


def _may_see(session: Session, actor: Actor, firm: dict) -> bool:
    if actor.is_official:
        return actor.governs(firm["region_code"])
    if actor.role != "entrepreneur":
        return False
    owner = session.scalar(sa.select(StoredFact.payload).where(
        StoredFact.event_type == "entrepreneur_registered",
        StoredFact.payload["entrepreneur_id"].astext == firm["owner_entrepreneur_id"]))
    return owner is not None and owner.get("account_id") == actor.user_id


def dashboard(session: Session, actor: Actor, today: dt.date) -> dict:
    require_official(actor)
    scope = actor.region_code or ""
    within = reports.in_scope(scope)
    shown = reports.recent_quarters(today)
    items = [{"quarter": q, "region_code": r, "status": st, "lead_department": lead} for q, r, st, lead in
             session.execute(sa.select(AgendaItem.quarter, AgendaItem.region_code, AgendaItem.status,
                                       Resolution.lead_department)
                             .join(Resolution, Resolution.item_id == AgendaItem.id)
                             .where(AgendaItem.quarter.in_(shown), COUNTED_ITEMS))]
    prefix = regions.jurisdiction_prefix(scope)
    money: reports.Totals = defaultdict(lambda: [0, 0])
    for event_type, quarter, region, count, fen in session.execute(
            sa.select(QuarterTotal.event_type, QuarterTotal.quarter, QuarterTotal.region_code, QuarterTotal.facts,
                      QuarterTotal.amount_fen)
            .where(QuarterTotal.quarter.in_(shown), QuarterTotal.region_code.startswith(prefix, autoescape=True))):
        if within(region):
            money[(event_type, quarter)][0] += count
            money[(event_type, quarter)][1] += fen
    states = session.execute(
        sa.select(DifficultyState.category, DifficultyState.level, DifficultyState.region_code, sa.func.count())
        .where(DifficultyState.status != "closed", DifficultyState.region_code.startswith(prefix, autoescape=True))
        .group_by(DifficultyState.category, DifficultyState.level, DifficultyState.region_code))
    open_by: dict[tuple[str, str], int] = defaultdict(int)
    for category, level, region, count in states:
        if within(region):
            open_by[(category, level)] += count
    return reports.dashboard_of(money, open_by, within, scope, items, today)


def replace_facts(session: Session, pages: Iterable[list[dict]]) -> dict[str, int]:
    """The facts replaced by a replay of every event, page by page; the dashboard's figures rebuilt
    from them in one pass; agenda items follow their difficulties again."""
    session.execute(sa.delete(StoredFact))
    counts: dict[str, int] = {}
    for page in pages:
        envelopes = [Envelope.model_validate(raw) for raw in page]
        keep_many(session, envelopes, follow=False)
        for envelope in envelopes:
            counts[envelope.producer] = counts.get(envelope.producer, 0) + 1
    summaries.refresh(session)
    states = convening.difficulty_states(facts(session, DIFFICULTY_FACTS))
    for item in session.scalars(sa.select(AgendaItem).where(AgendaItem.difficulty_id.is_not(None))):
        state = states.get(item.difficulty_id, {})
        closed = state.get("status") == "closed"
        item.status, item.closed_on = ("closed", state["closed_on"]) if closed else ("open", None)
    session.flush()
    return counts


def roster_check(session: Session) -> dict[str, dict]:
    """For each round, whether the rules give the same roster from the (replayed) facts (keyed by its
    quarter for the programme city's, by quarter@region for any other)."""
    result = {}
    for quarter in session.scalars(sa.select(Quarter).order_by(Quarter.code, Quarter.region_code)):
        # the rules' own reasons come first, one per fact; carry-over and officials' notes follow them
        stored = {e.enterprise_id: e.reasons[:len(e.evidence)] for e in quarter.entries if e.source == "rules"}
        ruled = convening.roster(rule_facts(session, quarter.cutoff), quarter.cutoff)
        places = registrations(session, list(ruled))
        again = {k: v.reasons for k, v in ruled.items()
                 if regions.within(quarter.region_code, places.get(k, {}).get("region_code") or "0" * 12)}
        key = quarter.code if quarter.region_code == programme_city() else f"{quarter.code}@{quarter.region_code}"
        result[key] = {"same": stored == again, "missing": sorted(set(stored) - set(again)),
                                "extra": sorted(set(again) - set(stored))}
    return result
