"""The JSON API of enterprise difficulties and their escalation (calls `escalation` by RPC)."""

from __future__ import annotations

from pydantic import BaseModel

from services.gateway import photos
from services.gateway.api.calls import ApiCalls, body, idempotency_key, optional, query
from services.gateway.http import api, file_response, json_response
from shared.contracts.escalation import (
    CalendarYear,
    DifficultyCreate,
    DifficultyListQuery,
    LocalCalendarYear,
    NoteBody,
    ReasonBody,
    ResolveBody,
)

DIFFICULTIES = "困难问题"
ACTIONS: dict[str, tuple[str, type[BaseModel], str]] = {  # path segment -> (RPC action, body schema, summary)
    "contact": ("contact", NoteBody, "首次联系企业"),
    "escalate": ("escalate", ReasonBody, "提前上报上一级（须写明理由）"),
    "resolve": ("resolve", ResolveBody, "书面答复"),
    "accept": ("accept", NoteBody, "企业确认答复"),
    "reject": ("reject", ReasonBody, "企业不认可答复，在本级重新办理"),
    "sign-off": ("sign_off", NoteBody, "单位负责人签字销号"),
}


class EscalationApiRoutes(ApiCalls):
    """Mixed into GatewayService, which provides `escalation` and `api_actor`."""

    @api("POST", "/api/v1/difficulties", "企业反映困难问题（按类别转交联络员）", DIFFICULTIES,
         body=DifficultyCreate, status=201, idempotent=True)
    def api_report_difficulty(self, request):
        record = self.escalation.report_difficulty(self.caller(request), body(request, DifficultyCreate),
                           idempotency_key(request))
        return json_response(record, 201, {"Location": f"/api/v1/difficulties/{record['id']}"})

    @api("GET", "/api/v1/difficulties", "困难问题列表（本企业或辖区内；queue=true 为本级待办，按期限排序）",
         DIFFICULTIES, query=DifficultyListQuery)
    def api_list_difficulties(self, request):
        return json_response(self.escalation.list_difficulties(self.caller(request), query(request, DifficultyListQuery)))

    @api("GET", "/api/v1/difficulties/stats", "辖区内按类别和层级统计", DIFFICULTIES)
    def api_difficulty_stats(self, request):
        return json_response(self.escalation.difficulty_stats(self.caller(request)))

    @api("GET", "/api/v1/difficulties/public/<string:reference>", "按编号公开查询办理状态（Open311 GeoReport v2 形式，不含个人信息）",
         DIFFICULTIES, public=True, errors=[503])
    def api_public_difficulty(self, request, reference):
        return json_response(self.escalation.public_difficulty(reference))

    @api("POST", "/api/v1/difficulties/sweep", "立即运行时限检查（市级工作人员或管理员）", DIFFICULTIES)
    def api_difficulty_sweep(self, request):
        return json_response(self.escalation.run_sweep(self.caller(request)))

    @api("GET", "/api/v1/difficulties/<string:difficulty_id>", "困难问题详情与办理记录", DIFFICULTIES)
    def api_get_difficulty(self, request, difficulty_id):
        return json_response(self.escalation.get_difficulty(self.caller(request), difficulty_id))

    @api("POST", "/api/v1/difficulties/<string:difficulty_id>/attachments",
         "企业上传附件（multipart 字段 file；PDF 2MB以内；PNG、JPEG 照片15MB以内，超过2MB的缩小后保存）",
         DIFFICULTIES, status=201)
    def api_add_attachment(self, request, difficulty_id):
        actor = self.api_actor(request)
        record = self.escalation.add_attachment(actor.model_dump(), difficulty_id, *photos.uploaded(request))
        return json_response(record, 201)

    @api("GET", "/api/v1/difficulties/<string:difficulty_id>/attachments/<string:attachment_id>", "下载附件",
         DIFFICULTIES)
    def api_get_attachment(self, request, difficulty_id, attachment_id):
        return file_response(self.escalation.get_attachment(self.caller(request), difficulty_id, attachment_id))

    @api("PUT", "/api/v1/calendar/<int:year>", "管理员录入一年的法定节假日和调休上班日", DIFFICULTIES,
         body=CalendarYear)
    def api_publish_calendar_year(self, request, year):
        return json_response(self.escalation.publish_calendar_year(self.caller(request), year, body(request, CalendarYear)))

    @api("PUT", "/api/v1/calendar/<int:year>/cities/<string:city>",
         "录入本市（州）当年的地方假日及调休上班日（本市市级工作人员或管理员；再次录入即替换）", DIFFICULTIES,
         body=LocalCalendarYear)
    def api_publish_local_days(self, request, year, city):
        return json_response(self.escalation.publish_local_days(self.caller(request), year, city,
                                                                body(request, LocalCalendarYear)))


def _action_route(segment: str):
    action, schema, summary = ACTIONS[segment]

    def route(self, request, difficulty_id):
        return json_response(self.escalation.act_on_difficulty(self.caller(request), difficulty_id, action,
                                       optional(request, schema)))

    route.__name__ = f"api_difficulty_{action}"
    return api("POST", f"/api/v1/difficulties/<string:difficulty_id>/{segment}", summary, DIFFICULTIES,
               body=schema)(route)


for _segment in ACTIONS:
    setattr(EscalationApiRoutes, f"api_difficulty_{ACTIONS[_segment][0]}", _action_route(_segment))
