"""The JSON API under /api/v1: thin routes that authenticate, validate and call the services."""

from __future__ import annotations

from services.gateway import divisions, imports, todo
from services.gateway.api.calls import ApiCalls, bearer_token, idempotency_key, optional
from services.gateway.api.openapi import asyncapi_document, openapi_document
from services.gateway.handlers import accounts, auth, throttle
from services.gateway.handlers.accounts import open_staff_account
from services.gateway.http import (
    ApiEndpoint,
    api,
    download_response,
    json_response,
    read_json,
    uploaded_file,
)
from shared.actors import require_role
from shared.contracts.registry import (
    ClaimCodeRequest,
    ClaimCodeSent,
    ClaimDecision,
    ClaimQuery,
    ClaimRead,
    ClaimSubmit,
    EnterpriseContactRead,
    EnterpriseCreate,
    EnterprisePayeeAccountUpdate,
    EnterpriseRead,
    EnterpriseUpdate,
    EntrepreneurCreate,
    EntrepreneurPayeeAccountUpdate,
    EntrepreneurRead,
    EntrepreneurUpdate,
    HeadcountReport,
    ImportRead,
    LiaisonsAssign,
    ListQuery,
    Page,
    ReturnCommand,
    VerifyCommand,
)
from shared.errors import NotFound
from shared.validation import parse

ENTREPRENEURS, ENTERPRISES, ACCOUNTS, SYSTEM, IMPORTS = "创业者", "经营主体", "账号", "系统", "台账导入"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


class ApiRoutes(ApiCalls):
    """Accounts, the registry's records, the API's documents (mixed into GatewayService)."""

    # ---- accounts ---------------------------------------------------------------------------

    @api("POST", "/api/v1/auth/login", "登录，取得API令牌", ACCOUNTS, body=auth.Login, public=True,
         errors=[429])
    def api_login(self, request):
        data = parse(auth.Login, read_json(request))
        return self._api_session(data, throttle.client_address(request, self.settings))

    def _api_session(self, data: auth.Login, address: str):
        actor, token, expires = accounts.sign_in(self.db, self.sessions, data, address, throttle.policies(self.settings),
                                                 kind="api", hours=self.settings.session_hours)
        return json_response({"token": token, "token_type": "Bearer", "expires_at": expires.isoformat(),
                              "user": actor.model_dump()})

    @api("POST", "/api/v1/auth/logout", "注销当前令牌", ACCOUNTS, status=204)
    def api_logout(self, request):
        self.api_actor(request)
        token = bearer_token(request)
        accounts.sign_out(self.db, self.sessions, token)
        return 204, ""

    @api("POST", "/api/v1/auth/signup", "创业者用手机号注册账号", ACCOUNTS, body=auth.SignUp,
         public=True, status=201)
    def api_signup(self, request):
        data = parse(auth.SignUp, read_json(request))
        actor, _ = accounts.sign_up(self.db, data)
        return json_response(actor.model_dump(), 201)

    @api("GET", "/api/v1/me", "当前账号", ACCOUNTS)
    def api_me(self, request):
        return json_response(self.api_actor(request).model_dump())

    @api("GET", "/api/v1/todo", "待办事项：各项需要本人办理的工作、件数、最近期限和已超期件数", ACCOUNTS)
    def api_todo(self, request):
        return json_response(todo.gather(self, self.api_actor(request)))

    @api("POST", "/api/v1/users", "管理员创建账号", ACCOUNTS, body=auth.UserCreate, status=201)
    def api_create_user(self, request):
        require_role(self.api_actor(request), "admin")
        data = parse(auth.UserCreate, read_json(request))
        return json_response(open_staff_account(self.db, self.finance, data).model_dump(), 201)

    @api("GET", "/api/v1/users", "管理员查看账号列表", ACCOUNTS)
    def api_list_users(self, request):
        require_role(self.api_actor(request), "admin")
        with self.db.read() as session:
            return json_response({"items": [auth.actor_of(u).model_dump() for u in auth.list_users(session)]})

    # ---- entrepreneurs ----------------------------------------------------------------------

    @api("POST", "/api/v1/entrepreneurs", "登记创业者", ENTREPRENEURS, body=EntrepreneurCreate,
         response=EntrepreneurRead, status=201, idempotent=True)
    def api_create_entrepreneur(self, request):
        actor = self.api_actor(request)
        data = parse(EntrepreneurCreate, read_json(request)).model_dump(mode="json")
        record = self.registry.create_entrepreneur(actor.model_dump(), data, idempotency_key(request))
        return json_response(record, 201, {"Location": f"/api/v1/entrepreneurs/{record['id']}"})

    @api("GET", "/api/v1/entrepreneurs", "创业者列表（本人或辖区内）", ENTREPRENEURS, query=ListQuery,
         response=Page)
    def api_list_entrepreneurs(self, request):
        actor = self.api_actor(request)
        query = parse(ListQuery, dict(request.args.items())).model_dump(mode="json")
        return json_response(self.registry.list_entrepreneurs(actor.model_dump(), query))

    @api("GET", "/api/v1/entrepreneurs/<string:entrepreneur_id>", "创业者详情", ENTREPRENEURS,
         response=EntrepreneurRead)
    def api_get_entrepreneur(self, request, entrepreneur_id):
        actor = self.api_actor(request)
        return json_response(self.registry.get_entrepreneur(actor.model_dump(), entrepreneur_id))

    @api("POST", "/api/v1/entrepreneurs/<string:entrepreneur_id>/verify", "工作人员核实创业者",
         ENTREPRENEURS, body=VerifyCommand, response=EntrepreneurRead)
    def api_verify_entrepreneur(self, request, entrepreneur_id):
        actor = self.api_actor(request)
        command = optional(request, VerifyCommand)
        return json_response(self.registry.verify_entrepreneur(actor.model_dump(), entrepreneur_id, command))

    @api("POST", "/api/v1/entrepreneurs/<string:entrepreneur_id>/return", "工作人员退回创业者登记，请其修改",
         ENTREPRENEURS, body=ReturnCommand, response=EntrepreneurRead)
    def api_return_entrepreneur(self, request, entrepreneur_id):
        actor = self.api_actor(request)
        command = parse(ReturnCommand, read_json(request)).model_dump(mode="json")
        return json_response(self.registry.return_entrepreneur(actor.model_dump(), entrepreneur_id, command))

    @api("PATCH", "/api/v1/entrepreneurs/<string:entrepreneur_id>", "更正创业者登记（本人核实前修改、重新提交；工作人员更正）",
         ENTREPRENEURS, body=EntrepreneurUpdate, response=EntrepreneurRead)
    def api_update_entrepreneur(self, request, entrepreneur_id):
        actor = self.api_actor(request)
        data = parse(EntrepreneurUpdate, read_json(request)).model_dump(mode="json", exclude_unset=True)
        return json_response(self.registry.update_entrepreneur(actor.model_dump(), entrepreneur_id, data))

    @api("PUT", "/api/v1/entrepreneurs/<string:entrepreneur_id>/payee-account",
         "设置或更改本人的收款账户（银行卡或社会保障卡金融账户；本人或所在地工作人员，同一账户重复设置不变）",
         ENTREPRENEURS, body=EntrepreneurPayeeAccountUpdate, response=EntrepreneurRead)
    def api_set_entrepreneur_payee_account(self, request, entrepreneur_id):
        actor = self.api_actor(request)
        data = parse(EntrepreneurPayeeAccountUpdate, read_json(request)).model_dump(mode="json")
        return json_response(self.registry.set_entrepreneur_payee_account(actor.model_dump(), entrepreneur_id, data))

    # ---- claiming a record registered on one's behalf ----------------------------------------

    @api("POST", "/api/v1/entrepreneurs/claim/code", "认领代为登记的记录：向登记的手机号发送验证码", ENTREPRENEURS,
         body=ClaimCodeRequest, response=ClaimCodeSent)
    def api_send_claim_code(self, request):
        actor = self.api_actor(request)
        data = parse(ClaimCodeRequest, read_json(request)).model_dump(mode="json")
        return json_response(self.registry.send_claim_code(actor.model_dump(), data))

    @api("POST", "/api/v1/entrepreneurs/claim", "认领代为登记的记录：凭短信验证码即时认领，或申请到便民服务中心当面确认（202）",
         ENTREPRENEURS, body=ClaimSubmit, response=EntrepreneurRead, also={202: ClaimRead})
    def api_claim_entrepreneur(self, request):
        actor = self.api_actor(request)
        data = parse(ClaimSubmit, read_json(request)).model_dump(mode="json")
        answer, status = self.registry.claim_entrepreneur(actor.model_dump(), data)
        return json_response(answer, status)

    @api("GET", "/api/v1/entrepreneur-claims", "认领申请（本人的，或辖区内的）", ENTREPRENEURS, query=ClaimQuery)
    def api_list_entrepreneur_claims(self, request):
        actor = self.api_actor(request)
        query = parse(ClaimQuery, dict(request.args.items())).model_dump(mode="json")
        return json_response(self.registry.list_claims(actor.model_dump(), query))

    @api("POST", "/api/v1/entrepreneur-claims/<string:claim_id>/approve", "工作人员当面核对身份证件后确认认领",
         ENTREPRENEURS, body=ClaimDecision, response=ClaimRead)
    def api_approve_entrepreneur_claim(self, request, claim_id):
        actor = self.api_actor(request)
        command = optional(request, ClaimDecision)
        return json_response(self.registry.approve_claim(actor.model_dump(), claim_id, command))

    @api("POST", "/api/v1/entrepreneur-claims/<string:claim_id>/reject", "工作人员不予确认认领（写明原因）",
         ENTREPRENEURS, body=ClaimDecision, response=ClaimRead)
    def api_reject_entrepreneur_claim(self, request, claim_id):
        actor = self.api_actor(request)
        command = parse(ClaimDecision, read_json(request)).model_dump(mode="json")
        return json_response(self.registry.reject_claim(actor.model_dump(), claim_id, command))

    # ---- an office's roll imported -----------------------------------------------------------

    @api("POST", "/api/v1/imports", "导入返乡创业人员台账（multipart 字段 file：.xlsx 或 .csv；dry_run=false 时核对后即导入）",
         IMPORTS, response=ImportRead, status=201, errors=[413])
    def api_create_import(self, request):
        actor = self.api_actor(request)
        file_name, data = uploaded_file(request)
        dry_run = request.form.get("dry_run", "true").lower() not in ("false", "0", "no")
        report = imports.upload(self.registry, actor, file_name, data, dry_run=dry_run)
        return json_response(report, 201, {"Location": f"/api/v1/imports/{report['id']}"})

    @api("GET", "/api/v1/imports", "本辖区的台账导入", IMPORTS)
    def api_list_imports(self, request):
        return json_response(self.registry.list_imports(self.api_actor(request).model_dump()))

    @api("GET", "/api/v1/imports/template.xlsx", "台账模板（Excel）", IMPORTS)
    def api_import_template(self, request):
        require_role(self.api_actor(request), "official")
        return download_response(imports.template_xlsx(), "返乡创业人员台账模板.xlsx", XLSX)

    @api("GET", "/api/v1/imports/<string:import_id>", "导入进度、条数和每个错误（行、列、规则）", IMPORTS,
         response=ImportRead)
    def api_get_import(self, request, import_id):
        return json_response(self.registry.get_import(self.api_actor(request).model_dump(), import_id))

    @api("GET", "/api/v1/imports/<string:import_id>/errors.csv", "错误清单（CSV）", IMPORTS)
    def api_import_errors(self, request, import_id):
        report = self.registry.get_import(self.api_actor(request).model_dump(), import_id)
        return download_response(imports.errors_csv(report), f"导入错误清单-{report['file_name']}.csv", CSV)

    @api("POST", "/api/v1/imports/<string:import_id>/start", "核对无误后开始导入（已登记的不重复登记）", IMPORTS,
         response=ImportRead)
    def api_start_import(self, request, import_id):
        return json_response(self.registry.start_import(self.api_actor(request).model_dump(), import_id))

    # ---- enterprises ------------------------------------------------------------------------

    @api("POST", "/api/v1/enterprises", "登记经营主体", ENTERPRISES, body=EnterpriseCreate,
         response=EnterpriseRead, status=201, idempotent=True)
    def api_create_enterprise(self, request):
        actor = self.api_actor(request)
        data = parse(EnterpriseCreate, read_json(request)).model_dump(mode="json")
        record = self.registry.create_enterprise(actor.model_dump(), data, idempotency_key(request))
        return json_response(record, 201, {"Location": f"/api/v1/enterprises/{record['id']}"})

    @api("GET", "/api/v1/enterprises", "经营主体列表（本人或辖区内）", ENTERPRISES, query=ListQuery,
         response=Page)
    def api_list_enterprises(self, request):
        actor = self.api_actor(request)
        query = parse(ListQuery, dict(request.args.items())).model_dump(mode="json")
        return json_response(self.registry.list_enterprises(actor.model_dump(), query))

    @api("GET", "/api/v1/enterprises/<string:enterprise_id>", "经营主体详情", ENTERPRISES,
         response=EnterpriseRead)
    def api_get_enterprise(self, request, enterprise_id):
        actor = self.api_actor(request)
        return json_response(self.registry.get_enterprise(actor.model_dump(), enterprise_id))

    @api("GET", "/api/v1/enterprises/<string:enterprise_id>/contact",
         "经营主体的联系人（业主姓名、手机号），供办理其事项的辖区工作人员和业主本人", ENTERPRISES,
         response=EnterpriseContactRead)
    def api_get_enterprise_contact(self, request, enterprise_id):
        return json_response(self.registry.get_enterprise_contact(self.caller(request), enterprise_id))

    @api("POST", "/api/v1/enterprises/<string:enterprise_id>/verify", "工作人员核实经营主体",
         ENTERPRISES, body=VerifyCommand, response=EnterpriseRead)
    def api_verify_enterprise(self, request, enterprise_id):
        actor = self.api_actor(request)
        command = optional(request, VerifyCommand)
        return json_response(self.registry.verify_enterprise(actor.model_dump(), enterprise_id, command))

    @api("POST", "/api/v1/enterprises/<string:enterprise_id>/return", "工作人员退回经营主体登记，请其修改",
         ENTERPRISES, body=ReturnCommand, response=EnterpriseRead)
    def api_return_enterprise(self, request, enterprise_id):
        actor = self.api_actor(request)
        command = parse(ReturnCommand, read_json(request)).model_dump(mode="json")
        return json_response(self.registry.return_enterprise(actor.model_dump(), enterprise_id, command))

    @api("PATCH", "/api/v1/enterprises/<string:enterprise_id>", "更正经营主体登记（本人核实前修改、重新提交；工作人员更正）",
         ENTERPRISES, body=EnterpriseUpdate, response=EnterpriseRead)
    def api_update_enterprise(self, request, enterprise_id):
        actor = self.api_actor(request)
        data = parse(EnterpriseUpdate, read_json(request)).model_dump(mode="json", exclude_unset=True)
        return json_response(self.registry.update_enterprise(actor.model_dump(), enterprise_id, data))

    @api("POST", "/api/v1/enterprises/<string:enterprise_id>/headcount", "按季度填报用工人数",
         ENTERPRISES, body=HeadcountReport, response=EnterpriseRead, idempotent=True)
    def api_report_headcount(self, request, enterprise_id):
        actor = self.api_actor(request)
        data = parse(HeadcountReport, read_json(request)).model_dump(mode="json")
        return json_response(self.registry.report_headcount(
            actor.model_dump(), enterprise_id, data, idempotency_key(request)))

    @api("PUT", "/api/v1/enterprises/<string:enterprise_id>/liaisons", "指定金融、法律、政务联络员",
         ENTERPRISES, body=LiaisonsAssign, response=EnterpriseRead)
    def api_assign_liaisons(self, request, enterprise_id):
        actor = self.api_actor(request)
        data = parse(LiaisonsAssign, read_json(request)).model_dump(mode="json")
        return json_response(self.registry.assign_liaisons(actor.model_dump(), enterprise_id, data))

    @api("PUT", "/api/v1/enterprises/<string:enterprise_id>/payee-account",
         "设置或更改经营主体的基本存款账户（业主或所在地工作人员，同一账户重复设置不变）",
         ENTERPRISES, body=EnterprisePayeeAccountUpdate, response=EnterpriseRead)
    def api_set_enterprise_payee_account(self, request, enterprise_id):
        actor = self.api_actor(request)
        data = parse(EnterprisePayeeAccountUpdate, read_json(request)).model_dump(mode="json")
        return json_response(self.registry.set_enterprise_payee_account(actor.model_dump(), enterprise_id, data))

    # ---- documents --------------------------------------------------------------------------

    @api("GET", "/api/v1/regions", "行政区划：某地区的下一级（县、乡镇、村），供各表单逐级选择地区", SYSTEM,
         query=divisions.RegionQuery, response=divisions.RegionList, public=True)
    def api_regions(self, request):
        answer = divisions.region_list(parse(divisions.RegionQuery, dict(request.args.items())).model_dump())
        return json_response(answer, headers={"Cache-Control": divisions.CACHE})

    @api("GET", "/api/v1/openapi.json", "本接口的 OpenAPI 3.1 文档", SYSTEM, public=True)
    def api_openapi(self, request):
        return json_response(openapi_document())

    @api("GET", "/api/v1/asyncapi.json", "事件目录（AsyncAPI 3.0）", SYSTEM, public=True)
    def api_asyncapi(self, request):
        return json_response(asyncapi_document())

    @ApiEndpoint.decorator("GET,POST,PUT,PATCH,DELETE", "/api/v1/<path:unknown>")
    def api_unknown(self, request, unknown):
        """Any other path under /api/v1 answers in the API's own error shape."""
        raise NotFound("route_not_found", None, f"没有这个接口：{request.method} /api/v1/{unknown}")
