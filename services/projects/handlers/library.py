"""The project library's service layer: collect, review, list, recommend, promote, sign, launch, match."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, noload

from services.projects import domain
from services.projects.models import (
    Interest,
    KnownEnterprise,
    KnownEntrepreneur,
    Project,
    ProjectStep,
    PromotionEvent,
    Signing,
)
from shared import clock, events, regions
from shared.actors import Actor, require_role
from shared.contracts import TodoItem
from shared.contracts import projects as pe
from shared.contracts.projects import (
    ProjectCreate,
    ProjectQuery,
    PromotionEventCreate,
    SigningCreate,
)
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from shared.money import fen_to_yuan, yuan_to_fen

PUBLIC = ("listed", "promoted", "signed", "launched")  # what entrepreneurs browse


# ---- reads ----------------------------------------------------------------------------------


def visible(actor: Actor, project: Project) -> bool:
    """Entrepreneurs see the listed library; officials see their region's work in progress too."""
    return project.status in PUBLIC or (actor.is_official and actor.governs(project.library_region))


def get(session: Session, actor: Actor, project_id: str) -> Project:
    project = session.get(Project, project_id)
    if project is None or not visible(actor, project):
        raise NotFound("project_not_found", None, "没有这个项目，或无权查看")
    return project


def summary(project: Project) -> dict:
    return {"id": project.id, "title": project.title, "sector": project.sector,
            "region_code": project.region_code, "region_name": regions.full_name(project.region_code),
            "investment_yuan": fen_to_yuan(project.investment_fen), "expected_jobs": project.expected_jobs,
            "library_level": project.library_level, "library_level_name": domain.LEVEL_NAMES[project.library_level],
            "library_region": project.library_region, "status": project.status,
            "status_name": domain.STATUS_NAMES[project.status], "recommended_to": project.recommended_to,
            "version": project.version}


def read(project: Project, actor: Actor) -> dict:
    detail = {**summary(project), "description": project.description, "policies": project.policies,
              "contact_name": project.contact_name, "contact_phone": project.contact_phone,
              "signings": [_signing(s) for s in project.signings]}
    if actor.is_official:
        detail["history"] = [{"at": s.at, "actor": s.actor, "action": s.action,
                              "action_name": pe.STEP_NAMES.get(s.action, s.action), "note": s.note}
                             for s in project.history]
    return detail


def _signing(signing: Signing) -> dict:
    return {"id": signing.id, "project_id": signing.project_id, "party_name": signing.party_name,
            "entrepreneur_id": signing.entrepreneur_id, "enterprise_id": signing.enterprise_id,
            "signed_on": signing.signed_on, "promotion_event_id": signing.promotion_event_id}


def search(session: Session, actor: Actor, query: ProjectQuery) -> dict:
    """Sector, region, investment range and a Chinese keyword, newest first, a page at a time."""
    statement = sa.select(Project).options(noload(Project.history), noload(Project.signings))
    if actor.is_official and query.status:
        statement = statement.where(Project.status == query.status, Project.library_region.startswith(
            regions.jurisdiction_prefix(actor.region_code)))
    else:
        statement = statement.where(Project.status.in_(PUBLIC))
    if query.q:
        pattern = f"%{query.q.replace('%', '').replace('_', '')}%"
        statement = statement.where(sa.or_(Project.title.ilike(pattern), Project.description.ilike(pattern)))
    if query.sector:
        statement = statement.where(Project.sector == query.sector)
    if query.region_code:
        statement = statement.where(Project.region_code.startswith(regions.jurisdiction_prefix(query.region_code)))
    if query.min_investment_yuan is not None:
        statement = statement.where(Project.investment_fen >= yuan_to_fen(query.min_investment_yuan))
    if query.max_investment_yuan is not None:
        statement = statement.where(Project.investment_fen <= yuan_to_fen(query.max_investment_yuan))
    if query.library_level:
        statement = statement.where(Project.library_level == query.library_level)
    total = session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    rows = session.scalars(statement.order_by(Project.created_at.desc())
                           .limit(query.per_page).offset((query.page - 1) * query.per_page))
    return {"items": [summary(p) for p in rows], "total": total, "page": query.page, "per_page": query.per_page}


# ---- the lifecycle --------------------------------------------------------------------------


def _fact(project: Project) -> dict:
    return {"project_id": project.id, "title": project.title, "sector": project.sector,
            "region_code": project.region_code, "library_level": project.library_level,
            "library_region": project.library_region, "investment_fen": project.investment_fen,
            "expected_jobs": project.expected_jobs}


def _step(project: Project, actor: str, action: str, note: str = "") -> None:
    project.history.append(ProjectStep(actor=actor, action=action, note=note))


def collect(uow, actor: Actor, data: ProjectCreate) -> dict:
    """An official gathers a project into their own level's library (征集)."""
    if not actor.is_official or actor.level != data.library_level:
        raise Forbidden("not_library_curator", None, "只能向本级项目库征集项目")
    library = domain.library_region(data.region_code, data.library_level)
    domain.require_curator(actor, data.library_level, library)
    project = Project(title=data.title, sector=data.sector, description=data.description,
                      region_code=data.region_code, investment_fen=yuan_to_fen(data.investment_yuan),
                      expected_jobs=data.expected_jobs, policies=list(data.policies), contact_name=data.contact_name,
                      contact_phone=data.contact_phone, library_level=data.library_level, library_region=library,
                      status="collected", created_by=actor.username, history=[], signings=[])
    uow.session.add(project)
    _step(project, actor.username, "collected")
    uow.session.flush()
    return read(project, actor)


def advance(uow, actor: Actor, project_id: str, action: str, note: str, expected: int | None) -> dict:
    """review | list | launch | withdraw, by an official of the project's library."""
    project = get(uow.session, actor, project_id)
    domain.require_curator(actor, project.library_level, project.library_region)
    if expected is not None and expected != project.version:
        raise Conflict("stale_version", "expected_version", "项目已被他人更新，请刷新后重试")
    if action == "withdraw" and len(note) < 2:
        raise InvalidInput("reason_required", "note", "撤回项目须写明理由")
    project.status = domain.step(project.status, action)
    _step(project, actor.username, action, note)
    payload = {"list": lambda: pe.ProjectListed(**_fact(project), listed_by=actor.username),
               "launch": lambda: pe.ProjectLaunched(**_fact(project), launched_on=clock.today()),
               "withdraw": lambda: pe.ProjectWithdrawn(**_fact(project), reason=note)}.get(action)
    if payload:
        uow.publish(events.make_event(payload()))
    return read(project, actor)


def recommend(uow, actor: Actor, project_id: str, note: str) -> dict:
    """A library recommends a listed project upward (县 → 市 → 省)."""
    project = get(uow.session, actor, project_id)
    domain.require_curator(actor, project.library_level, project.library_region)
    target = domain.recommendation_target(project.library_level, project.status)
    if project.recommended_to:
        raise InvalidState("already_recommended", "status", "项目已推荐，等待上级审核")
    project.recommended_to = target
    _step(project, actor.username, "recommended", note or f"推荐进入{domain.LEVEL_NAMES[target]}项目库")
    uow.publish(events.make_event(pe.ProjectRecommended(**_fact(project), to_level=target,
                                                        recommended_by=actor.username)))
    return read(project, actor)


def todo(session: Session, actor: Actor) -> list[dict]:
    """For the curators of a library: projects recommended up to it from their region, waiting for
    their review."""
    if not actor.is_official or actor.level not in domain.LIBRARY_LEVELS:
        return []
    count = session.scalar(sa.select(sa.func.count()).where(
        Project.recommended_to == actor.level,
        Project.region_code.startswith(regions.jurisdiction_prefix(actor.region_code))))
    return [TodoItem(kind="projects_to_review", title="下级推荐的项目，待审核是否入库", count=count or 0,
                     link="/projects").as_json()]


def decide_recommendation(uow, actor: Actor, project_id: str, accept: bool, note: str) -> dict:
    """The upper library reviews it: accepted, it enters that library; declined, it stays."""
    project = get(uow.session, actor, project_id)
    target = project.recommended_to
    if target is None:
        raise InvalidState("not_recommended", "status", "该项目没有待审核的推荐")
    upper = domain.library_region(project.region_code, target)
    domain.require_curator(actor, target, upper)
    project.recommended_to = None
    if accept:
        project.library_level, project.library_region, project.status = target, upper, "reviewed"
        _step(project, actor.username, "accepted_upward", note or f"经审核进入{domain.LEVEL_NAMES[target]}项目库")
    else:
        if len(note) < 2:
            raise InvalidInput("reason_required", "note", "不予接收须写明理由")
        _step(project, actor.username, "declined_upward", note)
    return read(project, actor)


# ---- interest, promotion and signing --------------------------------------------------------


def _me(session: Session, actor: Actor) -> KnownEntrepreneur:
    require_role(actor, "entrepreneur")
    person = session.scalar(sa.select(KnownEntrepreneur).where(KnownEntrepreneur.account_id == actor.user_id))
    if person is None:
        raise InvalidState("entrepreneur_not_registered", None, "请先登记创业者信息")
    return person


def express_interest(uow, actor: Actor, project_id: str, note: str) -> dict:
    person = _me(uow.session, actor)
    project = get(uow.session, actor, project_id)
    if project.status not in ("listed", "promoted"):
        raise InvalidState("project_status", "status", "项目已签约或已撤回，不再接受意向")
    existing = uow.session.get(Interest, (project.id, person.id))
    if existing is None:
        uow.session.add(Interest(project_id=project.id, entrepreneur_id=person.id, account_id=actor.user_id,
                                 note=note))
    return {"project_id": project.id, "interested": True}


def interests(session: Session, actor: Actor, project_id: str) -> list[dict]:
    project = get(session, actor, project_id)
    if actor.role == "entrepreneur":
        rows = session.scalars(sa.select(Interest).where(Interest.project_id == project.id,
                                                         Interest.account_id == actor.user_id))
    elif domain.curates(actor, project.library_level, project.library_region):
        rows = session.scalars(sa.select(Interest).where(Interest.project_id == project.id))
    else:
        raise Forbidden("not_library_curator", None, "只有项目库所在地区的工作人员可以查看意向")
    names = {p.id: p.name for p in session.scalars(sa.select(KnownEntrepreneur))} if actor.is_official else {}
    return [{"entrepreneur_id": i.entrepreneur_id, "name": names.get(i.entrepreneur_id, ""), "note": i.note,
             "at": i.at} for i in rows]


def create_event(uow, actor: Actor, data: PromotionEventCreate, today: dt.date) -> dict:
    """A promotion event (项目推介会) of the official's level shows listed projects of its area."""
    if not actor.is_official or actor.level not in domain.LIBRARY_LEVELS:
        raise Forbidden("not_library_curator", None, "只有县级及以上工作人员可以组织项目推介会")
    projects = [uow.session.get(Project, pid) for pid in dict.fromkeys(data.project_ids)]
    for project in projects:
        if project is None or not actor.governs(project.region_code):
            raise InvalidInput("project_not_in_area", "project_ids", "推介的项目须在本辖区的项目库中")
        project.status = domain.step(project.status, "promote")
        _step(project, actor.username, "promoted", f"{data.held_on.isoformat()} {data.title}")
    event = PromotionEvent(title=data.title, held_on=data.held_on, place=data.place, level=actor.level,
                           region_code=actor.region_code, project_ids=[p.id for p in projects],
                           created_by=actor.username, signings=[])
    uow.session.add(event)
    uow.session.flush()
    for project in projects:
        uow.publish(events.make_event(pe.ProjectPromoted(**_fact(project), event_id_promotion=event.id,
                                                         promoted_on=data.held_on)))
    return event_read(uow.session, event)


def event_read(session: Session, event: PromotionEvent) -> dict:
    shown = [summary(p) for p in session.scalars(sa.select(Project).where(Project.id.in_(event.project_ids)))]
    return {"id": event.id, "title": event.title, "held_on": event.held_on, "place": event.place,
            "level": event.level, "region_code": event.region_code, "region_name": regions.full_name(event.region_code),
            "projects": shown, "signings": [_signing(s) for s in event.signings]}


def get_event(session: Session, actor: Actor, event_id: str) -> PromotionEvent:
    event = session.get(PromotionEvent, event_id)
    if event is None:
        raise NotFound("promotion_event_not_found", None, "没有这场推介会")
    return event


def list_events(session: Session) -> list[dict]:
    rows = session.scalars(sa.select(PromotionEvent).order_by(PromotionEvent.held_on.desc()).limit(100))
    return [{"id": e.id, "title": e.title, "held_on": e.held_on, "place": e.place,
             "projects": len(e.project_ids), "signings": len(e.signings)} for e in rows]


def sign(uow, actor: Actor, event_id: str, data: SigningCreate) -> dict:
    """Collective signing (集中签约): a project shown at the event and a registered entrepreneur or enterprise."""
    session = uow.session
    event = get_event(session, actor, event_id)
    if not actor.is_official or not actor.governs(event.region_code) or actor.level != event.level:
        raise Forbidden("not_event_organiser", None, "只有组织推介会的工作人员可以登记签约")
    if data.project_id not in event.project_ids:
        raise InvalidInput("project_not_shown", "project_id", "该项目不在本场推介会中")
    party = _party(session, data)
    project = session.get(Project, data.project_id)
    project.status = domain.step(project.status, "sign")
    signing = Signing(project_id=project.id, promotion_event_id=event.id, entrepreneur_id=party["entrepreneur_id"],
                      enterprise_id=party["enterprise_id"], party_name=party["name"], signed_on=event.held_on,
                      signed_by=actor.username)
    session.add(signing)
    _step(project, actor.username, "signed", f"与{party['name']}签约")
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("already_signed", "project_id", "该项目已经签约") from None
    uow.publish(events.make_event(pe.ProjectSigned(
        **_fact(project), promotion_event_id=event.id, entrepreneur_id=party["entrepreneur_id"],
        enterprise_id=party["enterprise_id"], signed_on=event.held_on)))
    session.refresh(event)
    return event_read(session, event)


def _party(session: Session, data: SigningCreate) -> dict:
    if bool(data.entrepreneur_id) == bool(data.enterprise_id):
        raise InvalidInput("party_required", "entrepreneur_id", "请选择签约的创业者或经营主体（二选一）")
    if data.enterprise_id:
        firm = session.get(KnownEnterprise, data.enterprise_id)
        if firm is None:
            raise InvalidInput("party_unknown", "enterprise_id", "没有登记这个经营主体")
        return {"entrepreneur_id": firm.owner_entrepreneur_id, "enterprise_id": firm.id, "name": firm.name}
    person = session.get(KnownEntrepreneur, data.entrepreneur_id)
    if person is None:
        raise InvalidInput("party_unknown", "entrepreneur_id", "没有登记这位创业者")
    return {"entrepreneur_id": person.id, "enterprise_id": None, "name": person.name}


# ---- matching -------------------------------------------------------------------------------


def candidates(session: Session) -> list[domain.Candidate]:
    firms: dict[str, list[KnownEnterprise]] = {}
    for firm in session.scalars(sa.select(KnownEnterprise)):
        firms.setdefault(firm.owner_entrepreneur_id, []).append(firm)
    return [domain.Candidate(p.id, p.name, p.region_code, tuple(p.skills or ()),
                             tuple(f.industry for f in firms.get(p.id, [])),
                             sum(f.investment_fen for f in firms.get(p.id, [])), p.verified)
            for p in session.scalars(sa.select(KnownEntrepreneur))]


def matches_for_project(session: Session, actor: Actor, project_id: str) -> list[dict]:
    project = get(session, actor, project_id)
    if not actor.is_official:
        raise Forbidden("official_required", None, "只有工作人员可以查看项目与创业者的匹配")
    found = domain.rank([domain.match(project.region_code, project.sector, project.investment_fen, c)
                         for c in candidates(session) if actor.governs(c.region_code)])
    return [{"entrepreneur_id": m.entrepreneur_id, "name": m.name, "score": m.score, "reasons": list(m.reasons)}
            for m in found[:50]]


def matches_for_me(session: Session, actor: Actor) -> list[dict]:
    person = _me(session, actor)
    me = next(c for c in candidates(session) if c.entrepreneur_id == person.id)
    projects = session.scalars(sa.select(Project).options(noload(Project.history), noload(Project.signings))
                               .where(Project.status.in_(("listed", "promoted"))))
    scored = []
    for project in projects:
        fit = domain.match(project.region_code, project.sector, project.investment_fen, me)
        if fit is not None:
            scored.append((fit.score, {**summary(project), "score": fit.score, "reasons": list(fit.reasons)}))
    return [item for _, item in sorted(scored, key=lambda pair: -pair[0])][:50]
