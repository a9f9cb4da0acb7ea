"""Bulletins for any period (今年以来, a half-year, a year) for a province, a city or a county: the
facts they count, read with the few fields they need; the head (office, distribution) from settings."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from services.consultation.domain import periods
from services.consultation.handlers.heads import head
from services.consultation.handlers.quarters import in_region, lean_facts, require_official
from services.consultation.models import StoredFact
from shared import regions
from shared.actors import Actor
from shared.clock import SHANGHAI
from shared.errors import Forbidden, InvalidInput


def bulletin_region(actor: Actor, region: str | None) -> str:
    """The region of the caller's choosing (theirs when none is named): a province, a city, a county or
    a township they govern."""
    require_official(actor)
    if not region and actor.level == "village":
        raise Forbidden("bulletin_region_level", None, "通报按省、市、县（区）、乡镇编制，村级没有通报")
    code = regions.check_known(region, "region") if region else regions.normalize(actor.region_code or "")
    if regions.level_of(code) not in periods.LEVELS:
        raise InvalidInput("bulletin_region_level", "region", "通报按省、市、县（区）、乡镇编制，请选择其中一级")
    if not actor.governs(code):
        raise Forbidden("region_outside_jurisdiction", "region", "只能查看本辖区及以下地区的通报")
    return code


def _days(first: dt.date, last: dt.date):
    start = dt.datetime.combine(first, dt.time(), SHANGHAI)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), SHANGHAI)
    return start, end


def _by_id(session: Session, event_type: str, key: str, ids: set[str], fields: dict[str, type]) -> dict[str, dict]:
    """The registrations of these records (the latest, should one come twice)."""
    if not ids:
        return {}
    found = lean_facts(session, fields, StoredFact.event_type == event_type,
                       StoredFact.payload[key].astext == sa.any_(sa.cast(sorted(ids), ARRAY(sa.String))))
    return {fact.payload[key]: fact.payload for fact in found}


def compute(session: Session, scope: str, first: dt.date, last: dt.date, today: dt.date) -> dict:
    """The region's bulletin for these days (a period not over yet counts up to today)."""
    start, end = _days(first, min(last, today))
    here = in_region(scope)
    during = StoredFact.occurred_at.between(start, end - dt.timedelta(microseconds=1))
    fields = periods.FIELDS
    facts = [*lean_facts(session, fields["people"], during, here, StoredFact.event_type.in_(periods.PEOPLE)),
             *lean_facts(session, fields["firms"], during, here, StoredFact.event_type.in_(periods.FIRMS)),
             *lean_facts(session, fields["money"], during, here, StoredFact.event_type.in_(periods.MONEY)),
             *lean_facts(session, fields["difficulties"], during, here,
                         StoredFact.event_type.in_(periods.DIFFICULTIES))]
    people = _by_id(session, "entrepreneur_registered", "entrepreneur_id",
                    {f.payload["entrepreneur_id"] for f in facts if f.event_type == "entrepreneur_verified"},
                    {"entrepreneur_id": str, "categories": json.loads})
    firms = _by_id(session, "enterprise_registered", "enterprise_id",
                   {f.payload["enterprise_id"] for f in facts if f.event_type == "enterprise_verified"},
                   {"enterprise_id": str, "investment_fen": int, "headcount": int})
    return periods.bulletin(scope, first, last, today, facts, people, firms,
                            open_at(session, scope, end), head(scope))


def open_at(session: Session, scope: str, end: dt.datetime) -> list[dict]:
    """The region's difficulties reported before `end` and not closed before it (carried over)."""
    before, here = StoredFact.occurred_at < end, in_region(scope)
    closed = sa.select(StoredFact.payload["difficulty_id"].astext).where(
        StoredFact.event_type == "difficulty_closed", before, here)
    query = sa.select(StoredFact.payload["region_code"].astext).where(
        StoredFact.event_type == "difficulty_reported", before, here,
        StoredFact.payload["difficulty_id"].astext.not_in(closed))
    return [{"region_code": code} for code in session.scalars(query)]


def period_bulletin(session: Session, actor: Actor, region: str | None, month_from: str, month_to: str,
                    today: dt.date) -> dict:
    scope = bulletin_region(actor, region)
    first, last = periods.period(month_from, month_to, today)
    return compute(session, scope, first, last, today)
