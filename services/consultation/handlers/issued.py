"""Issued means frozen: closing a round stores its bulletin as issued, for its region and (a city's)
for each county, and that stored copy is what everyone reads and downloads afterwards. Facts that
arrive later about the quarter, or a rebuild, are checked against it: when they change a figure the
bulletin gets a new revision, shown as a correction with its date (更正), never a silent change."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.consultation.domain import convening, period_file
from services.consultation.handlers import bulletins, quarters
from services.consultation.models import IssuedBulletin, Quarter, StoredFact
from shared import regions
from shared.actors import Actor
from shared.clock import SHANGHAI

CORRECTED = "依据本季度结束后收到的数据（迟到的办理记录或数据重建）重新统计"


def scopes_of(quarter: Quarter) -> list[str]:
    """The regions a round's bulletin is issued for: its own, and a city's each county."""
    counties = [code for code, _ in regions.children_of(quarter.region_code)] if quarter.level == "city" else []
    return [quarter.region_code, *counties]


def full(session: Session, quarter: Quarter, scope: str, today: dt.date) -> dict:
    """The round's bulletin for a region as computed now, with the quarter beside the year to date."""
    found = {**quarters.compute_bulletin(session, quarter, scope, today), **quarters.round_of(quarter)}
    first, last = convening.quarter_bounds(quarter.code)
    beside = [bulletins.compute(session, scope, start, last, today) for start in (first, first.replace(month=1))]
    return {**found, "beside": period_file.side_by_side(*beside)}


def _plain(content: dict) -> dict:
    """As stored: what the JSON column gives back, to compare a new count with an issued one."""
    return json.loads(json.dumps(content, default=str, ensure_ascii=False))


def same_figures(issued: dict, again: dict) -> bool:
    """Whether a new count says what the issued copy said: every part the copy has, the same (a part
    that later versions of the bulletin added is not a correction of an older copy)."""
    return all(key in again and again[key] == value for key, value in issued.items())


def issue(session: Session, quarter: Quarter, today: dt.date) -> dict:
    """At closing: the first issue of the round's bulletin for each of its regions (once); the round's
    own copy is given back."""
    own = session.get(IssuedBulletin, (quarter.region_code, quarter.code, quarter.region_code, 1))
    if own is not None:
        return own.content
    for scope in scopes_of(quarter):
        content = _plain(full(session, quarter, scope, today))
        session.add(IssuedBulletin(round_region=quarter.region_code, quarter=quarter.code, scope=scope, revision=1,
                                   issued_on=today, note="", content=content))
        own = own or content  # scopes_of gives the round's own region first
    quarter.checked_at = sa.func.now()  # the database's time, as the facts' kept_at
    session.flush()
    return own


def _latest(session: Session, quarter: Quarter) -> dict[str, IssuedBulletin]:
    """The latest revision issued for each of the round's regions."""
    rows = session.scalars(sa.select(IssuedBulletin).where(quarters.of_round(IssuedBulletin, quarter))
                           .order_by(IssuedBulletin.scope, IssuedBulletin.revision)).all()
    return {row.scope: row for row in rows}


def _history(session: Session, quarter: Quarter, scope: str) -> list[dict]:
    rows = session.execute(sa.select(IssuedBulletin.revision, IssuedBulletin.issued_on, IssuedBulletin.note)
                           .where(quarters.of_round(IssuedBulletin, quarter), IssuedBulletin.scope == scope)
                           .order_by(IssuedBulletin.revision))
    return [{"revision": r, "issued_on": on.isoformat(), "note": note} for r, on, note in rows]


def read(session: Session, actor: Actor, region: str | None, code: str, today: dt.date) -> dict:
    """The bulletin as the caller may read it: of a closed round, the copy issued for the narrowest of
    its regions that holds the caller's part (with its revisions); of an open one, a draft counted now."""
    quarter = quarters.the_round(session, actor, region, code)
    scope = quarters.bulletin_scope(actor, quarter)
    if quarter.status == "closed":
        holding = [s for s in regions.ancestors(scope) if regions.within(quarter.region_code, s)]
        latest = session.execute(sa.select(IssuedBulletin.scope, sa.func.max(IssuedBulletin.revision)).where(
            quarters.of_round(IssuedBulletin, quarter), IssuedBulletin.scope.in_(holding))
            .group_by(IssuedBulletin.scope)).all()
        if latest:  # only the copy read is loaded, not every region's
            narrowest, revision = max(latest, key=lambda row: regions.SIGNIFICANT[regions.level_of(row[0])])
            row = session.get(IssuedBulletin, (quarter.region_code, quarter.code, narrowest, revision))
            return {**row.content, "revision": row.revision, "revisions": _history(session, quarter, narrowest)}
    return {**full(session, quarter, scope, today), "revision": 0, "revisions": []}


def recheck(session: Session, quarter: Quarter, today: dt.date) -> int:
    """Count the round's issued bulletins again; each that a figure changed gets a new revision."""
    added = 0
    for scope, row in _latest(session, quarter).items():
        again = _plain(full(session, quarter, scope, today))
        if not same_figures(row.content, again):
            session.add(IssuedBulletin(round_region=quarter.region_code, quarter=quarter.code, scope=scope,
                                       revision=row.revision + 1, issued_on=today, note=CORRECTED, content=again))
            added += 1
    quarter.checked_at = sa.func.now()  # the database's time, as the facts' kept_at
    session.flush()
    return added


def late_rounds(session: Session) -> list[tuple[str, str]]:
    """Closed rounds about whose quarter (or before it) a fact arrived after their bulletin was last checked."""
    found = []
    for quarter in session.scalars(sa.select(Quarter).where(Quarter.status == "closed")):
        _, last = convening.quarter_bounds(quarter.code)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), SHANGHAI)
        since = quarter.checked_at or dt.datetime.combine(quarter.closed_on or last, dt.time(), SHANGHAI)
        if session.scalar(sa.select(StoredFact.event_id).where(
                StoredFact.kept_at > since, StoredFact.occurred_at < end,
                quarters.in_region(quarter.region_code)).limit(1)) is not None:
            found.append((quarter.region_code, quarter.code))
    return found


def closed_rounds(session: Session) -> list[tuple[str, str]]:
    return [tuple(row) for row in session.execute(
        sa.select(Quarter.region_code, Quarter.code).where(Quarter.status == "closed"))]
