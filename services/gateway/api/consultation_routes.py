"""The JSON API of the quarterly difficulty consultation (calls `consultation` by RPC)."""

from __future__ import annotations

from services.gateway.api.calls import ApiCalls, body, idempotency_key, query
from services.gateway.http import api, file_response, json_response
from shared.contracts.consultation import (
    BulletinQuery,
    DepartmentCreate,
    DepartmentUpdate,
    ItemReferral,
    MeetingRecord,
    ProgressRecord,
    QuarterOpen,
    ResolutionAssign,
    RosterChange,
    RoundQuery,
)

QUARTERS = "季度困难会商会"
DEPARTMENTS = "部门名录"
Q = "<string:quarter>"
ROUND = {"query": RoundQuery}  # every quarter route: ?region= names a county's round (or another city's)


def round_of(request) -> str | None:
    """The round's region the caller named (checked), or None for their own city's."""
    return query(request, RoundQuery)["region"]


class ConsultationApiRoutes(ApiCalls):
    """Mixed into GatewayService, which provides `consultation` and `api_actor`."""

    @api("POST", "/api/v1/quarters", "开启季度会商并按规则生成名单和议程（市级工作人员开本市的，县级开本县（区）的，"
         "填 region；市级到季度截止日也会自动开启）",
         QUARTERS, body=QuarterOpen, status=201)
    def api_open_quarter(self, request):
        return json_response(self.consultation.open_quarter(self.caller(request), body(request, QuarterOpen)), 201)

    @api("GET", f"/api/v1/quarters/{Q}", "季度会商与本辖区的名单", QUARTERS, **ROUND)
    def api_get_quarter(self, request, quarter):
        return json_response(self.consultation.get_quarter(self.caller(request), quarter, region=round_of(request)))

    @api("GET", f"/api/v1/quarters/{Q}/roster", "本辖区的会商名单及列入依据", QUARTERS, **ROUND)
    def api_get_roster(self, request, quarter):
        return json_response(self.consultation.get_quarter(self.caller(request), quarter, region=round_of(request))["roster"])

    @api("POST", f"/api/v1/quarters/{Q}/roster", "增列经营主体（须写明理由）", QUARTERS, body=RosterChange, **ROUND)
    def api_add_to_roster(self, request, quarter):
        return json_response(self.consultation.change_roster(self.caller(request), quarter, body(request, RosterChange),
                                       add=True, region=round_of(request)))

    @api("POST", f"/api/v1/quarters/{Q}/roster/remove", "移出名单（须写明理由）", QUARTERS, body=RosterChange, **ROUND)
    def api_remove_from_roster(self, request, quarter):
        return json_response(self.consultation.change_roster(self.caller(request), quarter, body(request, RosterChange),
                                       add=False, region=round_of(request)))

    @api("GET", f"/api/v1/quarters/{Q}/agenda", "会商议程：按企业、按类别列出每个困难问题（本辖区）", QUARTERS, **ROUND)
    def api_get_agenda(self, request, quarter):
        return json_response(self.consultation.get_agenda(self.caller(request), quarter, region=round_of(request)))

    @api("PUT", f"/api/v1/quarters/{Q}/meeting", "登记会商会议：日期、主持人、参会单位、会议纪要（市级）", QUARTERS,
         body=MeetingRecord, **ROUND)
    def api_record_meeting(self, request, quarter):
        return json_response(self.consultation.record_meeting(self.caller(request), quarter, body(request, MeetingRecord),
                                                             region=round_of(request)))

    @api("GET", f"/api/v1/quarters/{Q}/meeting", "会商会议记录", QUARTERS, **ROUND)
    def api_get_meeting(self, request, quarter):
        return json_response(self.consultation.get_quarter(self.caller(request), quarter, region=round_of(request))["meeting"])

    @api("POST", f"/api/v1/quarters/{Q}/resolutions", "交办议程事项：牵头单位、配合单位、措施、完成时限（市级）",
         QUARTERS, body=ResolutionAssign, status=201, **ROUND)
    def api_assign_resolution(self, request, quarter):
        return json_response(self.consultation.assign_resolution(self.caller(request), quarter,
                                       body(request, ResolutionAssign), idempotency_key(request),
                                                                 region=round_of(request)), 201)

    @api("POST", f"/api/v1/quarters/{Q}/agenda/<string:item_id>/refer",
         "县（区）级会商将本级不能解决的事项提交市级会商，附县（区）意见（本县（区）工作人员）", QUARTERS,
         body=ItemReferral, **ROUND)
    def api_refer_item(self, request, quarter, item_id):
        return json_response(self.consultation.refer_item(self.caller(request), quarter, item_id,
                                                          body(request, ItemReferral), region=round_of(request)))

    @api("GET", f"/api/v1/quarters/{Q}/resolutions", "本季度交办事项及办理进度（本辖区）", QUARTERS, **ROUND)
    def api_list_resolutions(self, request, quarter):
        return json_response({"items": self.consultation.list_resolutions(self.caller(request), quarter, region=round_of(request))})

    @api("POST", "/api/v1/resolutions/<string:resolution_id>/progress", "登记交办事项办理进度（0-100%）与说明",
         QUARTERS, body=ProgressRecord)
    def api_record_progress(self, request, resolution_id):
        return json_response(self.consultation.record_progress(self.caller(request), resolution_id,
                                       body(request, ProgressRecord), idempotency_key(request)))

    @api("POST", "/api/v1/resolutions/overdue-sweep", "检查逾期未办结的交办事项（市级；系统每半小时自动运行）",
         QUARTERS)
    def api_resolution_sweep(self, request):
        return json_response(self.consultation.overdue_sweep(self.caller(request)))

    @api("POST", f"/api/v1/quarters/{Q}/close", "结束本季度会商，生成季度通报；未办结事项结转下季度（市级）",
         QUARTERS, **ROUND)
    def api_close_quarter(self, request, quarter):
        return json_response(self.consultation.close_quarter(self.caller(request), quarter, region=round_of(request)))

    @api("GET", "/api/v1/bulletins", "返乡创业工作通报：省、市、县（区）或乡镇，任意月份区间（今年以来、上半年、全年等；"
         "不填为本辖区今年以来）", QUARTERS, query=BulletinQuery)
    def api_period_bulletin(self, request):
        return json_response(self.consultation.period_bulletin(self.caller(request), query(request, BulletinQuery)))

    @api("GET", "/api/v1/bulletins.xlsx", "返乡创业工作通报表格（Excel）", QUARTERS, query=BulletinQuery)
    def api_period_bulletin_xlsx(self, request):
        return file_response(self.consultation.period_bulletin_workbook(self.caller(request),
                                                                        query(request, BulletinQuery)))

    @api("GET", f"/api/v1/quarters/{Q}/bulletin", "季度通报（本辖区的数字）", QUARTERS, **ROUND)
    def api_get_bulletin(self, request, quarter):
        return json_response(self.consultation.get_bulletin(self.caller(request), quarter, region=round_of(request)))

    @api("GET", f"/api/v1/quarters/{Q}/bulletin.xlsx", "季度通报表格（Excel）", QUARTERS, **ROUND)
    def api_bulletin_xlsx(self, request, quarter):
        return file_response(self.consultation.bulletin_workbook(self.caller(request), quarter, region=round_of(request)))

    @api("GET", "/api/v1/enterprises/<string:enterprise_id>/timeline", "经营主体全流程时间线（登记、贷款、补贴、困难、会商、项目）",
         QUARTERS)
    def api_enterprise_timeline(self, request, enterprise_id):
        return json_response(self.consultation.timeline(self.caller(request), enterprise_id))

    @api("GET", "/api/v1/dashboard", "本辖区工作概况：按季度的贷款与补贴、困难问题分布、会商办结率", QUARTERS)
    def api_dashboard(self, request):
        return json_response(self.consultation.dashboard(self.caller(request)))

    @api("POST", "/api/v1/consultation/rebuild", "由各服务的全部事件重放重建会商数据（管理员或市级）", QUARTERS)
    def api_rebuild_consultation(self, request):
        return json_response(self.consultation.rebuild(self.caller(request)))

    # ---- the department list: the meeting's departments and the resolutions' lead and co-operating ones

    @api("GET", "/api/v1/departments", "部门名录（含已停用的）：参会单位、牵头单位、配合单位从中选择（工作人员、管理员）",
         DEPARTMENTS)
    def api_list_departments(self, request):
        return json_response({"items": self.consultation.list_departments(self.caller(request))})

    @api("POST", "/api/v1/departments", "新增部门：代码、全称、简称、曾用名、层级与地区（管理员）", DEPARTMENTS,
         body=DepartmentCreate, status=201)
    def api_create_department(self, request):
        return json_response(self.consultation.create_department(self.caller(request),
                                                                 body(request, DepartmentCreate)), 201)

    @api("PATCH", "/api/v1/departments/<string:code>", "修改部门：改名（原名称保留为曾用名）、停用或恢复（管理员）",
         DEPARTMENTS, body=DepartmentUpdate)
    def api_update_department(self, request, code):
        return json_response(self.consultation.update_department(self.caller(request), code,
                                                                 body(request, DepartmentUpdate)))
