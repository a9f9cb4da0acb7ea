"""Views across every service's facts: an enterprise's timeline and the officials' dashboard; and the
rebuild of the facts from a replay of every event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.consultation.domain import convening, reports
from services.consultation.handlers.quarters import (
    enterprise,
    facts,
    in_region,
    keep_many,
    require_official,
)
from services.consultation.models import AgendaItem, Quarter, Resolution, RosterEntry, StoredFact
from shared import regions
from shared.actors import Actor
from shared.clock import SHANGHAI
from shared.errors import NotFound
from shared.events import Envelope

DIFFICULTY_FACTS = StoredFact.event_type.startswith("difficulty_", autoescape=True)


def timeline(session: Session, actor: Actor, enterprise_id: str) -> dict:
    """Everything that happened to one enterprise (and to its owner as a borrower), oldest first."""
    firm = enterprise(session, enterprise_id)
    if firm is None or not _may_see(session, actor, firm):
        raise NotFound("enterprise_not_found", "enterprise_id", "没有这个经营主体，或您无权查看")
    owner = firm["owner_entrepreneur_id"]
    mine = sa.or_(StoredFact.enterprise_id == enterprise_id,
                  sa.and_(StoredFact.enterprise_id.is_(None), StoredFact.payload["entrepreneur_id"].astext == owner))
    rostered = session.execute(sa.select(RosterEntry, Quarter.cutoff).join(Quarter, Quarter.code == RosterEntry.quarter)
                               .where(RosterEntry.enterprise_id == enterprise_id)).all()
    steps = [{"at": dt.datetime.combine(cutoff, dt.time(23, 59), SHANGHAI).isoformat(), "date": cutoff.isoformat(),
              "kind": "consultation", "event_type": "roster_entry",
              "title": f"{entry.quarter}{'移出' if entry.removed else '列入'}季度困难会商名单",
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
    shown = reports.recent_quarters(today)
    since = dt.datetime.combine(convening.quarter_bounds(shown[0])[0] - dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    items = [{"quarter": q, "region_code": r, "status": st, "lead_department": lead} for q, r, st, lead in
             session.execute(sa.select(AgendaItem.quarter, AgendaItem.region_code, AgendaItem.status,
                                       Resolution.lead_department)
                             .join(Resolution, Resolution.item_id == AgendaItem.id)
                             .where(AgendaItem.quarter.in_(shown)))]
    money = session.execute(sa.select(StoredFact.event_type, StoredFact.occurred_at, StoredFact.region_code,
                                      StoredFact.payload["principal_fen"].astext, StoredFact.payload["amount_fen"].astext)
                            .where(StoredFact.event_type.in_(("loan_disbursed", "subsidy_paid")),
                                   StoredFact.occurred_at >= since, in_region(scope)))
    lean = [convening.Fact(t, at, {"region_code": region, "principal_fen": int(principal or 0),
                                "amount_fen": int(amount or 0)}) for t, at, region, principal, amount in money]
    troubles = facts(session, DIFFICULTY_FACTS, in_region(scope))
    return reports.dashboard(lean + troubles, reports.in_scope(scope), scope, items, today)


def replace_facts(session: Session, pages: Iterable[list[dict]]) -> dict[str, int]:
    """The facts replaced by a replay of every event, page by page; agenda items follow their
    difficulties again."""
    session.execute(sa.delete(StoredFact))
    counts: dict[str, int] = {}
    for page in pages:
        envelopes = [Envelope.model_validate(raw) for raw in page]
        keep_many(session, envelopes)
        for envelope in envelopes:
            counts[envelope.producer] = counts.get(envelope.producer, 0) + 1
    states = convening.difficulty_states(facts(session, DIFFICULTY_FACTS))
    for item in session.scalars(sa.select(AgendaItem)):
        state = states.get(item.difficulty_id, {})
        closed = state.get("status") == "closed"
        item.status, item.closed_on = ("closed", state["closed_on"]) if closed else ("open", None)
    session.flush()
    return counts


def roster_check(session: Session) -> dict[str, dict]:
    """For each quarter, whether the rules give the same roster from the (replayed) facts."""
    all_facts = facts(session)
    result = {}
    for quarter in session.scalars(sa.select(Quarter).order_by(Quarter.code)):
        # the rules' own reasons come first, one per fact; carry-over and officials' notes follow them
        stored = {e.enterprise_id: e.reasons[:len(e.evidence)] for e in quarter.entries if e.source == "rules"}
        again = {k: v.reasons for k, v in convening.roster(all_facts, quarter.cutoff).items()}
        result[quarter.code] = {"same": stored == again, "missing": sorted(set(stored) - set(again)),
                                "extra": sorted(set(again) - set(stored))}
    return result
