"""Templates and static files of the pages: one Jinja2 environment, Chinese names, local time."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from services.gateway.web.forms import ENTERPRISE_LABELS, ENTREPRENEUR_LABELS
from shared import regions
from shared.actors import ROLE_NAMES
from shared.contracts.finance import HIRE_CATEGORY_NAMES, KIND_NAMES, SKILL_LEVEL_NAMES, STEP_NAMES
from shared.contracts.registry import (
    CATEGORY_NAMES,
    CERTIFICATE_LEVEL_NAMES,
    CHANGE_NAMES,
    CLAIM_METHOD_NAMES,
    CLAIM_STATUS_NAMES,
    EDUCATION_NAMES,
    ENTERPRISE_DOCUMENT_NAMES,
    ENTERPRISE_KIND_NAMES,
    ENTREPRENEUR_DOCUMENT_NAMES,
    LEVEL_NAMES,
    LIAISON_NAMES,
    PAYEE_BANK_NAMES,
    PAYEE_KIND_NAMES,
    PERSON_PAYEE_KINDS,
    STATUS_NAMES,
)
from shared.errors import NotFound

HERE = Path(__file__).parent
STATIC = HERE / "static"
HTML = "text/html; charset=utf-8"
# China keeps one offset all year, so a fixed zone is exact and needs no tz database
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
OFFICIAL_LEVEL_NAMES = {"village": "村", **LEVEL_NAMES, "province": "省"}
GENDER_NAMES = {"male": "男", "female": "女"}

# fixed messages shown after a redirect (?notice=...), so no text comes from the address bar
NOTICES = {
    "signed_up": "账号已开通。请填写创业者登记表。",
    "registered": "登记成功，请等待所在地工作人员核实。",
    "enterprise_registered": "经营主体登记成功，请等待所在地工作人员核实。",
    "headcount": "季度用工情况已填报。",
    "record_saved": "修改已保存，变更记录见下。",
    "settings_saved": "短信提醒设置已保存。",
    "claimed": "认领成功，登记信息和名下的经营主体已归入您的账号。",
    "claim_requested": "申请已提交。请携带身份证件到所在地便民服务中心，由工作人员当面确认。",
    "claim_decided": "已处理该认领申请。",
    "returned": "已退回修改，登记人可看到退回原因；重新提交后再核实。",
    "verified": "核实完成，状态已更新为“已核实”。",
    "liaisons": "一企一专班联络员已保存。",
    "logged_out": "您已安全退出。",
    "parking_replay": "已重新投递，服务将再次处理。",
    "parking_discard": "已丢弃该消息。",
    "already_registered": "您已登记过创业者信息。",
    "registered_for": "已代为登记，状态为待核实；核对身份证件原件后即可核实。",
    "loan_applied": "贷款申请已提交，资格核验结果见下。",
    "loan_withdraw": "申请已撤回。",
    "loan_approve": "审批已提交。",
    "loan_confirm": "复核通过，贷款已审批。",
    "loan_reject": "已拒绝该申请，申请人可看到理由。",
    "loan_disburse": "已放款，还款计划已生成。",
    "loan_repayments": "还款已登记。",
    "claim_submitted": "补贴申领已提交，核验结果见下。",
    "claim_reviewed": "审核结果已保存。",
    "batch_created": "发放批次已生成，请核对补贴资金可用余额后审批。",
    "batch_approve": "批次已审批。",
    "batch_pay": "批次已发放，申领人可看到“已发放”。",
    "batch_bank_return": "银行回盘已登记：成功的已记为“已发放”并记账，失败的请更正账户后重新生成清单行或从批次取消。",
    "batch_reissue": "已为账户已登记或已更正的申领重新生成清单行，请下载新的代发清单。",
    "batch_cancel": "已从批次中取消，申领退回“已审核通过”，可编入以后的批次。",
    "interest_reissued": "已为登记或更正了贴息资金专户的银行重新生成清单行，请下载新的贴息代发清单。",
    "interest_returned": "回盘已登记：成功的银行其贷款贴息已记账并记为已发放，失败的请更正专户后重新生成清单行。",
    "contributed": "资金已拨入并入账。",
    "rate_recorded": "贷款回收率已保存。",
    "interest_computed": "本季度贴息已按实付利息计算，核对后可发放。",
    "interest_paid": "本季度贴息已发放。",
    "difficulty_reported": "困难问题已提交，已转交联络员办理。请记下编号，可随时查询办理进度。",
    "difficulty_contact": "已登记首次联系。",
    "difficulty_escalate": "已上报上一级。",
    "difficulty_resolve": "答复已提交，等待企业确认。",
    "difficulty_accept": "您已确认答复，待单位负责人销号。",
    "difficulty_reject": "已退回，将在本级重新办理。",
    "difficulty_sign_off": "已销号。",
    "difficulty_attached": "附件已上传。",
    "document_added": "材料已上传。",
    "payee_account": "收款账户已保存（账号只显示前4位和后4位），已记入变更记录。",
    "project_interest": "已登记您的意向，项目库工作人员会与您联系。",
    "project_review": "项目已审核。", "project_list": "项目已入库，创业者可以检索到。",
    "project_launch": "已登记项目落地。", "project_withdraw": "项目已撤回。",
    "project_recommend": "已向上一级项目库推荐，等待审核。", "project_accept": "已接收进入本级项目库。",
    "project_decline": "已不予接收。", "project_collected": "项目已征集，请审核后入库。",
    "event_created": "推介会已创建，所选项目状态为“已推介”。", "project_signed": "签约已登记。",
    "user_created": "账号已开设。",
    "policy_proposed": "提案已提交，须由另一位管理员批准后生效。", "policy_approved": "已批准，新版本自生效日期起适用。",
    "policy_rejected": "提案已退回（撤回），政策数据未改变。",
    "department_created": "部门已加入名录，会商时即可选择。", "department_updated": "部门信息已保存；原名称保留为曾用名。",
    "department_retired": "部门已停用，会商时不再列出；历史记录不变。", "department_restored": "部门已恢复使用。",
    "quarter_opened": "季度会商已开启，名单和议程已按规则生成。",
    "item_referred": "已提交市级会商：市级会商的名单和议程注明本县（区）的意见。",
    "roster_added": "已增列入会商名单；其未办结的困难问题（如有）已列入议程。", "roster_removed": "已移出会商名单。",
    "meeting_recorded": "会商会议已登记。", "resolution_assigned": "事项已交办，困难问题的办理记录中可看到会商决定。",
    "progress_recorded": "办理进度已登记。",
    "quarter_closed": "本季度会商已结束，季度通报已定稿；未办结事项转入下季度议程。",
}


def local_time(value: str | dt.datetime | None) -> str:
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def region_name(code: str | None) -> str:
    """A region without the province, which every record here shares."""
    if not code:
        return ""
    return regions.full_name(code).removeprefix("四川省")


def names(values, table: dict) -> str:
    return "、".join(table.get(value, value) for value in values or [])


CHANGED_FIELD_NAMES = {
    **{key: label for key, label in ENTREPRENEUR_LABELS.items() if "*" not in key},
    **ENTERPRISE_LABELS, "credit_code_override_reason": "校验位不符的原因", "status": "状态",
    "region_code": "所在地",
    "payee_kind": "收款账户类型", "payee_bank_code": "开户银行", "payee_account": "收款账号", "payee_holder_name": "户名",
}
FIELD_VALUE_NAMES = {"status": STATUS_NAMES, "education": EDUCATION_NAMES, "kind": ENTERPRISE_KIND_NAMES,
                     "categories": CATEGORY_NAMES, "payee_kind": PAYEE_KIND_NAMES, "payee_bank_code": PAYEE_BANK_NAMES}


def changed_value(value, field: str) -> str:
    """A changed field's value as a page shows it: names for codes, lists joined, nothing as （空）."""
    if value in (None, "", []):
        return "（空）"
    table = FIELD_VALUE_NAMES.get(field, {})
    if field.endswith("region_code"):
        return region_name(value)
    if field == "certificates":
        return "、".join(f"{c['name']}（{CERTIFICATE_LEVEL_NAMES.get(c['level'], c['level'])}）" for c in value)
    if isinstance(value, list):
        return "、".join(str(table.get(item, item)) for item in value)
    return str(table.get(value, value))


def yuan(amount: str | None) -> str:
    """350000.00 -> 350,000.00: figures as the bulletins print them."""
    try:
        return f"{Decimal(amount):,.2f}" if amount is not None else ""
    except InvalidOperation:
        return str(amount)


def fen(amount: int | None) -> str:
    """Integer fen as yuan with separators: 1234567 -> 12,345.67."""
    return "" if amount is None else f"{Decimal(amount) / 100:,.2f}"


def quarter_name(quarter: str) -> str:
    return f"{quarter[:4]}年第{quarter[5:]}季度" if len(quarter) == 6 else quarter


@lru_cache(maxsize=32)
def _fingerprint(name: str) -> str:
    path = safe_join(str(STATIC), name)
    if path is None or not Path(path).is_file():
        return "0"
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    """The file's address with its content hash, so a long cache never serves a stale copy."""
    return f"/static/{name}?v={_fingerprint(name)}"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(local_time=local_time, region=region_name, names=names,
                       quarter=quarter_name, yuan=yuan, fen=fen, changed_value=changed_value)
    env.globals.update(
        static_url=static_url, STATUS_NAMES=STATUS_NAMES, CHANGE_NAMES=CHANGE_NAMES,
        CHANGED_FIELD_NAMES=CHANGED_FIELD_NAMES, CLAIM_METHOD_NAMES=CLAIM_METHOD_NAMES,
        CLAIM_STATUS_NAMES=CLAIM_STATUS_NAMES,
        IMPORT_STATUS_NAMES={"uploading": "上传中", "checked": "已核对，待导入", "importing": "导入中", "done": "已完成"}, EDUCATION_NAMES=EDUCATION_NAMES,
        CATEGORY_NAMES=CATEGORY_NAMES, CERTIFICATE_LEVEL_NAMES=CERTIFICATE_LEVEL_NAMES,
        ENTERPRISE_KIND_NAMES=ENTERPRISE_KIND_NAMES, LIAISON_NAMES=LIAISON_NAMES,
        LEVEL_NAMES=LEVEL_NAMES, ROLE_NAMES=ROLE_NAMES, GENDER_NAMES=GENDER_NAMES,
        OFFICIAL_LEVEL_NAMES=OFFICIAL_LEVEL_NAMES, STEP_NAMES=STEP_NAMES, SUBSIDY_KIND_NAMES=KIND_NAMES,
        SKILL_LEVEL_NAMES=SKILL_LEVEL_NAMES, HIRE_CATEGORY_NAMES=HIRE_CATEGORY_NAMES,
        BATCH_STATUS_NAMES={"draft": "待审批", "approved": "已审批，待发放", "paid": "已发放"},
        ENTREPRENEUR_DOCUMENT_NAMES=ENTREPRENEUR_DOCUMENT_NAMES, ENTERPRISE_DOCUMENT_NAMES=ENTERPRISE_DOCUMENT_NAMES,
        PAYEE_BANK_NAMES=PAYEE_BANK_NAMES,
        PERSON_PAYEE_KINDS=[(kind, PAYEE_KIND_NAMES[kind]) for kind in PERSON_PAYEE_KINDS],
        ENTERPRISE_PAYEE_KINDS=[("basic_account", PAYEE_KIND_NAMES["basic_account"])])
    return env


ENV = _environment()


def render(template: str, status: int = 200, **context) -> Response:
    body = ENV.get_template(template).render(**context)
    return Response(body, status=status, content_type=HTML)


def redirect(location: str) -> Response:
    """303 See Other: after a form post the browser fetches the result with GET."""
    return Response("", status=303, headers={"Location": location}, content_type=HTML)


def static_response(request, name: str) -> Response:
    path = safe_join(str(STATIC), name)
    if path is None or not Path(path).is_file():
        raise NotFound("static_not_found", None, "文件不存在")
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind.endswith("javascript"):
        kind += "; charset=utf-8"
    response = Response(Path(path).read_bytes(), content_type=kind)
    response.headers["Cache-Control"] = "public, max-age=604800"
    response.set_etag(_fingerprint(name))
    return response.make_conditional(request)
