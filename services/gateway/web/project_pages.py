"""项目库 pages: browse and search, a project with 我有意向, each level's library, promotion events."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from services.gateway.http import status_for
from services.gateway.web import forms, picker
from services.gateway.web.entrepreneur_pages import REFUSALS, new_key, submitted_key
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import PageSupport
from shared import clock
from shared.contracts.projects import LEVEL_NAMES, SECTORS, ProjectCreate, PromotionEventCreate
from shared.errors import Forbidden
from shared.validation import parse

PROJECT_LABELS = {"title": "项目名称", "sector": "行业", "description": "项目简介", "region_code": "项目地点",
                  "investment_yuan": "所需投资（元）", "expected_jobs": "预计带动就业（人）", "policies": "可享受政策",
                  "contact_name": "联系人", "contact_phone": "联系电话", "library_level": "项目库"}
EVENT_LABELS = {"title": "推介会名称", "held_on": "日期", "place": "地点", "project_ids": "推介项目"}
STEPS = ("review", "list", "launch", "withdraw", "recommend")
SEARCH_KEYS = ("q", "sector", "region_code", "min_investment_yuan", "max_investment_yuan")


class ProjectPages(PageSupport):
    """Mixed into GatewayService, which provides `projects`."""

    @page("GET", "/projects")
    def projects_page(self, request):
        actor = self.require(request)
        args, _ = picker.picked(request.args, {"region_code": picker.filter_scope()})
        query = {k: v for k in SEARCH_KEYS if (v := args.get(k, "").strip())}
        page_number = request.args.get("page", "1")
        query["page"] = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 10000 else 1
        try:
            result = self.projects.search_projects(actor.model_dump(), {**query, "per_page": 20})
            error = None
        except REFUSALS as exc:
            result, error = {"items": [], "total": 0, "page": 1, "per_page": 20}, exc.message
        for_me = (self.projects.my_matches(actor.model_dump())["items"][:5]
                  if actor.role == "entrepreneur" and self.registry.get_my_entrepreneur(actor.model_dump()) else [])
        return self.show(request, "projects.html", result=result, query=query, error=error, sectors=list(SECTORS),
                         place=picker.build("region_code", picker.filter_scope(), query.get("region_code")),
                         for_me=for_me)

    @page("GET", "/projects/<string:project_id>")
    def project_page(self, request, project_id):
        return self._project(request, self.require(request), project_id)

    def _project(self, request, actor, project_id, errors: dict | None = None, status: int = 200):
        me = actor.model_dump()
        project = self.projects.get_project(me, project_id)
        curator = actor.is_official and actor.level == project["library_level"]
        upper = actor.is_official and actor.level == project.get("recommended_to")
        interests = self.projects.project_interests(me, project_id)["items"] if curator or (
            actor.role == "entrepreneur") else []
        matches = self.projects.project_matches(me, project_id)["items"][:10] if curator else []
        return self.show(request, "project.html", status, project=project, curator=curator, upper=upper,
                         interests=interests, matches=matches, errors=errors or {}, LIBRARY_NAMES=LEVEL_NAMES)

    @page("POST", "/projects/<string:project_id>/<string:action>")
    def project_action(self, request, project_id, action):
        actor = self.require(request)
        form = request.form
        body = {"note": form.get("note", "").strip()}
        try:
            if action == "interest":
                self.projects.express_interest(actor.model_dump(), project_id, body)
            elif action in STEPS[:4]:
                self.projects.advance_project(actor.model_dump(), project_id, action, body)
            elif action == "recommend":
                self.projects.recommend_project(actor.model_dump(), project_id, body)
            elif action in ("accept", "decline"):
                self.projects.decide_recommendation(actor.model_dump(), project_id,
                                                    {**body, "accept": action == "accept"})
            else:
                raise Forbidden("unknown_action", None, "不支持的操作")
        except (*REFUSALS, Forbidden) as exc:
            return self._project(request, actor, project_id, forms.messages(exc), status_for(exc))
        return redirect(f"/projects/{project_id}?notice=project_{action}")

    # ---- each level's library ---------------------------------------------------------------

    @page("GET", "/library")
    def library_page(self, request):
        actor = self.require(request, "official")
        return self._library(request, actor, MultiDict({"library_level": actor.level}), {}, new_key())

    def _library(self, request, actor, values, errors: dict, key, status: int = 200):
        me = actor.model_dump()
        chosen = request.args.get("status", "collected")
        drafts = self.projects.search_projects(me, {"status": chosen, "per_page": 100})
        listed = self.projects.search_projects(me, {"status": "listed", "per_page": 100})
        return self.show(request, "library.html", status, drafts=drafts, listed=listed, chosen=chosen,
                         values=values, errors=errors, labels=PROJECT_LABELS,
                         summary=forms.summary(errors, PROJECT_LABELS), idempotency_key=key or new_key(),
                         sectors=list(SECTORS), pickers=picker.pickers(values, picker.place_scopes(actor)),
                         may_curate=actor.level in LEVEL_NAMES, event_key=new_key(), today=clock.today().isoformat())

    @page("POST", "/library/new")
    def library_collect(self, request):
        actor = self.require(request, "official")
        form, choosing = picker.picked(request.form, picker.place_scopes(actor))
        if choosing is not None:
            return self._library(request, actor, form, choosing, submitted_key(form), picker.status_of(choosing))
        data = {**forms.filled(form, ("title", "sector", "description", "region_code", "investment_yuan",
                                      "expected_jobs", "contact_name", "contact_phone")),
                "policies": forms.split_list(form.get("policies", "")), "library_level": actor.level}
        try:
            body = parse(ProjectCreate, data).model_dump(mode="json")
            project = self.projects.collect_project(actor.model_dump(), body, submitted_key(form))
        except (*REFUSALS, Forbidden) as exc:
            return self._library(request, actor, form, forms.messages(exc), submitted_key(form), status_for(exc))
        return redirect(f"/projects/{project['id']}?notice=project_collected")

    # ---- promotion events and signing -------------------------------------------------------

    @page("POST", "/promotion-events")
    def event_create(self, request):
        actor = self.require(request, "official")
        form = request.form
        data = {**forms.filled(form, ("title", "held_on", "place")), "project_ids": form.getlist("project_ids")}
        try:
            body = parse(PromotionEventCreate, data).model_dump(mode="json")
            event = self.projects.create_promotion_event(actor.model_dump(), body, submitted_key(form))
        except (*REFUSALS, Forbidden) as exc:
            return self._library(request, actor, MultiDict({"library_level": actor.level}), forms.messages(exc),
                                 new_key(), status_for(exc))
        return redirect(f"/promotion-events/{event['id']}?notice=event_created")

    @page("GET", "/promotion-events")
    def events_page(self, request):
        actor = self.require(request)
        return self.show(request, "promotion_events.html", events=self.projects.list_promotion_events(
            actor.model_dump())["items"])

    @page("GET", "/promotion-events/<string:event_id>")
    def event_page(self, request, event_id):
        return self._event(request, self.require(request), event_id)

    def _event(self, request, actor, event_id, errors: dict | None = None, status: int = 200):
        me = actor.model_dump()
        event = self.projects.get_promotion_event(me, event_id)
        organiser = actor.is_official and actor.level == event["level"] and actor.governs(event["region_code"])
        interested = {}
        if organiser:
            signed = {s["project_id"] for s in event["signings"]}
            for project in event["projects"]:
                if project["id"] not in signed:
                    interested[project["id"]] = self.projects.project_interests(me, project["id"])["items"]
        return self.show(request, "promotion_event.html", status, event=event, organiser=organiser,
                         interested=interested, errors=errors or {})

    @page("POST", "/promotion-events/<string:event_id>/signings")
    def event_sign(self, request, event_id):
        actor = self.require(request, "official")
        form = request.form
        try:
            self.projects.sign_project(actor.model_dump(), event_id, forms.filled(form, ("project_id",
                                                                                        "entrepreneur_id")))
        except (*REFUSALS, Forbidden) as exc:
            return self._event(request, actor, event_id, forms.messages(exc), status_for(exc))
        return redirect(f"/promotion-events/{event_id}?notice=project_signed")
