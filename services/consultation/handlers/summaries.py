"""The dashboard's running figures, kept from each fact as it is stored: the money paid out per quarter
and region, and each difficulty's current state; rebuilt from every fact in one pass when the facts
come in some other way (a migration, a benchmark's seed)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.consultation.domain import convening, reports
from services.consultation.models import DifficultyState, QuarterTotal, StoredFact
from shared.bulk import insert_rows
from shared.clock import SHANGHAI

Order = tuple[dt.datetime, str]  # a fact's place: when, then its id (as every read orders them)


def follow(session: Session, rows: list[dict]) -> None:
    """Add newly stored facts (rows as `facts` holds them) to the totals and the difficulties' states."""
    _add_money(session, rows)
    _follow_difficulties(session, rows)


def _add_money(session: Session, rows: list[dict]) -> None:
    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        field = reports.MONEY_FACTS.get(row["event_type"])
        if field is not None:
            quarter = convening.quarter_of(row["occurred_at"].astimezone(SHANGHAI).date())
            total = totals[(row["event_type"], quarter, row["region_code"] or "")]
            total[0] += 1
            total[1] += int(row["payload"].get(field) or 0)
    if not totals:
        return
    insert_rows(session, QuarterTotal.__table__, [
        {"event_type": t, "quarter": q, "region_code": r, "facts": n, "amount_fen": fen}
        for (t, q, r), (n, fen) in sorted(totals.items())],
        on_conflict="(event_type, quarter, region_code) DO UPDATE SET facts = existing.facts + excluded.facts,"
                    " amount_fen = existing.amount_fen + excluded.amount_fen")


def _follow_difficulties(session: Session, rows: list[dict]) -> None:
    latest: dict[str, dict] = {}
    for row in sorted((r for r in rows if r["event_type"].startswith("difficulty_")),
                      key=lambda r: (r["occurred_at"], r["event_id"])):
        p = row["payload"]
        state = latest.setdefault(p["difficulty_id"], {"difficulty_id": p["difficulty_id"], "status": "open",
                                                       "status_at": None, "status_event_id": None})
        state.update(region_code=p["region_code"], category=p["category"], level=p["level"],
                     last_at=row["occurred_at"], last_event_id=row["event_id"])
        if row["event_type"] in convening.STATUS_AFTER:
            state.update(status=convening.STATUS_AFTER[row["event_type"]], status_at=row["occurred_at"],
                         status_event_id=row["event_id"])
    if not latest:
        return
    statement = insert(DifficultyState).values([latest[key] for key in sorted(latest)])
    new, old = statement.excluded, DifficultyState
    later = sa.tuple_(new.last_at, new.last_event_id) > sa.tuple_(old.last_at, old.last_event_id)
    status_later = sa.and_(new.status_at.is_not(None), sa.or_(
        old.status_at.is_(None), sa.tuple_(new.status_at, new.status_event_id) > sa.tuple_(old.status_at,
                                                                                          old.status_event_id)))
    kept = {name: sa.case((later, new[name]), else_=getattr(old, name))
            for name in ("region_code", "category", "level", "last_at", "last_event_id")}
    kept |= {name: sa.case((status_later, new[name]), else_=getattr(old, name))
             for name in ("status", "status_at", "status_event_id")}
    session.execute(statement.on_conflict_do_update(index_elements=[DifficultyState.difficulty_id], set_=kept))


def _clear(session: Session) -> None:
    session.execute(sa.delete(QuarterTotal))
    session.execute(sa.delete(DifficultyState))


def refresh(session: Session) -> None:
    """Both rebuilt from every stored fact, in SQL; facts stored meanwhile add to them once it is done."""
    session.execute(sa.text("LOCK TABLE quarter_totals, difficulty_states IN EXCLUSIVE MODE"))
    _clear(session)
    day = sa.func.timezone("Asia/Shanghai", StoredFact.occurred_at)
    amount = sa.case(*[(StoredFact.event_type == t, StoredFact.payload[f].astext) for t, f in
                       reports.MONEY_FACTS.items()])
    keys = (StoredFact.event_type, sa.func.to_char(day, 'YYYY"Q"Q'), sa.func.coalesce(StoredFact.region_code, ""))
    money = sa.select(*keys, sa.func.count(), sa.func.coalesce(sa.func.sum(sa.cast(amount, sa.BigInteger)), 0)
                      ).where(StoredFact.event_type.in_(reports.MONEY_FACTS)).group_by(*keys)
    session.execute(sa.insert(QuarterTotal).from_select(
        ["event_type", "quarter", "region_code", "facts", "amount_fen"], money))
    session.execute(sa.insert(DifficultyState).from_select(
        ["difficulty_id", "region_code", "category", "level", "last_at", "last_event_id", "status", "status_at",
         "status_event_id"], _states()))


def _states():
    """Each difficulty's latest fact, and its latest fact that set its status (open when none did)."""
    p = StoredFact.payload
    difficulty = p["difficulty_id"].astext
    order = (difficulty, StoredFact.occurred_at.desc(), StoredFact.event_id.desc())
    last = (sa.select(difficulty.label("id"), p["region_code"].astext.label("region_code"),
                      p["category"].astext.label("category"), p["level"].astext.label("level"),
                      StoredFact.occurred_at, StoredFact.event_id)
            .where(StoredFact.event_type.startswith("difficulty_", autoescape=True))
            .distinct(difficulty).order_by(*order).subquery())
    status = sa.case(*[(StoredFact.event_type == t, s) for t, s in convening.STATUS_AFTER.items()])
    changed = (sa.select(difficulty.label("id"), status.label("status"), StoredFact.occurred_at, StoredFact.event_id)
               .where(StoredFact.event_type.in_(convening.STATUS_AFTER))
               .distinct(difficulty).order_by(*order).subquery())
    return (sa.select(last.c.id, last.c.region_code, last.c.category, last.c.level, last.c.occurred_at,
                      last.c.event_id, sa.func.coalesce(changed.c.status, "open"), changed.c.occurred_at,
                      changed.c.event_id)
            .outerjoin(changed, changed.c.id == last.c.id))
