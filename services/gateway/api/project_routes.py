"""The JSON API of the tiered project library and promotion events (calls `projects` by RPC)."""

from __future__ import annotations

from services.gateway.api.calls import ApiCalls, body, idempotency_key, optional, query
from services.gateway.http import api, json_response
from shared.contracts.projects import (
    InterestBody,
    ProjectCreate,
    ProjectQuery,
    PromotionEventCreate,
    RecommendationDecision,
    SigningCreate,
    StepBody,
)

PROJECTS = "项目库"
ID = "<string:project_id>"
STEP_SUMMARIES = {"review": "审核", "list": "入库", "launch": "登记项目落地", "withdraw": "撤回（须写明理由）"}


class ProjectApiRoutes(ApiCalls):
    """Mixed into GatewayService, which provides `projects` and `api_actor`."""

    @api("POST", "/api/v1/projects", "工作人员向本级项目库征集项目", PROJECTS, body=ProjectCreate, status=201,
         idempotent=True)
    def api_collect_project(self, request):
        project = self.projects.collect_project(self.caller(request), body(request, ProjectCreate), idempotency_key(request))
        return json_response(project, 201, {"Location": f"/api/v1/projects/{project['id']}"})

    @api("GET", "/api/v1/projects", "检索项目（行业、地区、投资额、关键词）", PROJECTS, query=ProjectQuery)
    def api_search_projects(self, request):
        return json_response(self.projects.search_projects(self.caller(request), query(request, ProjectQuery)))

    @api("GET", "/api/v1/projects/for-me", "适合我的项目（附理由）", PROJECTS)
    def api_my_matches(self, request):
        return json_response(self.projects.my_matches(self.caller(request)))

    @api("GET", f"/api/v1/projects/{ID}", "项目详情", PROJECTS)
    def api_get_project(self, request, project_id):
        return json_response(self.projects.get_project(self.caller(request), project_id))

    @api("POST", f"/api/v1/projects/{ID}/recommend", "向上一级项目库推荐", PROJECTS, body=StepBody)
    def api_recommend_project(self, request, project_id):
        return json_response(self.projects.recommend_project(self.caller(request), project_id, optional(request, StepBody)))

    @api("POST", f"/api/v1/projects/{ID}/recommendation", "上一级审核推荐（接收或不予接收）", PROJECTS,
         body=RecommendationDecision)
    def api_decide_recommendation(self, request, project_id):
        return json_response(self.projects.decide_recommendation(self.caller(request), project_id,
                                       body(request, RecommendationDecision)))

    @api("POST", f"/api/v1/projects/{ID}/interest", "创业者表达意向", PROJECTS, body=InterestBody)
    def api_express_interest(self, request, project_id):
        return json_response(self.projects.express_interest(self.caller(request), project_id,
                                       optional(request, InterestBody)))

    @api("GET", f"/api/v1/projects/{ID}/interests", "项目收到的意向", PROJECTS)
    def api_project_interests(self, request, project_id):
        return json_response(self.projects.project_interests(self.caller(request), project_id))

    @api("GET", f"/api/v1/projects/{ID}/matches", "与项目匹配的创业者（附理由）", PROJECTS)
    def api_project_matches(self, request, project_id):
        return json_response(self.projects.project_matches(self.caller(request), project_id))

    @api("POST", "/api/v1/promotion-events", "组织项目推介会", PROJECTS, body=PromotionEventCreate, status=201,
         idempotent=True)
    def api_create_promotion_event(self, request):
        event = self.projects.create_promotion_event(self.caller(request), body(request, PromotionEventCreate),
                          idempotency_key(request))
        return json_response(event, 201, {"Location": f"/api/v1/promotion-events/{event['id']}"})

    @api("GET", "/api/v1/promotion-events", "项目推介会列表", PROJECTS)
    def api_list_promotion_events(self, request):
        return json_response(self.projects.list_promotion_events(self.caller(request)))

    @api("GET", "/api/v1/promotion-events/<string:event_id>", "推介会详情与签约", PROJECTS)
    def api_get_promotion_event(self, request, event_id):
        return json_response(self.projects.get_promotion_event(self.caller(request), event_id))

    @api("POST", "/api/v1/promotion-events/<string:event_id>/signings", "集中签约：项目与创业者或经营主体",
         PROJECTS, body=SigningCreate, status=201)
    def api_sign_project(self, request, event_id):
        return json_response(self.projects.sign_project(self.caller(request), event_id, body(request, SigningCreate)), 201)


def _step_route(action: str):
    def route(self, request, project_id):
        return json_response(self.projects.advance_project(self.caller(request), project_id, action,
                                       optional(request, StepBody)))

    route.__name__ = f"api_project_{action}"
    return api("POST", f"/api/v1/projects/{ID}/{action}", f"项目{STEP_SUMMARIES[action]}", PROJECTS,
               body=StepBody)(route)


for _action in STEP_SUMMARIES:
    setattr(ProjectApiRoutes, f"api_project_{_action}", _step_route(_action))
