"""The quarter's service layer: keep every fact, open a quarter with its roster and agenda, record the
meeting and its resolutions, follow them up, close the quarter with its bulletin."""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from services.consultation.domain import convening, reports
from services.consultation.domain.departments import Directory
from services.consultation.handlers import departments, heads, summaries
from services.consultation.models import (
    AgendaItem,
    Base,
    Meeting,
    ProgressNote,
    Quarter,
    Resolution,
    RosterEntry,
    StoredFact,
)
from shared import events, regions
from shared.actors import Actor, programme_city
from shared.bulk import insert_rows
from shared.clock import SHANGHAI
from shared.contracts import TodoItem
from shared.contracts import consultation as ce
from shared.contracts.escalation import CATEGORY_NAMES, LEVEL_NAMES, ResolutionAssigned
from shared.errors import Forbidden, InvalidInput, InvalidState, NotFound
from shared.events import Envelope

SYSTEM = "系统（季度截止）"
DIFFICULTY_FACTS = StoredFact.event_type.startswith("difficulty_", autoescape=True)


def _row(envelope: Envelope) -> dict:
    payload = envelope.payload
    return {"event_id": envelope.event_id, "event_type": envelope.event_type, "producer": envelope.producer,
            "occurred_at": envelope.occurred_at, "enterprise_id": payload.get("enterprise_id"),
            "region_code": payload.get("region_code"), "payload": payload}


def keep_many(session: Session, envelopes: list[Envelope], follow: bool = True) -> None:
    """Store facts once each, in one statement (a batch of deliveries, a replay's page), and follow
    the new ones in the dashboard's figures (unless the caller rebuilds those once all are stored)."""
    if envelopes:
        rows: dict[str, dict] = {}
        for envelope in envelopes:  # the first of any event twice in the page
            rows.setdefault(envelope.event_id, _row(envelope))
        stored = [row.event_id for row in insert_rows(session, StoredFact.__table__, list(rows.values()),
                                                      skip_existing=True, returning=("event_id",))]
        if follow:
            summaries.follow(session, [rows[event_id] for event_id in stored])


RECOVERED_LOAN = ("loan_back_to_repaying", "loan_settled")


def keep(session: Session, envelopes: list[Envelope]) -> None:
    """Store facts once each (a redelivery changes nothing); a closed difficulty closes its agenda items,
    a loan repaid again or settled closes its own, and staff back to their number close theirs."""
    keep_many(session, envelopes)
    for envelope in envelopes:
        payload, on = envelope.payload, envelope.occurred_at.astimezone(SHANGHAI).date()
        if envelope.event_type == "difficulty_closed":
            _close_items(session, AgendaItem.difficulty_id == payload["difficulty_id"],
                         dt.date.fromisoformat(payload["closed_on"]))
        elif envelope.event_type in RECOVERED_LOAN:
            _close_items(session, AgendaItem.subject_key == f"loan:{payload['loan_id']}", on)
        elif (envelope.event_type == "enterprise_headcount_reported"
              and payload.get("previous_headcount") is not None
              and payload["headcount"] >= payload["previous_headcount"]):
            _close_items(session, AgendaItem.subject_key == f"staff:{payload['enterprise_id']}", on)


def _close_items(session: Session, which, on: dt.date) -> None:
    session.execute(sa.update(AgendaItem).where(which, AgendaItem.status == "open").values(status="closed",
                                                                                           closed_on=on))


def facts(session: Session, *where) -> list[convening.Fact]:
    query = sa.select(StoredFact.event_type, StoredFact.occurred_at, StoredFact.payload, StoredFact.event_id).where(
        *where).order_by(StoredFact.occurred_at, StoredFact.event_id)
    return [convening.Fact(t, at, p, i) for t, at, p, i in session.connection().execute(query)]


def lean_facts(session: Session, fields: dict[str, type], *where) -> list[convening.Fact]:
    """Facts carrying only these fields of their payload (those it has), each read as text and made its
    type: what a report or the rules read of them, at a fraction of the cost of whole payloads."""
    names = list(fields)
    query = sa.select(StoredFact.event_type, StoredFact.occurred_at, StoredFact.event_id,
                      *[StoredFact.payload[name].astext for name in names]).where(
        *where).order_by(StoredFact.occurred_at, StoredFact.event_id)
    made = [(name, make) for name, make in fields.items() if make is not str]  # text already

    def payload(values) -> dict:
        found = {name: value for name, value in zip(names, values, strict=True) if value is not None}
        for name, make in made:
            if name in found:
                found[name] = make(found[name])
        return found

    rows = session.connection().execute(query)  # plain rows: the ORM's result layer costs as much again
    return [convening.Fact(row[0], row[1], payload(row[3:]), row[2]) for row in rows]


def in_region(scope: str):
    """The facts of a region and below (its code's significant prefix)."""
    return StoredFact.region_code.startswith(regions.jurisdiction_prefix(scope), autoescape=True)


def enterprise(session: Session, enterprise_id: str) -> dict | None:
    return session.scalar(sa.select(StoredFact.payload).where(StoredFact.enterprise_id == enterprise_id,
                                                               StoredFact.event_type == "enterprise_registered"))


# ---- rounds: each city holds its own quarter, after each of its counties held theirs ---------------

ROUND_LEVELS = ("city", "county")


def round_region(actor: Actor | None, region: str | None) -> str:
    """The region whose round is meant: the one named (a city or a county), else the caller's city
    (a province official names one)."""
    if region:
        code = regions.check_known(region, "region")
        if regions.level_of(code) not in ROUND_LEVELS:
            raise InvalidInput("round_region_level", "region", "季度会商由市或县（区）组织，请选择一个市或县（区）")
        return code
    city = regions.city_of(actor.region_code) if actor is not None and actor.is_official else None
    if city is None:
        raise InvalidInput("region_required", "region", "请指明查看哪个市或县（区）的季度会商")
    return city


def may_view(actor: Actor, region: str) -> bool:
    """Officials of the round's region and above (a province's read every city's), and those below
    it (who see their own part of it); another city's officials know nothing of it."""
    return actor.is_official and (actor.governs(region) or regions.within(region, actor.region_code or ""))


def require_organiser(actor: Actor | None, region: str) -> None:
    """A round is held by its own region's officials: the city's by the city's, a county's by the county's."""
    if actor is None or (actor.is_official and regions.normalize(actor.region_code or "") == region):
        return
    if regions.level_of(region) == "city":
        raise Forbidden("city_level_required", None, "季度困难会商会由本市市级工作人员组织")
    raise Forbidden("county_level_required", None, "县（区）级季度会商由本县（区）工作人员组织")


def organised_round(actor: Actor, region: str | None) -> str:
    """The round the caller means to act on as its organiser (checked)."""
    if not actor.is_official:
        raise Forbidden("city_level_required", None, "季度困难会商会由本市市级工作人员组织")
    code = round_region(actor, region)
    if not may_view(actor, code):  # another city's (or county's) round: as unknown as one never opened
        raise NotFound("quarter_not_found", "quarter", "没有这个季度会商")
    require_organiser(actor, code)
    return code


def round_label(region: str) -> str:
    """How a round is named on its pages and in its bulletin: 内江市, 东兴区."""
    return regions.name_of(region)


def rounds_holding(session: Session) -> list[str]:
    """The regions whose rounds the cut-off timer opens: the programme city and every city or county
    that has held a round on this system; the counties first, as they meet before their city."""
    held = session.scalars(sa.select(Quarter.region_code).distinct()).all()
    return sorted({programme_city(), *held}, key=lambda code: (code.endswith("00000000"), code))


def require_official(actor: Actor) -> None:
    if not actor.is_official:
        raise Forbidden("official_required", None, "只有工作人员可以查看季度会商")


# ---- writing many rows: the opening's roster and agenda (handlers/opening.py), an official's addition


def insert_all(session: Session, model: type[Base], rows: list[dict]) -> None:
    """Rows (dicts with the same keys) in one statement that reads them as one JSON document: tens of
    thousands of rows in a fraction of the time a batch of VALUES takes."""
    if not rows:
        return
    table = model.__table__
    names = ", ".join(f'"{name}"' for name in rows[0])
    spec = ", ".join(f'"{name}" {table.c[name].type.compile(dialect=postgresql.dialect())}' for name in rows[0])
    session.execute(sa.text(f"INSERT INTO {table.name} ({names}) SELECT {names} "
                            f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({spec})"),
                    {"rows": json.dumps(rows, default=str, ensure_ascii=False)})


def of_round(model, quarter: Quarter):
    """The rows of one round (a city's or a county's quarter)."""
    return sa.and_(model.round_region == quarter.region_code, model.quarter == quarter.code)


def new_item(quarter: Quarter, **fields) -> dict:
    """An agenda item's row for `insert_all`: every column, the round's and the item's own."""
    return {"id": str(uuid.uuid4()), "round_region": quarter.region_code, "quarter": quarter.code,
            "kind": "difficulty", "difficulty_id": None, "subject_key": None,
            "carried_over_from": None, "status": "open", "closed_on": None, "referred_on": None,
            "referral_note": None, "referred_from": None, **fields}


def add_subject_items(session: Session, quarter: Quarter, entries: list[dict]) -> None:
    """An agenda item for each late loan and each fall in staff that convened an enterprise (once per
    round), so that the meeting can assign it a resolution as it does a difficulty."""
    present = set(session.scalars(sa.select(AgendaItem.subject_key).where(
        of_round(AgendaItem, quarter), AgendaItem.subject_key.is_not(None))))
    items = []
    for entry in entries:
        for subject in convening.subjects(entry["enterprise_id"], entry["reasons"], entry["evidence"]):
            if subject["subject_key"] in present:
                continue
            present.add(subject["subject_key"])
            items.append(new_item(quarter, **subject, enterprise_id=entry["enterprise_id"],
                                  enterprise_name=entry["enterprise_name"], region_code=entry["region_code"],
                                  category=subject["kind"], level=quarter.level))
    insert_all(session, AgendaItem, items)


def add_items(session: Session, quarter: Quarter, states: dict[str, dict], enterprise_ids: list[str],
              known: dict[str, dict]) -> None:
    """An agenda item for each difficulty of these enterprises not yet closed (once per round)."""
    present = set(session.scalars(sa.select(AgendaItem.difficulty_id).where(
        of_round(AgendaItem, quarter), AgendaItem.difficulty_id.is_not(None))))
    items = []
    for state in convening.agenda(states, enterprise_ids):
        if state["difficulty_id"] in present:
            continue
        firm = known.get(state["enterprise_id"], {})
        items.append(new_item(quarter, difficulty_id=state["difficulty_id"], reference=state["reference"],
                              enterprise_id=state["enterprise_id"],
                              enterprise_name=firm.get("name", state["enterprise_id"]),
                              region_code=state["region_code"], category=state["category"], level=state["level"],
                              reported_on=state["reported_on"]))
    insert_all(session, AgendaItem, items)


def get(session: Session, region: str, code: str, actor: Actor | None = None) -> Quarter:
    """The round; another city's (or county's) officials are told what they would be of a round never opened."""
    quarter = session.get(Quarter, (region, code))
    if quarter is None or (actor is not None and not may_view(actor, region)):
        raise NotFound("quarter_not_found", "quarter", f"{code}的会商尚未开启")
    return quarter


def read(session: Session, quarter: Quarter, actor: Actor | None, entries: list | None = None) -> dict:
    """The quarter with the roster entries the caller may see (their region and below); `entries`:
    the roster as just written, in its order (by enterprise name from the table otherwise)."""
    if entries is None:
        entries = session.connection().execute(sa.select(*RosterEntry.__table__.c).where(
            of_round(RosterEntry, quarter)).order_by(RosterEntry.enterprise_name)).mappings().all()
    governed = _governs(actor)
    meeting = session.get(Meeting, (quarter.region_code, quarter.code))
    return {"quarter": quarter.code, **round_of(quarter), "status": quarter.status, "cutoff": quarter.cutoff,
            "opened_by": quarter.opened_by, "opened_at": quarter.opened_at, "closed_on": quarter.closed_on,
            "closed_by": quarter.closed_by,
            "meeting": _meeting(meeting, departments.directory(session, quarter.region_code)) if meeting else None,
            "roster": [_entry(e) for e in entries if governed(e["region_code"])], "rules": list(convening.RULES),
            "county_rounds": county_rounds(session, quarter, actor) if quarter.level == "city" else []}


def county_rounds(session: Session, city: Quarter, actor: Actor | None) -> list[dict]:
    """On a city's round: each county's own round of the quarter (the caller's counties), whether it
    was held and how many items it sent up."""
    prefix = regions.jurisdiction_prefix(city.region_code)
    held = {q.region_code: q for q in session.scalars(sa.select(Quarter).where(
        Quarter.code == city.code, Quarter.region_code.startswith(prefix), Quarter.region_code != city.region_code))}
    sent = dict(session.execute(sa.select(AgendaItem.round_region, sa.func.count()).where(
        AgendaItem.quarter == city.code, AgendaItem.round_region.in_(list(held)),
        AgendaItem.referred_on.is_not(None), AgendaItem.referred_from.is_(None)).group_by(AgendaItem.round_region)).all())
    shown = []
    for code, name in regions.children_of(city.region_code):
        if actor is not None and not may_view(actor, code):
            continue
        round_ = held.get(code)
        shown.append({"region_code": code, "region_name": name, "status": round_.status if round_ else "none",
                      "sent_up": sent.get(code, 0)})
    return shown


def round_of(quarter: Quarter) -> dict:
    return {"region_code": quarter.region_code, "region_name": round_label(quarter.region_code),
            "level": quarter.level}


def _governs(actor: Actor | None):
    """Whether the caller governs a region code, worked out once per code (a roster has few)."""
    return (lambda code: True) if actor is None else functools.cache(actor.governs)


_region_name = functools.cache(regions.full_name)


def _entry(e) -> dict:
    return {"enterprise_id": e["enterprise_id"], "enterprise_name": e["enterprise_name"],
            "region_code": e["region_code"], "region_name": _region_name(e["region_code"]) if e["region_code"] else "",
            "reasons": e["reasons"],
            "evidence": [{**f, "title": reports.TITLES.get(f["event_type"], ("",))[0]} for f in e["evidence"] or []],
            "source": e["source"], "removed": e["removed"], "note": e["note"], "changed_by": e["changed_by"]}


def the_round(session: Session, actor: Actor, region: str | None, code: str) -> Quarter:
    """The round an official asks for (their city's unless they name one), as they may see it."""
    require_official(actor)
    return get(session, round_region(actor, region), code, actor)


def view(session: Session, actor: Actor, region: str | None, code: str) -> dict:
    return read(session, the_round(session, actor, region, code), actor)


def adjust(uow, actor: Actor, region: str | None, code: str, enterprise_id: str, add: bool, reason: str) -> dict:
    """An official adds or removes an enterprise of their region, always with a reason (a county's
    round by the county's own officials)."""
    session = uow.session
    if not actor.is_official or actor.level not in ("county", "city"):
        raise Forbidden("county_level_required", None, "县（区）级及以上工作人员可以调整会商名单")
    if len(reason.strip()) < 2:
        raise InvalidInput("reason_required", "reason", "调整名单须写明理由")
    quarter = the_round(session, actor, region, code)
    if quarter.level == "county":
        require_organiser(actor, quarter.region_code)
    _require_open(quarter)
    firm = enterprise(session, enterprise_id) or _named(session, actor, enterprise_id.strip())
    enterprise_id = firm["enterprise_id"] if firm else enterprise_id
    entry = session.get(RosterEntry, (quarter.region_code, code, enterprise_id))
    place = entry.region_code if entry else (firm or {}).get("region_code")
    if place is None or not actor.governs(place) or not regions.within(quarter.region_code, place):
        raise NotFound("enterprise_not_found", "enterprise_id", "没有这个经营主体，或不在您的辖区")
    created = entry is None
    if created:
        entry = RosterEntry(round_region=quarter.region_code, quarter=code, enterprise_id=enterprise_id,
                            enterprise_name=firm["name"], region_code=place, reasons=[], source="official")
        session.add(entry)
    entry.removed, entry.note, entry.changed_by = not add, reason.strip(), actor.username
    if add:
        entry.reasons = [*entry.reasons, f"工作人员增列：{reason.strip()}"]
        session.flush()
        add_items(session, quarter, convening.difficulty_states(
            facts(session, StoredFact.enterprise_id == enterprise_id)), [enterprise_id], {enterprise_id: firm} if firm else {})
        add_subject_items(session, quarter, [{"enterprise_id": entry.enterprise_id, "reasons": entry.reasons,
                                              "evidence": entry.evidence or [], "enterprise_name": entry.enterprise_name,
                                              "region_code": entry.region_code}])
    session.flush()
    view = read(session, quarter, actor)
    if created:  # a new entry comes last, as it was added
        view["roster"].sort(key=lambda e: e["enterprise_id"] == enterprise_id)
    return view


CANDIDATES_SHOWN = 10


def _named(session: Session, actor: Actor, text: str) -> dict | None:
    """The enterprise of the official's region with this name or unified social credit code, or
    the only one whose name holds the text or whose code starts with it. Several: refused with
    the candidates (at most ten) for the official to choose from, by name, code and region."""
    registered = sa.select(StoredFact.payload).where(StoredFact.event_type == "enterprise_registered",
                                                     in_region(actor.region_code or ""))
    name, code = StoredFact.payload["name"].astext, StoredFact.payload["credit_code"].astext
    found = session.scalars(registered.where(sa.or_(name == text, code == text.upper())).limit(2)).all()
    if not found and len(text) >= 2:
        found = session.scalars(registered.where(sa.or_(
            name.contains(text, autoescape=True), code.startswith(text.upper(), autoescape=True)))
            .order_by(name).limit(CANDIDATES_SHOWN + 1)).all()
    if len(found) > 1:
        candidates = [{"enterprise_id": f["enterprise_id"], "name": f["name"], "credit_code": f["credit_code"],
                       "region_code": f["region_code"]} for f in found[:CANDIDATES_SHOWN]]
        more = "（只列出前10个，请写得更完整些）" if len(found) > CANDIDATES_SHOWN else ""
        raise InvalidInput("enterprise_ambiguous", "enterprise_id",
                           f"辖区内有多个经营主体与“{text}”相符，请从下列中选择{more}",
                           details={"candidates": candidates})
    return found[0] if found else None


def _require_open(quarter: Quarter) -> None:
    if quarter.status != "open":
        raise InvalidState("quarter_closed", "quarter", "本季度会商已结束，不能再修改")


# ---- agenda, meeting, resolutions ---------------------------------------------------------------


def removed(quarter: Quarter):
    """The enterprises taken off the round's roster."""
    return sa.select(RosterEntry.enterprise_id).where(of_round(RosterEntry, quarter), RosterEntry.removed.is_(True))


def _items(session: Session, quarter: Quarter, actor: Actor | None) -> list:
    """The round's items (of the caller's region) as rows, without those of enterprises taken off the roster."""
    query = sa.select(*AgendaItem.__table__.c).where(of_round(AgendaItem, quarter),
                                                     AgendaItem.enterprise_id.not_in(removed(quarter)))
    if actor is not None:
        query = query.where(_in_jurisdiction(AgendaItem.region_code, actor))
    return list(session.connection().execute(query.order_by(AgendaItem.enterprise_name, AgendaItem.category,
                                                            AgendaItem.reference)))


def _in_jurisdiction(column, actor: Actor):
    return column.startswith(regions.jurisdiction_prefix(actor.region_code or ""), autoescape=True)


def _resolutions_of(session: Session, quarter: Quarter, actor: Actor) -> dict[str, Resolution]:
    """The quarter's resolutions of the caller's region, by their item."""
    query = (sa.select(Resolution).join(AgendaItem, AgendaItem.id == Resolution.item_id)
             .where(of_round(Resolution, quarter), _in_jurisdiction(AgendaItem.region_code, actor)))
    return {r.item_id: r for r in session.scalars(query)}


def _resolution(r: Resolution, today: dt.date, known: Directory) -> dict:
    """A resolution with its departments by their names in the list now (and their codes)."""
    (lead,), (lead_code,) = departments.as_read(known, [r.lead_department_code], [r.lead_department])
    co, co_codes = departments.as_read(known, r.co_department_codes, r.co_departments)
    return {"id": r.id, "item_id": r.item_id, "quarter": r.quarter, "round_region": r.round_region,
            "difficulty_id": r.item.difficulty_id, "kind": r.item.kind, "link": item_link(r.item),
            "reference": r.item.reference, "enterprise_id": r.item.enterprise_id,
            "enterprise_name": r.item.enterprise_name, "region_code": r.item.region_code,
            "lead_department": lead, "lead_department_code": lead_code, "co_departments": co,
            "co_department_codes": co_codes, "measure": r.measure,
            "deadline": r.deadline, "progress": r.progress, "assigned_by": r.assigned_by,
            "overdue": r.overdue or (r.item.status == "open" and r.deadline < today),
            "closed": r.item.status == "closed", "closed_on": r.item.closed_on,
            "notes": [{"noted_on": n.noted_on, "progress": n.progress, "note": n.note, "noted_by": n.noted_by}
                      for n in r.notes]}


def category_name(category: str) -> str:
    """A difficulty's category, or what convened an enterprise without one (a late loan, fewer staff)."""
    return CATEGORY_NAMES.get(category) or convening.SUBJECT_NAMES.get(category, category)


def item_link(i) -> str:
    """Where the item's subject is followed: its difficulty, its loan, or its enterprise's timeline."""
    if i.difficulty_id:
        return f"/difficulties/{i.difficulty_id}"
    if (i.subject_key or "").startswith("loan:"):
        return f"/loans/{i.subject_key.removeprefix('loan:')}"
    return f"/enterprises/{i.enterprise_id}/timeline"


def _item(i, resolution: Resolution | None, today: dt.date, known: Directory) -> dict:
    return {"id": i.id, "kind": i.kind, "difficulty_id": i.difficulty_id, "subject_key": i.subject_key,
            "link": item_link(i), "reference": i.reference, "category": i.category,
            "category_name": category_name(i.category),
            "level": i.level,
            "level_name": LEVEL_NAMES.get(i.level, i.level), "reported_on": i.reported_on,
            "carried_over_from": i.carried_over_from, "status": i.status, "closed_on": i.closed_on,
            "referred_on": i.referred_on, "referral_note": i.referral_note, "referred_from": i.referred_from,
            "referred_from_name": regions.name_of(i.referred_from) if i.referred_from else None,
            "resolution": _resolution(resolution, today, known) if resolution else None}


def agenda(session: Session, actor: Actor, region: str | None, code: str, today: dt.date) -> dict:
    """The items of the caller's region, grouped by enterprise and then by category; on a city's
    round, each item a county sent up says which county and why."""
    quarter = the_round(session, actor, region, code)
    resolved = _resolutions_of(session, quarter, actor)
    known = departments.directory(session, quarter.region_code)
    groups: dict[str, dict] = {}
    for item in _items(session, quarter, actor):
        group = groups.get(item.enterprise_id)
        if group is None:
            group = groups[item.enterprise_id] = {
                "enterprise_id": item.enterprise_id, "enterprise_name": item.enterprise_name,
                "region_code": item.region_code, "region_name": _region_name(item.region_code), "categories": {}}
        group["categories"].setdefault(item.category, []).append(_item(item, resolved.get(item.id), today, known))
    enterprises_ = [{**g, "categories": [{"category": c, "category_name": category_name(c), "items": items}
                                         for c, items in sorted(g["categories"].items())]}
                    for g in groups.values()]
    return {"quarter": code, **round_of(quarter), "status": quarter.status, "enterprises": enterprises_,
            "items": sum(len(c["items"]) for g in enterprises_ for c in g["categories"])}


def _meeting(m: Meeting, known: Directory) -> dict:
    names, codes = departments.as_read(known, m.department_codes, m.departments)
    return {"held_on": m.held_on, "chair": m.chair, "departments": names, "department_codes": codes,
            "minutes": m.minutes, "recorded_by": m.recorded_by, "recorded_at": m.recorded_at}


def record_meeting(uow, actor: Actor, region: str | None, code: str, data, today: dt.date) -> dict:
    """The meeting: date, chair, departments present (from the list) and minutes (recorded once;
    corrections allowed)."""
    session = uow.session
    quarter = get(session, organised_round(actor, region), code)
    _require_open(quarter)
    known = departments.directory(session, quarter.region_code)
    present = known.pick_all(data.departments, "departments")
    if data.held_on > today:
        raise InvalidInput("held_on_future", "held_on", "会商日期不能晚于今天")
    if data.held_on < convening.quarter_bounds(code)[0]:
        raise InvalidInput("held_on_before_quarter", "held_on", "会商日期不能早于本季度开始")
    meeting = session.get(Meeting, (quarter.region_code, code))
    first_time = meeting is None
    if first_time:
        meeting = Meeting(round_region=quarter.region_code, quarter=code)
        session.add(meeting)
    meeting.held_on, meeting.chair = data.held_on, data.chair
    meeting.departments, meeting.department_codes = [d.name for d in present], [d.code for d in present]
    meeting.minutes, meeting.recorded_by = data.minutes, actor.username
    session.flush()
    if first_time:
        items = _items(session, quarter, None)
        uow.publish(events.make_event(ce.ConsultationConvened(
            quarter=code, region_code=quarter.region_code, held_on=data.held_on, chair=data.chair, departments=meeting.departments,
            enterprises=len({i.enterprise_id for i in items}), agenda_items=len(items))))
    return _meeting(meeting, known)


def round_item(session: Session, quarter: Quarter, item_id: str) -> AgendaItem:
    """An item of this round's agenda whose enterprise is still on its roster."""
    item = session.get(AgendaItem, item_id)
    entry = (session.get(RosterEntry, (quarter.region_code, quarter.code, item.enterprise_id))
             if item is not None else None)
    if (item is None or (item.round_region, item.quarter) != (quarter.region_code, quarter.code)
            or (entry is not None and entry.removed)):
        raise NotFound("item_not_found", "item_id", "本季度议程中没有这个事项")
    return item


def assign(uow, actor: Actor, region: str | None, code: str, data, today: dt.date) -> dict:
    """The meeting's decision on one item, sent to escalation to attach to the difficulty."""
    session = uow.session
    quarter = get(session, organised_round(actor, region), code)
    _require_open(quarter)
    if session.get(Meeting, (quarter.region_code, code)) is None:
        raise InvalidState("meeting_required", "meeting", "请先登记会商会议（日期、主持人、参会单位）")
    item = round_item(session, quarter, data.item_id)
    if item.status == "closed":
        raise InvalidState("item_closed", "item_id", "该困难问题已销号，无需交办")
    if item.resolution is not None:
        raise InvalidState("resolution_exists", "item_id", "该事项已交办，请跟进办理进度")
    if data.deadline <= today:
        raise InvalidInput("deadline_past", "deadline", "完成时限须晚于今天")
    known = departments.directory(session, quarter.region_code)
    lead = known.pick(data.lead_department, "lead_department")
    helping = known.pick_all(data.co_departments, "co_departments", leaving_out=lead)
    resolution = Resolution(id=str(uuid.uuid4()), item_id=item.id, round_region=quarter.region_code, quarter=code,
                            lead_department=lead.name,
                            lead_department_code=lead.code, co_departments=[d.name for d in helping],
                            co_department_codes=[d.code for d in helping], measure=data.measure,
                            deadline=data.deadline, progress=0, overdue=False, assigned_by=actor.username)
    session.add(resolution)
    session.flush()
    session.refresh(item)
    if item.difficulty_id:  # escalation attaches it to the difficulty; a loan's or staff's item stays here
        uow.publish(events.make_event(ResolutionAssigned(
            resolution_id=resolution.id, quarter=code, difficulty_id=item.difficulty_id,
            enterprise_id=item.enterprise_id, lead_department=lead.name, co_departments=resolution.co_departments,
            measure=data.measure, deadline=data.deadline, lead_department_code=lead.code,
            co_department_codes=resolution.co_department_codes)))
    return _resolution(resolution, today, known)


def refer(uow, actor: Actor, region: str | None, code: str, item_id: str, note: str, today: dt.date) -> dict:
    """A county's round sends an item it cannot settle up to its city's round, with the county's note
    (once: sending it again changes nothing). The city's round takes it at once if open, else when it opens."""
    session = uow.session
    quarter = get(session, organised_round(actor, region), code)
    if quarter.level != "county":
        raise InvalidState("not_a_county_round", "region", "只有县（区）级会商的事项可以提交市级会商")
    _require_open(quarter)
    item = round_item(session, quarter, item_id)
    if item.referred_on is None:
        if item.status == "closed":
            raise InvalidState("item_closed", "item_id", "该困难问题已销号，无需提交市级会商")
        city = session.get(Quarter, (regions.city_of(quarter.region_code), code))
        if city is not None and city.status != "open":
            raise InvalidState("city_round_closed", "item_id", "本季度市级会商已结束，请在下季度提交")
        item.referred_on, item.referral_note = today, note
        session.flush()
        if city is not None:
            send_up(session, city, [item])
        uow.publish(events.make_event(ce.ItemReferred(
            quarter=code, region_code=quarter.region_code, difficulty_id=item.difficulty_id or "",
            enterprise_id=item.enterprise_id, reference=item.reference, note=note, referred_on=today)))
    return _item(item, item.resolution, today, departments.directory(session, item.round_region))


def referred(session: Session, city: Quarter) -> list[AgendaItem]:
    """What the city's counties sent up for this quarter, from rounds of the city other than its own."""
    return list(session.scalars(sa.select(AgendaItem).where(
        AgendaItem.quarter == city.code, AgendaItem.referred_on.is_not(None), AgendaItem.referred_from.is_(None),
        AgendaItem.round_region.startswith(regions.jurisdiction_prefix(city.region_code)),
        AgendaItem.round_region != city.region_code)))


def send_up(session: Session, city: Quarter, items: list[AgendaItem]) -> None:
    """County items onto the city's round: their enterprise onto its roster (unless the city took it
    off), the item onto its agenda marked with the county and its note (once each)."""
    for item in items:
        county = round_label(item.round_region)
        why = f"{county}季度会商提交市级：{item.referral_note}"
        entry = session.get(RosterEntry, (city.region_code, city.code, item.enterprise_id))
        if entry is None:
            session.add(RosterEntry(round_region=city.region_code, quarter=city.code, enterprise_id=item.enterprise_id,
                                    enterprise_name=item.enterprise_name, region_code=item.region_code,
                                    reasons=[why], evidence=[], source="county", removed=False, note=""))
        elif why not in entry.reasons:
            entry.reasons = [*entry.reasons, why]
        session.flush()
        same = (AgendaItem.difficulty_id == item.difficulty_id if item.difficulty_id
                else AgendaItem.subject_key == item.subject_key)
        on_agenda = session.scalar(sa.select(AgendaItem).where(of_round(AgendaItem, city), same))
        if on_agenda is None:
            insert_all(session, AgendaItem, [new_item(
                city, kind=item.kind, difficulty_id=item.difficulty_id, subject_key=item.subject_key,
                reference=item.reference, enterprise_id=item.enterprise_id,
                enterprise_name=item.enterprise_name, region_code=item.region_code, category=item.category,
                level=item.level, reported_on=item.reported_on, status=item.status, closed_on=item.closed_on,
                referred_on=item.referred_on, referral_note=item.referral_note, referred_from=item.round_region)])
        elif on_agenda.referred_from is None:
            on_agenda.referred_on, on_agenda.referral_note = item.referred_on, item.referral_note
            on_agenda.referred_from = item.round_region
    session.flush()


def resolutions(session: Session, actor: Actor, region: str | None, code: str, today: dt.date) -> list[dict]:
    quarter = the_round(session, actor, region, code)
    rows = session.scalars(sa.select(Resolution).where(of_round(Resolution, quarter)).order_by(
        Resolution.deadline, Resolution.id)).all()
    known = departments.directory(session, quarter.region_code)
    return [_resolution(r, today, known) for r in rows if actor.governs(r.item.region_code)]


def todo(session: Session, actor: Actor, today: dt.date) -> list[dict]:
    """For county and city officials (who record the progress): the meeting's resolutions in their
    region whose difficulty is still open, with the nearest deadline and how many are past it; the
    link opens the quarter of the nearest one."""
    if not actor.is_official or actor.level not in ("county", "city"):
        return []
    open_here = (AgendaItem.status == "open",
                 AgendaItem.region_code.startswith(regions.jurisdiction_prefix(actor.region_code)))
    count, due_on, overdue = session.execute(
        sa.select(sa.func.count(), sa.func.min(Resolution.deadline),
                  sa.func.count().filter(Resolution.deadline < today))
        .join(Resolution.item).where(*open_here)).one()
    nearest = session.execute(
        sa.select(Resolution.quarter, Resolution.round_region).join(Resolution.item)
        .where(*open_here, Resolution.deadline == due_on).limit(1)).first() if count else None
    return [TodoItem(kind="resolutions_to_follow", title="会商交办事项，待跟进办理进度", count=count,
                     overdue=overdue, due_on=due_on,
                     link=round_link(actor, *nearest) if nearest else "/quarters").as_json()]


def round_link(actor: Actor, code: str, region: str) -> str:
    """A round's page: the caller's city's by its quarter alone, any other's with its region."""
    mine = regions.city_of(actor.region_code or "") if actor.is_official else None
    return f"/quarters/{code}" if region == mine else f"/quarters/{code}?region={region}"


def get_resolution(session: Session, actor: Actor, resolution_id: str) -> Resolution:
    resolution = session.get(Resolution, resolution_id)
    if resolution is None or not actor.governs(resolution.item.region_code):
        raise NotFound("resolution_not_found", "resolution_id", "没有这个会商交办事项，或不在您的辖区")
    return resolution


def assigned_by_organiser(session: Session, actor: Actor, resolution_id: str) -> Resolution:
    """A resolution as the round's organisers, who may assign it, see it."""
    resolution = get_resolution(session, actor, resolution_id)
    require_organiser(actor, resolution.round_region)
    return resolution


def progress(uow, actor: Actor, resolution_id: str, data, today: dt.date) -> dict:
    """A dated note of how far the lead department has got (0-100 %). For a difficulty, 100 % still waits
    for its sign-off; a loan's or staff's item (no difficulty to sign off) is settled at 100 %."""
    session = uow.session
    resolution = get_resolution(session, actor, resolution_id)
    if actor.level not in ("county", "city"):
        raise Forbidden("county_level_required", None, "县（区）级及以上工作人员可以登记办理进度")
    if resolution.item.status == "closed":
        raise InvalidState("item_closed", "progress", "该困难问题已销号，办理已结束" if resolution.item.difficulty_id
                           else "该事项已办结，办理已结束")
    resolution.progress = data.progress
    resolution.notes.append(ProgressNote(noted_on=today, progress=data.progress, note=data.note,
                                         noted_by=actor.username))
    if data.progress == 100 and resolution.item.difficulty_id is None:
        resolution.item.status, resolution.item.closed_on = "closed", today
    session.flush()
    uow.publish(events.make_event(ce.ResolutionProgressed(
        quarter=resolution.quarter, region_code=resolution.round_region, resolution_id=resolution.id,
        difficulty_id=resolution.item.difficulty_id or "",
        enterprise_id=resolution.item.enterprise_id, progress=data.progress, note=data.note, noted_on=today)))
    return _resolution(resolution, today, departments.directory(session, resolution.round_region))


def overdue_ids(session: Session, today: dt.date) -> list[str]:
    return list(session.scalars(
        sa.select(Resolution.id).join(AgendaItem, AgendaItem.id == Resolution.item_id)
        .where(Resolution.deadline < today, Resolution.overdue.is_(False), AgendaItem.status == "open")))


def flag_overdue(uow, resolution_id: str, today: dt.date) -> str | None:
    """Flag one resolution past its deadline, once (a row another sweep holds is left to it)."""
    resolution = uow.session.get(Resolution, resolution_id, with_for_update={"skip_locked": True, "of": Resolution})
    if resolution is None or resolution.overdue or resolution.deadline >= today or resolution.item.status != "open":
        return None
    resolution.overdue = True
    uow.publish(events.make_event(ce.ResolutionOverdue(
        quarter=resolution.quarter, region_code=resolution.round_region, resolution_id=resolution.id,
        difficulty_id=resolution.item.difficulty_id or "",
        enterprise_id=resolution.item.enterprise_id, lead_department=resolution.lead_department,
        deadline=resolution.deadline, progress=resolution.progress)))
    return "flagged"


# ---- closing and the bulletin --------------------------------------------------------------------


def _report_items(session: Session, quarter: Quarter) -> list[dict]:
    """The round's items as the bulletin counts them, without those of enterprises taken off the roster."""
    query = (sa.select(AgendaItem.difficulty_id, AgendaItem.region_code, AgendaItem.status, AgendaItem.closed_on,
                       AgendaItem.quarter, Resolution.lead_department, Resolution.lead_department_code)
             .outerjoin(Resolution, Resolution.item_id == AgendaItem.id)
             .where(of_round(AgendaItem, quarter), AgendaItem.enterprise_id.not_in(removed(quarter))))
    known = departments.directory(session, quarter.region_code)
    items = [dict(row) for row in session.connection().execute(query).mappings()]
    for item in items:  # by the list: a department it has come to know by an old spelling counts as itself
        if item["lead_department"]:
            (item["lead_department"],), (item["lead_department_code"],) = departments.as_read(
                known, [item["lead_department_code"]], [item["lead_department"]])
    return items


def compute_bulletin(session: Session, quarter: Quarter, scope: str, today: dt.date) -> dict:
    meeting = session.get(Meeting, (quarter.region_code, quarter.code))
    as_of = quarter.closed_on or today
    first, last = convening.quarter_bounds(quarter.code)
    near = StoredFact.occurred_at.between(dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), dt.timezone.utc),
                                          dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), dt.timezone.utc))
    return reports.bulletin(
        lean_facts(session, reports.BULLETIN_FIELDS, near, StoredFact.event_type.in_(reports.BULLETIN_FACTS),
                   in_region(scope)), quarter.code, scope, reports.in_scope(scope),
        _report_items(session, quarter),
        {"held_on": meeting.held_on.isoformat(), "chair": meeting.chair,
         "departments": _meeting(meeting, departments.directory(session, quarter.region_code))["departments"]} if meeting else None,
        as_of, quarter.status == "closed", _issue_no(session, quarter),
        {**heads.head(scope), "issue_total": heads.issue_total(_issue_no(session, quarter))})


def _issue_no(session: Session, quarter: Quarter) -> int:
    """第 N 期: the region's quarters consulted up to this one; fixed once the quarter's bulletin is issued."""
    if quarter.bulletin and quarter.bulletin.get("issue_no"):
        return quarter.bulletin["issue_no"]
    return session.scalar(sa.select(sa.func.count()).select_from(Quarter).where(
        Quarter.region_code == quarter.region_code, Quarter.code <= quarter.code))


def bulletin_scope(actor: Actor, quarter: Quarter) -> str:
    """Whose figures a caller reads in a round's bulletin: their own part of it, or the whole round for
    those above it."""
    own = regions.normalize(actor.region_code or "")
    return own if regions.within(quarter.region_code, own) else quarter.region_code


def close(uow, actor: Actor, region: str | None, code: str, today: dt.date,
          issue: Callable[[Session, Quarter], dict]) -> dict:
    """Close the quarter: `issue` issues its bulletin (handlers/issued.py) and gives back the round's own
    copy, which the closing event sums up; open items wait for next quarter's agenda."""
    session = uow.session
    quarter = get(session, organised_round(actor, region), code)
    if quarter.status == "closed":
        return read(session, quarter, actor)
    if session.get(Meeting, (quarter.region_code, code)) is None:
        raise InvalidState("meeting_required", "meeting", "尚未登记会商会议，不能结束本季度会商")
    if today < quarter.cutoff:
        raise InvalidState("quarter_not_over", "quarter", "季度截止日之前不能结束本季度会商")
    quarter.status, quarter.closed_on, quarter.closed_by = "closed", today, actor.username
    session.flush()
    frozen = issue(session, quarter)
    quarter.bulletin = frozen
    uow.publish(events.make_event(ce.QuarterClosed(
        quarter=code, region_code=quarter.region_code, closed_on=today, closed_by=actor.username, resolutions=frozen["resolutions"]["total"],
        resolved=frozen["resolutions"]["closed"], carried_over=frozen["difficulties"]["carried_over"])))
    return read(session, quarter, actor)
