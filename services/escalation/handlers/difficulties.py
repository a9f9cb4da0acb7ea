"""The difficulty's service layer: load, apply the domain's rules, save, keep the timeline, publish."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session, noload

from services.escalation.domain import rules
from services.escalation.domain.workdays import WorkCalendar
from services.escalation.models import (
    NATIONWIDE,
    Attachment,
    CalendarDay,
    Decision,
    Difficulty,
    KnownEnterprise,
    PolicyVersion,
    PublishedYear,
    Step,
)
from shared import attachments, clock, events, regions
from shared.actors import Actor, require_role
from shared.contracts import TodoItem
from shared.contracts import escalation as ee
from shared.contracts.escalation import (
    CalendarYear,
    DifficultyCreate,
    DifficultyListQuery,
    LocalCalendarYear,
)
from shared.db import in_region, text_contains, visible_to
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.policy import in_force

STEP_NAMES = {"reported": "企业反映", "assigned": "受理并指派", "contacted": "首次联系", "late_contact": "首次联系超时",
              "escalated": "上报", "resolved": "答复", "accepted": "企业确认", "reopened": "企业不满意，重新办理",
              "closed": "销号", "decision": "会商会决定", "attached": "上传附件",
              "deadlines_recalculated": "期限重新计算"}
CALENDAR_ACTOR = "系统（节假日安排）"


# ---- policy and calendar --------------------------------------------------------------------


def policy(session: Session, on: dt.date) -> rules.EscalationPolicy:
    versions = [rules.EscalationPolicy(code=v.code, effective_from=v.effective_from, **v.params)
                for v in session.scalars(sa.select(PolicyVersion).where(PolicyVersion.domain == "escalation"))]
    return in_force(versions, on, "困难问题办理时限")


def calendar(session: Session, region_code: str | None = None) -> WorkCalendar:
    """The working days of the city a region lies in: the State Council's schedule with the city's own
    days over it. Read once per city in a transaction (a list's rows share them)."""
    city = regions.city_of(region_code) if region_code else None
    kept = session.info.setdefault("calendars", {})
    if city not in kept:
        cities = (NATIONWIDE,) if city is None else (NATIONWIDE, city)
        rows = session.execute(sa.select(CalendarDay.day, CalendarDay.workday).where(CalendarDay.city_code.in_(cities))
                               .order_by(CalendarDay.city_code != NATIONWIDE)).all()  # the city's own last: they win
        years = frozenset(session.scalars(sa.select(PublishedYear.year)))
        kept[city] = WorkCalendar({day: workday for day, workday in rows}, years)
    return kept[city]


def _forget_calendars(session: Session) -> None:
    session.info.pop("calendars", None)


def publish_year(uow, actor: Actor, year: int, data: CalendarYear) -> dict:
    """An administrator enters a year's holiday schedule; every open difficulty with a time limit in
    that year has its limits counted again, written to its timeline and published."""
    require_role(actor, "admin")
    session = uow.session
    days = [*data.holidays, *data.workdays]
    if any(day.year != year for day in days):
        raise InvalidInput("day_outside_year", "holidays", f"所有日期都应在{year}年内")
    _enter_days(session, NATIONWIDE, year, data.holidays, data.workdays, "法定节假日")
    if session.get(PublishedYear, year) is None:
        session.add(PublishedYear(year=year, entered_by=actor.username))
    session.flush()
    moved = recalculate(uow, year, f"{year}年法定节假日安排已录入")
    return {"year": year, "holidays": len(data.holidays), "workdays": len(data.workdays), "recalculated": moved}


def publish_local_days(uow, actor: Actor, year: int, city: str, data: LocalCalendarYear) -> dict:
    """A city's own holidays of a year (and the working days made up for them), entered by its
    city-level officials or an administrator; the city's open difficulties with limits in that year are
    counted again. Entering the year again replaces the city's days of it."""
    city = regions.check_city(city)
    if actor.role != "admin" and not (actor.is_city_official and regions.normalize(actor.region_code or "") == city):
        raise Forbidden("city_level_required", None, "只有本市（州）市级工作人员或管理员可以录入本地假日")
    if any(day.year != year for day in [*data.holidays, *data.workdays]):
        raise InvalidInput("day_outside_year", "holidays", f"所有日期都应在{year}年内")
    _enter_days(uow.session, city, year, data.holidays, data.workdays, data.name)
    uow.session.flush()
    moved = recalculate(uow, year, f"{regions.name_of(city)}{year}年地方假日（{data.name}）已录入", city)
    return {"year": year, "city_code": city, "city_name": regions.name_of(city), "name": data.name,
            "holidays": len(data.holidays), "workdays": len(data.workdays), "recalculated": moved}


def _enter_days(session: Session, city: str, year: int, holidays, workdays, name: str) -> None:
    """The year's days of one schedule (the nation's or a city's), replacing what it held."""
    session.execute(sa.delete(CalendarDay).where(CalendarDay.city_code == city,
                                                 CalendarDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31))))
    session.add_all([CalendarDay(city_code=city, day=day, workday=False, name=name) for day in holidays])
    session.add_all([CalendarDay(city_code=city, day=day, workday=True, name="调休上班") for day in workdays])
    _forget_calendars(session)


def recalculate(uow, year: int, entered: str, city: str | None = None) -> int:
    """Each open difficulty whose limits fall in `year` (in the city, when a city's own days changed):
    its limits at its level counted again from the day it reached that level, under the policy it was
    assigned by, with its city's calendar as it now stands."""
    session = uow.session
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    moved = 0
    statement = sa.select(Difficulty).where(
        Difficulty.status.in_(rules.OPEN), sa.or_(Difficulty.contact_due.between(first, last),
                                                         Difficulty.resolve_due.between(first, last)))
    if city is not None:
        statement = statement.where(in_region(Difficulty.region_code, city))
    records = session.scalars(statement.order_by(Difficulty.reported_on, Difficulty.id).with_for_update()).all()
    for record in records:
        due = rules.deadlines(policy(session, record.level_since), calendar(session, record.region_code),
                              record.level, record.level_since)
        if (due.contact_due, due.resolve_due) == (record.contact_due, record.resolve_due):
            continue
        reason = f"{entered}，期限按实际工作日重新计算"
        _step(record, CALENDAR_ACTOR, "deadlines_recalculated",
              f"{reason}：首次联系 {record.contact_due.isoformat()}→{due.contact_due.isoformat()}，"
              f"答复 {record.resolve_due.isoformat()}→{due.resolve_due.isoformat()}")
        record.contact_due, record.resolve_due = due.contact_due, due.resolve_due
        uow.publish(events.make_event(ee.DifficultyDeadlinesChanged(
            **_fact(record), contact_due=due.contact_due, resolve_due=due.resolve_due, reason=reason)))
        moved += 1
    session.flush()
    return moved


# ---- who may see what -----------------------------------------------------------------------


def can_view(actor: Actor, record: Difficulty) -> bool:
    return actor.may_see(owner_account_id=record.reporter_account_id, region_code=record.region_code)


def get(session: Session, actor: Actor, difficulty_id: str) -> Difficulty:
    record = session.get(Difficulty, difficulty_id)
    if record is None or not can_view(actor, record):
        raise NotFound("difficulty_not_found", None, "没有这个困难问题，或无权查看")
    return record


def scope(statement, actor: Actor):
    return statement.where(visible_to(actor, owner=Difficulty.reporter_account_id, region=Difficulty.region_code))


def check_version(record: Difficulty, expected: int | None) -> None:
    if expected is not None and expected != record.version:
        raise Conflict("stale_version", "expected_version", "困难问题已被他人更新，请刷新后重试")


# ---- reads ----------------------------------------------------------------------------------


def summary(record: Difficulty, today: dt.date, work: WorkCalendar | None = None) -> dict:
    """A difficulty as lists show it; with `work`, the calendar's warnings about its limits (a year
    whose holiday schedule is not entered yet), so that lists and queues say so too."""
    return {
        "id": record.id, "reference": record.reference, "enterprise_id": record.enterprise_id,
        "enterprise_name": record.enterprise_name, "region_code": record.region_code,
        "region_name": regions.full_name(record.region_code), "category": record.category,
        "category_name": rules.CATEGORY_NAMES[record.category], "urgency": record.urgency,
        "status": record.status, "status_name": rules.STATUS_NAMES[record.status],
        "level": record.level, "level_name": rules.LEVEL_NAMES[record.level],
        "liaison": record.liaison, "reported_on": record.reported_on, "contact_due": record.contact_due,
        "resolve_due": record.resolve_due, "contacted_at": record.contacted_at,
        "late_contact": record.late_contact, "overdue": rules.overdue(record.status, resolve_due_on=record.resolve_due, today=today),
        "version": record.version,
        "warnings": work.warnings([record.contact_due, record.resolve_due])
        if work is not None and record.status in rules.OPEN else [],
    }


def enterprise_liaisons(session: Session, record: Difficulty) -> list[dict]:
    """The enterprise's 一企一专班 (finance, legal, government affairs) with their phones, as this
    service's copy of the registry holds them: whoever sees the difficulty may call them."""
    firm = session.get(KnownEnterprise, record.enterprise_id)
    return list(firm.liaisons or []) if firm else []


def read(session: Session, record: Difficulty, today: dt.date) -> dict:
    return {
        **summary(record, today), "description": record.description, "policy_code": record.policy_code,
        "enterprise_liaisons": enterprise_liaisons(session, record),
        "resolution": record.resolution, "resolved_by": record.resolved_by, "resolved_at": record.resolved_at,
        "accepted_at": record.accepted_at, "signed_off_by": record.signed_off_by, "closed_on": record.closed_on,
        "warnings": calendar(session, record.region_code).warnings([record.contact_due, record.resolve_due]),
        "timeline": [{"at": s.at, "actor": s.actor, "action": s.action, "action_name": STEP_NAMES[s.action],
                      "level": s.level, "note": s.note} for s in record.steps],
        "attachments": [attachments.listed(a) for a in record.attachments],
        "decisions": [{"resolution_id": d.resolution_id, "quarter": d.quarter,
                       "lead_department": d.lead_department, "co_departments": d.co_departments,
                       "measure": d.measure, "deadline": d.deadline} for d in record.decisions],
    }


def list_difficulties(session: Session, actor: Actor, query: DifficultyListQuery, today: dt.date) -> dict:
    statement = scope(sa.select(Difficulty).options(noload(Difficulty.steps), noload(Difficulty.decisions)), actor)
    if query.status:
        statement = statement.where(Difficulty.status == query.status)
    if query.enterprise_id:
        statement = statement.where(Difficulty.enterprise_id == query.enterprise_id)
    if query.q:
        statement = statement.where(sa.or_(text_contains(query.q, Difficulty.enterprise_name),
                                           Difficulty.reference == rules.typed_reference(query.q)))
    if query.category:
        statement = statement.where(Difficulty.category == query.category)
    if query.level:
        statement = statement.where(Difficulty.level == query.level)
    if query.region_code:
        statement = statement.where(in_region(Difficulty.region_code, query.region_code))
    if query.queue:
        statement = statement.where(Difficulty.level == actor.level, Difficulty.status.in_(
            rules.OPEN + ("resolved", "accepted"))).order_by(Difficulty.resolve_due, Difficulty.number)
    else:
        statement = statement.order_by(Difficulty.number.desc())
    total = session.scalar(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.scalars(statement.limit(query.per_page).offset((query.page - 1) * query.per_page))
    items = [summary(r, today, calendar(session, r.region_code)) for r in rows]
    return {"items": items, "total": total, "page": query.page, "per_page": query.per_page,
            "warnings": sorted({warning for item in items for warning in item["warnings"]})}


def stats(session: Session, actor: Actor) -> dict:
    if not actor.is_official:
        raise Forbidden("official_required", None, "只有工作人员可以查看统计")
    rows = session.execute(scope(sa.select(Difficulty.category, Difficulty.level, Difficulty.status,
                                           sa.func.count()), actor)
                           .group_by(Difficulty.category, Difficulty.level, Difficulty.status)).all()
    return {"rows": [{"category": c, "category_name": rules.CATEGORY_NAMES[c], "level": lv,
                      "level_name": rules.LEVEL_NAMES[lv], "status": s, "count": n} for c, lv, s, n in rows]}


def todo(session: Session, actor: Actor, today: dt.date) -> list[dict]:
    """What waits for the caller: an official, the difficulties at their level to contact, to answer
    and (for a unit head) to sign off, with the nearest time limit and how many are past it; an
    entrepreneur, the answers waiting for their enterprise's confirmation."""
    def gathered(kind: str, title: str, statuses: tuple[str, ...], due=None) -> dict:
        limit = [sa.func.min(due), sa.func.count().filter(due < today)] if due is not None else [
            sa.null(), sa.literal(0)]
        statement = scope(sa.select(sa.func.count(), *limit), actor).where(Difficulty.status.in_(statuses))
        if actor.is_official:
            statement = statement.where(Difficulty.level == actor.level)
        count, due_on, overdue = session.execute(statement).one()
        return TodoItem(kind=kind, title=title, count=count, overdue=overdue or 0, due_on=due_on,
                        link="/difficulties").as_json()

    if actor.role == "entrepreneur":
        return [gathered("difficulties_to_confirm", "答复待企业确认", ("resolved",))]
    if not actor.is_official:
        return []
    items = [gathered("difficulties_to_contact", "新反映的困难问题，待首次联系（2个工作日内）", ("assigned",),
                      Difficulty.contact_due),
             gathered("difficulties_to_resolve", "已联系，待书面答复", ("contacted",), Difficulty.resolve_due)]
    if actor.unit_head:
        items.append(gathered("difficulties_to_sign_off", "企业已确认，待单位负责人销号", ("accepted",)))
    return items


def public_view(session: Session, reference: str) -> dict:
    """Open311 GeoReport v2 style: what anyone with the reference may know, nothing personal."""
    record = session.scalar(sa.select(Difficulty).where(Difficulty.reference == rules.typed_reference(reference)))
    if record is None:
        raise NotFound("difficulty_not_found", "reference", "没有这个编号的困难问题")
    escalated = any(step.action == "escalated" for step in record.steps)
    return {
        "service_request_id": record.reference, "status": "closed" if record.status == "closed" else "open",
        "status_notes": rules.public_status(record.status, record.level, escalated), "service_code": record.category,
        "service_name": rules.CATEGORY_NAMES[record.category],
        "agency_responsible": f"{regions.full_name(rules.level_region(record.region_code, record.level))}"
                              f"（{rules.LEVEL_NAMES[record.level]}级）",
        "requested_datetime": record.reported_on, "updated_datetime": record.updated_at,
        "expected_datetime": record.resolve_due if record.status in rules.OPEN else None,
    }


# ---- commands -------------------------------------------------------------------------------


def _fact(record: Difficulty) -> dict:
    return {"difficulty_id": record.id, "reference": record.reference, "enterprise_id": record.enterprise_id,
            "region_code": record.region_code, "category": record.category, "level": record.level}


def _step(record: Difficulty, actor: str, action: str, note: str = "") -> None:
    record.steps.append(Step(actor=actor, action=action, level=record.level, note=note))


def _liaison_at(firm: KnownEnterprise, category: str, level: str) -> dict | None:
    kind = rules.liaison_kind(category)
    for item in firm.liaisons or []:
        if item["kind"] == kind and item.get("level") == level:
            return item
    return None


def _assign(uow, record: Difficulty, firm: KnownEnterprise, level: str, today: dt.date, by: str) -> None:
    in_force = policy(uow.session, today)
    due = rules.deadlines(in_force, calendar(uow.session, record.region_code), level, today)
    record.level, record.level_since, record.policy_code = level, today, in_force.code
    record.contact_due, record.resolve_due = due.contact_due, due.resolve_due
    record.status, record.contacted_at, record.late_contact = "assigned", None, False
    record.liaison = _liaison_at(firm, record.category, level)
    who = record.liaison["name"] if record.liaison else f"{rules.LEVEL_NAMES[level]}级工作人员"
    _step(record, by, "assigned", f"由{who}办理；{due.contact_due.isoformat()}前首次联系，"
                                  f"{due.resolve_due.isoformat()}前答复")
    uow.publish(events.make_event(ee.DifficultyAssigned(
        **_fact(record), liaison_kind=rules.liaison_kind(record.category),
        liaison_name=record.liaison["name"] if record.liaison else None,
        official_username=record.liaison.get("official_username") if record.liaison else None,
        contact_due=due.contact_due, resolve_due=due.resolve_due)))


def report(uow, actor: Actor, data: DifficultyCreate, today: dt.date) -> dict:
    require_role(actor, "entrepreneur")
    session = uow.session
    firm = session.get(KnownEnterprise, data.enterprise_id)
    if firm is None or firm.owner_account_id is None or firm.owner_account_id != actor.user_id:
        raise InvalidInput("enterprise_not_owned", "enterprise_id", "只能为本人创办的经营主体反映困难问题（刚登记的经营主体请稍候片刻再试）")
    record = Difficulty(enterprise_id=firm.id, enterprise_name=firm.name, reporter_account_id=actor.user_id,
                        region_code=firm.region_code, category=data.category, description=data.description,
                        urgency=data.urgency, reported_on=today, steps=[], decisions=[])
    _assign_placeholders(record, today)
    session.add(record)
    session.flush()
    record.reference = rules.reference_for(today.year, record.number)
    _step(record, actor.username, "reported", f"{rules.CATEGORY_NAMES[data.category]}：{data.description[:200]}")
    uow.publish(events.make_event(ee.DifficultyReported(**_fact(record), urgency=data.urgency, reported_on=today)))
    _assign(uow, record, firm, rules.first_level(firm.region_code), today, "系统")
    return read(session, record, today)


def _assign_placeholders(record: Difficulty, today: dt.date) -> None:
    """Columns that `_assign` sets properly once the record has its number."""
    record.status, record.level, record.policy_code = "assigned", "township", ""
    record.level_since = record.contact_due = record.resolve_due = today


def contact(uow, actor: Actor, difficulty_id: str, note: str, expected: int | None, today: dt.date) -> dict:
    record = get(uow.session, actor, difficulty_id)
    rules.require_handler(actor, record.level, record.region_code)
    check_version(record, expected)
    rules.require_status(record.status, "assigned")
    late = today > record.contact_due
    record.status, record.contacted_at = "contacted", clock.stamp()
    _step(record, actor.username, "contacted", note or "已与企业取得联系")
    uow.publish(events.make_event(ee.DifficultyContacted(**_fact(record), contacted_by=actor.username, late=late)))
    return read(uow.session, record, today)


def escalate(uow, actor: Actor | None, difficulty_id: str, reason: str, expected: int | None,
             today: dt.date) -> dict:
    """One level up: by an official of the current level with a reason, or by the sweep."""
    session = uow.session
    record = get(session, actor, difficulty_id) if actor else session.get(Difficulty, difficulty_id)
    if actor:
        rules.require_handler(actor, record.level, record.region_code)
        check_version(record, expected)
        reason = rules.require_reason(reason)
    rules.require_status(record.status, *rules.OPEN)
    target, before = rules.escalation_target(record.level), record.level
    by = actor.username if actor else "系统（时限检查）"
    _step(record, by, "escalated", f"{rules.LEVEL_NAMES[before]}级 → {rules.LEVEL_NAMES[target]}级：{reason}")
    uow.publish(events.make_event(ee.DifficultyEscalated(
        **{**_fact(record), "level": target}, from_level=before, automatic=actor is None, reason=reason,
        escalated_on=today)))
    _assign(uow, record, session.get(KnownEnterprise, record.enterprise_id), target, today, by)
    return read(session, record, today)


def resolve(uow, actor: Actor, difficulty_id: str, resolution: str, expected: int | None,
            today: dt.date) -> dict:
    record = get(uow.session, actor, difficulty_id)
    rules.require_handler(actor, record.level, record.region_code)
    check_version(record, expected)
    rules.require_status(record.status, *rules.OPEN)
    record.status, record.resolution = "resolved", resolution
    record.resolved_by, record.resolved_at = actor.username, clock.stamp()
    _step(record, actor.username, "resolved", resolution)
    uow.publish(events.make_event(ee.DifficultyResolved(
        **_fact(record), resolved_by=actor.username, resolved_at=record.resolved_at)))
    return read(uow.session, record, today)


def _as_reporter(session: Session, actor: Actor, difficulty_id: str) -> Difficulty:
    record = get(session, actor, difficulty_id)
    if record.reporter_account_id != actor.user_id:
        raise Forbidden("not_reporter", None, "只有反映问题的企业可以确认或不认可答复")
    rules.require_status(record.status, "resolved")
    return record


def accept(uow, actor: Actor, difficulty_id: str, note: str, today: dt.date) -> dict:
    record = _as_reporter(uow.session, actor, difficulty_id)
    record.status, record.accepted_at = "accepted", clock.stamp()
    _step(record, actor.username, "accepted", note or "对答复满意")
    uow.publish(events.make_event(ee.DifficultyAccepted(**_fact(record), accepted_at=record.accepted_at)))
    return read(uow.session, record, today)


def reject(uow, actor: Actor, difficulty_id: str, reason: str, today: dt.date) -> dict:
    """Not satisfied: it reopens at the same level, under the same time limit."""
    record = _as_reporter(uow.session, actor, difficulty_id)
    record.status, record.resolution, record.resolved_by, record.resolved_at = "contacted", None, None, None
    _step(record, actor.username, "reopened", reason)
    uow.publish(events.make_event(ee.DifficultyReopened(**_fact(record), reason=reason)))
    return read(uow.session, record, today)


def sign_off(uow, actor: Actor, difficulty_id: str, note: str, expected: int | None, today: dt.date) -> dict:
    record = get(uow.session, actor, difficulty_id)
    rules.check_sign_off(actor, record.level, record.region_code, record.resolved_by)
    check_version(record, expected)
    rules.require_status(record.status, "accepted")
    record.status, record.signed_off_by, record.closed_on = "closed", actor.username, today
    _step(record, actor.username, "closed", note or "单位负责人签字销号")
    uow.publish(events.make_event(ee.DifficultyClosed(**_fact(record), signed_off_by=actor.username,
                                                      closed_on=today)))
    return read(uow.session, record, today)


# ---- attachments ----------------------------------------------------------------------------


def add_attachment(uow, actor: Actor, difficulty_id: str, filename: str, data: bytes, today: dt.date) -> dict:
    """The enterprise adds evidence (a PDF or a photo) while the difficulty is not yet closed."""
    record = get(uow.session, actor, difficulty_id)
    if record.reporter_account_id != actor.user_id:
        raise Forbidden("not_reporter", None, "只有反映问题的企业可以上传附件")
    rules.require_status(record.status, *rules.OPEN, "resolved")
    stored = attachments.accepted(filename, data, actor.username, count_before=len(record.attachments),
                                  most=rules.ATTACHMENTS_PER_DIFFICULTY, what="每个困难问题")
    record.attachments.append(Attachment(**stored))
    _step(record, actor.username, "attached", f"上传附件：{stored['filename']}（{len(data) // 1024 + 1}KB）")
    uow.session.flush()
    return read(uow.session, record, today)


def get_attachment(session: Session, actor: Actor, difficulty_id: str, attachment_id: str) -> dict:
    record = get(session, actor, difficulty_id)
    found = next((a for a in record.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound("attachment_not_found", None, "没有这个附件")
    return attachments.download(found)


# ---- the sweep and the consultation's decisions ---------------------------------------------


def to_sweep(session: Session, today: dt.date) -> list[str]:
    """Open difficulties the sweep may act on: past their time limit below the city (the city has no
    level to escalate to), or not contacted in time at any level."""
    late = sa.or_(sa.and_(Difficulty.resolve_due < today, Difficulty.level != "city"),
                  sa.and_(Difficulty.status == "assigned", Difficulty.contact_due < today,
                          Difficulty.late_contact.is_(False)))
    return list(session.scalars(sa.select(Difficulty.id).where(Difficulty.status.in_(rules.OPEN), late)
                                .order_by(Difficulty.resolve_due)))


def sweep_one(uow, difficulty_id: str, today: dt.date) -> str | None:
    """Today's action on one difficulty; one another instance is holding is left to it."""
    record = uow.session.get(Difficulty, difficulty_id, with_for_update={"skip_locked": True})
    if record is None:
        return None
    action = rules.due_action(record.status, record.level, resolve_due_on=record.resolve_due,
                               contact_due_on=record.contact_due, contacted=record.contacted_at is not None,
                               late_contact_flagged=record.late_contact, today=today)
    if action == "escalate":
        escalate(uow, None, record.id, f"超过{rules.LEVEL_NAMES[record.level]}级办理时限", None, today)
    elif action == "flag_late_contact":
        record.late_contact = True
        _step(record, "系统（时限检查）", "late_contact", f"应于{record.contact_due.isoformat()}前首次联系企业")
    return action


def attach_decision(session: Session, payload: ee.ResolutionAssigned) -> None:
    record = session.get(Difficulty, payload.difficulty_id)
    if record is None:
        raise LookupError(f"difficulty {payload.difficulty_id} not known")  # retried, then parked
    if session.get(Decision, payload.resolution_id) is not None:
        return
    record.decisions.append(Decision(
        resolution_id=payload.resolution_id, quarter=payload.quarter, lead_department=payload.lead_department,
        co_departments=payload.co_departments, measure=payload.measure, deadline=payload.deadline))
    co = "、".join(payload.co_departments)
    _step(record, "季度困难会商会", "decision",
          f"牵头单位：{payload.lead_department}{'；配合单位：' + co if co else ''}；措施：{payload.measure}；"
          f"完成时限：{payload.deadline.isoformat()}")

