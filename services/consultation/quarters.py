"""The quarter's service layer: keep every fact, open a quarter, gather and adjust its roster."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.consultation import domain
from services.consultation.models import Quarter, RosterEntry, StoredFact
from shared import regions
from shared.actors import Actor
from shared.errors import Forbidden, InvalidInput, InvalidState, NotFound
from shared.events import Envelope


def keep(session: Session, envelope: Envelope) -> None:
    """Store a fact once (a redelivery changes nothing)."""
    payload = envelope.payload
    session.execute(insert(StoredFact).values(
        event_id=envelope.event_id, event_type=envelope.event_type, producer=envelope.producer,
        occurred_at=envelope.occurred_at, enterprise_id=payload.get("enterprise_id"),
        region_code=payload.get("region_code"), payload=payload).on_conflict_do_nothing())


def facts(session: Session) -> list[domain.Fact]:
    rows = session.execute(sa.select(StoredFact.event_type, StoredFact.occurred_at, StoredFact.payload)
                           .order_by(StoredFact.occurred_at)).all()
    return [domain.Fact(t, at, p) for t, at, p in rows]


def enterprises(session: Session) -> dict[str, dict]:
    rows = session.scalars(sa.select(StoredFact.payload).where(StoredFact.event_type == "enterprise_registered"))
    return {p["enterprise_id"]: p for p in rows}


def require_city(actor: Actor) -> None:
    if not actor.is_official or actor.level != "city":
        raise Forbidden("city_level_required", None, "季度困难会商会由市级工作人员组织")


def open_quarter(session: Session, actor: Actor | None, code: str, today: dt.date) -> dict:
    """Open the quarter and gather its roster from the facts up to the cut-off (idempotent)."""
    if actor is not None:
        require_city(actor)
    first, last = domain.quarter_bounds(code)
    if today < first:
        raise InvalidState("quarter_not_started", "quarter", f"{code}尚未开始")
    existing = session.get(Quarter, code)
    if existing is not None:
        return read(existing, actor)
    quarter = Quarter(code=code, status="open", cutoff=min(today, last),
                      opened_by=actor.username if actor else "系统（季度截止）", entries=[])
    known = enterprises(session)
    for enterprise_id, entry in sorted(domain.roster(facts(session), quarter.cutoff).items()):
        firm = known.get(enterprise_id, {})
        quarter.entries.append(RosterEntry(
            enterprise_id=enterprise_id, enterprise_name=firm.get("name", enterprise_id),
            region_code=firm.get("region_code", ""), reasons=entry.reasons, source="rules"))
    session.add(quarter)
    session.flush()
    return read(quarter, actor)


def get(session: Session, code: str) -> Quarter:
    quarter = session.get(Quarter, code)
    if quarter is None:
        raise NotFound("quarter_not_found", "quarter", f"{code}的会商尚未开启")
    return quarter


def read(quarter: Quarter, actor: Actor | None) -> dict:
    """The quarter with the roster entries the caller may see (their region and below)."""
    entries = [e for e in quarter.entries if actor is None or actor.governs(e.region_code)]
    return {"quarter": quarter.code, "status": quarter.status, "cutoff": quarter.cutoff,
            "opened_by": quarter.opened_by, "opened_at": quarter.opened_at,
            "roster": [{"enterprise_id": e.enterprise_id, "enterprise_name": e.enterprise_name,
                        "region_code": e.region_code, "region_name": regions.full_name(e.region_code)
                        if e.region_code else "", "reasons": e.reasons, "source": e.source, "removed": e.removed,
                        "note": e.note, "changed_by": e.changed_by} for e in entries]}


def view(session: Session, actor: Actor, code: str) -> dict:
    if not actor.is_official:
        raise Forbidden("official_required", None, "只有工作人员可以查看季度会商")
    return read(get(session, code), actor)


def adjust(session: Session, actor: Actor, code: str, enterprise_id: str, add: bool, reason: str) -> dict:
    """An official adds or removes an enterprise of their region, always with a reason."""
    if not actor.is_official or actor.level not in ("county", "city"):
        raise Forbidden("county_level_required", None, "县（区）级及以上工作人员可以调整会商名单")
    if len(reason.strip()) < 2:
        raise InvalidInput("reason_required", "reason", "调整名单须写明理由")
    quarter = get(session, code)
    if quarter.status != "open":
        raise InvalidState("quarter_closed", "quarter", "本季度会商已结束，不能调整名单")
    entry = next((e for e in quarter.entries if e.enterprise_id == enterprise_id), None)
    firm = enterprises(session).get(enterprise_id)
    region = entry.region_code if entry else (firm or {}).get("region_code")
    if region is None or not actor.governs(region):
        raise NotFound("enterprise_not_found", "enterprise_id", "没有这个经营主体，或不在您的辖区")
    if entry is None:
        entry = RosterEntry(enterprise_id=enterprise_id, enterprise_name=firm["name"], region_code=region,
                            reasons=[], source="official")
        quarter.entries.append(entry)
    entry.removed, entry.note, entry.changed_by = not add, reason.strip(), actor.username
    if add:
        entry.reasons = [*entry.reasons, f"工作人员增列：{reason.strip()}"]
    session.flush()
    return read(quarter, actor)
