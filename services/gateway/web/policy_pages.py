"""政策数据 for the administrator: the versions in force and their history by domain, proposals that
wait for a second administrator, and forms to propose a new LPR, a loan policy version or a city's
travel-subsidy amounts per county. Figures are typed in 元 and %, and kept in fen and basis points."""

from __future__ import annotations

import re
from decimal import Decimal

from werkzeug.datastructures import MultiDict

from services.gateway.http import status_for
from services.gateway.web import forms
from services.gateway.web.entrepreneur_pages import REFUSALS, new_key, submitted_key
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import PageSupport
from shared import clock, regions
from shared.actors import programme_city
from shared.contracts.finance import (
    HIRE_CATEGORY_NAMES,
    POLICY_DOMAIN_NAMES,
    PolicyProposalCreate,
    ProposalReject,
)
from shared.contracts.registry import CATEGORY_NAMES, CERTIFICATE_LEVEL_NAMES, ENTERPRISE_KIND_NAMES
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.validation import parse

YUAN, PERCENT, WHOLE = "yuan", "percent", "whole"  # as typed: ×100 to fen or basis points, or as it is
NUMBER = {YUAN: re.compile(r"[0-9]{1,11}(\.[0-9]{1,2})?"), PERCENT: re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?"),
          WHOLE: re.compile(r"[0-9]{1,6}")}
NUMBER_MESSAGE = {YUAN: "应为金额（元），最多两位小数", PERCENT: "应为百分比数字，最多两位小数，如 10 或 2.95",
                  WHOLE: "应为整数"}
# form field -> (the policy's figure, the unit the form takes it in)
LPR_FORM = {"rate_percent": ("rate_bp", PERCENT)}
LOAN_FORM = {
    "individual_cap_yuan": ("individual_cap_fen", YUAN), "enterprise_cap_yuan": ("enterprise_cap_fen", YUAN),
    "individual_term_months": ("individual_term_months", WHOLE),
    "enterprise_term_months": ("enterprise_term_months", WHOLE), "lifetime_loans": ("lifetime_loans", WHOLE),
    "hiring_share_percent": ("hiring_share_bp", PERCENT), "hiring_share_large_percent": ("hiring_share_large_bp", PERCENT),
    "large_enterprise_staff": ("large_enterprise_staff", WHOLE),
    "borrower_lpr_minus_bp": ("borrower_lpr_minus_bp", WHOLE), "subsidy_share_percent": ("subsidy_share_bp", PERCENT),
    "subsidy_principal_cap_individual_yuan": ("subsidy_principal_cap_individual_fen", YUAN),
    "subsidy_principal_cap_enterprise_yuan": ("subsidy_principal_cap_enterprise_fen", YUAN),
    "partnership_cap_percent": ("partnership_cap_bp", PERCENT),
}
TRAVEL_FORM = {"trips_per_year": ("trips_per_year", WHOLE)}
FORMS = {"lpr": ("lpr", LPR_FORM), "loan": ("loan", LOAN_FORM), "travel": ("subsidy:travel", TRAVEL_FORM)}
LABELS = {
    "code": "文号", "effective_from": "生效日期", "reason": "说明", "rejection_reason": "退回原因",
    "rate_percent": "一年期LPR（%）", "individual_cap_yuan": "个人额度上限（元）", "enterprise_cap_yuan": "小微企业额度上限（元）",
    "individual_term_months": "个人贷款期限上限（月）", "enterprise_term_months": "小微企业贷款期限上限（月）",
    "lifetime_loans": "终身可贷笔数", "hiring_share_percent": "新招用人员占比（%）",
    "hiring_share_large_percent": "大企业新招用占比（%）", "large_enterprise_staff": "大企业人数标准（超过即按大企业）",
    "subsidy_method": "贴息方式", "borrower_lpr_minus_bp": "借款人利率不超过LPR减（基点）",
    "subsidy_share_percent": "贴息比例（合同利率的%）", "subsidy_principal_cap_individual_yuan": "个人贴息本金上限（元）",
    "subsidy_principal_cap_enterprise_yuan": "小微企业贴息本金上限（元）", "partnership_cap_percent": "合伙创业额度（成员个人额度合计的%）",
    "enterprise_kinds": "按小微企业额度借款的经营主体", "city_code": "市（州）", "categories": "补助对象",
    "trips_per_year": "每人每年可申领次数", "home_province": "本省代码", "params": "政策参数",
}
METHODS = [("share_of_rate", "按合同利率的一定比例贴息"), ("lpr_minus", "借款人承担的利率不超过LPR减若干基点")]
DOMAIN_ORDER = list(POLICY_DOMAIN_NAMES)
PARAM_NAMES = {
    "first_amount_fen": "第一档", "first_after_months": "经营满（月）", "second_max_fen": "第二档最高",
    "second_after_months": "第二档经营满（月）", "per_hire_fen": "每吸纳1人", "min_contract_months": "劳动合同不少于（月）",
    "qualifying": "吸纳对象", "amount_by_level_fen": "按等级", "claim_within_months": "取得证书后申领期限（月）",
    "insured_months_min": "失业保险缴费满（月）", "local_household": "须本地户籍", "categories": "补助对象",
    "trips_per_year": "每人每年次数"}
VALUE_NAMES = {**ENTERPRISE_KIND_NAMES, **CATEGORY_NAMES, **HIRE_CATEGORY_NAMES, **CERTIFICATE_LEVEL_NAMES}
DECIDED = {"approve": "policy_approved", "reject": "policy_rejected"}


# ---- from the form to the proposal, and its refusals back beside the fields ------------------


def figures(form, fields: dict[str, tuple[str, str]], problems: list[dict]) -> dict:
    """The typed figures as the policy keeps them; a blank one is left out (the service says 必填)."""
    found = {}
    for name, (param, unit) in fields.items():
        text = form.get(name, "").strip().replace(",", "").replace("，", "")
        if not text:
            continue
        if not NUMBER[unit].fullmatch(text):
            problems.append({"code": "not_number", "field": name, "message": NUMBER_MESSAGE[unit]})
            continue
        found[param] = int(Decimal(text) * (1 if unit == WHOLE else 100))
    return found


def proposal_body(kind: str, form) -> dict:
    """The PolicyProposalCreate body of one of the page's forms (InvalidInput naming the form's fields)."""
    domain, fields = FORMS[kind]
    problems: list[dict] = []
    params = figures(form, fields, problems)
    if kind == "loan":
        params |= {"subsidy_method": form.get("subsidy_method", ""), "enterprise_kinds": form.getlist("enterprise_kinds")}
    if kind == "travel":
        city = form.get("city_code", "")
        params |= {"city_code": city, "categories": form.getlist("categories"), "home_province": city[:2],
                   "per_trip_by_county": county_amounts(form, problems)}
    if problems:
        raise InvalidInput(problems[0]["code"], problems[0]["field"], problems[0]["message"], details=problems)
    body = {**forms.filled(form, ("code", "effective_from", "reason")), "domain": domain, "params": params}
    return parse(PolicyProposalCreate, body).model_dump(mode="json")


COUNTY_FIELD = re.compile(r"county\.(\d{6})\.amount_yuan")


def county_amounts(form, problems: list[dict]) -> dict:
    """The counties given an amount, each with its source (a county left blank is not listed)."""
    found = {}
    for name in form.keys():
        if (match := COUNTY_FIELD.fullmatch(name)) and form.get(name, "").strip():
            code = match[1]
            amount = figures(form, {name: ("amount_fen", YUAN)}, problems)
            source = form.get(f"county.{code}.source", "").strip()
            found[code] = {**amount, **({"source": source} if source else {})}
    return found


def on_form(kind: str, error) -> dict[str, str]:
    """The refusal's messages under the form's own field names (元 and % where the API has fen and bp)."""
    fields = FORMS.get(kind, ("", {}))[1]
    by_param = {param: name for name, (param, _) in fields.items()}
    found: dict[str, str] = {}
    for field, message in forms.messages(error).items():
        found.setdefault(form_name(field, by_param), message)
    return found


def form_name(field: str, by_param: dict[str, str]) -> str:
    if not field.startswith("params."):
        return field
    name = field.removeprefix("params.")
    if name.startswith("per_trip_by_county."):
        _, county, *rest = name.split(".")
        return f"county.{county}.{'amount_yuan' if rest == ['amount_fen'] else 'source'}" if rest else "county"
    return by_param.get(name, name.split(".")[0])


def summary(errors: dict[str, str]) -> list[tuple[str, str, str]]:
    """(anchor, label, message) above the refused form; a county's fields named by the county."""
    listed = []
    for field, message in errors.items():
        label = LABELS.get(field, "")
        if field.startswith("county."):
            code, _, key = field.removeprefix("county.").partition(".")
            label = f"{regions.name_of(code)}{'每次补助（元）' if key == 'amount_yuan' else '标准出处' if key else ''}"
        listed.append((forms.field_id(field) if field != forms.FORM_LEVEL else "", label, message))
    return listed


# ---- what the page shows --------------------------------------------------------------------


def percent(bp: int | None) -> str:
    return "" if bp is None else f"{Decimal(bp) / 100:g}"


def yuan(fen: int | None) -> str:
    return "" if fen is None else f"{Decimal(fen) / 100:,.2f}".rstrip("0").rstrip(".")


def describe(domain: str, params: dict) -> str:
    """A version's figures in a line, in the programme's words."""
    if domain == "lpr":
        return f"一年期LPR {percent(params['rate_bp'])}%"
    if domain == "loan":
        return describe_loan(params)
    if domain == "fund":
        return (f"在保余额不超过基金余额的{params['leverage']}倍（上年回收率达{percent(params['high_leverage_repayment_rate_bp'])}%"
                f"的{params['high_leverage']}倍）；代偿{percent(params['compensation_share_bp'])}%；逾期{params['default_after_days']}天违约")
    if domain == "subsidy:travel" and "per_trip_by_county" in params:
        counties = "、".join(f"{regions.name_of(code)}{yuan(entry['amount_fen'])}元"
                            for code, entry in params["per_trip_by_county"].items())
        return f"每次：{counties}；每人每年{params.get('trips_per_year', '')}次"
    return "；".join(f"{PARAM_NAMES.get(name, name)}：{shown(name, value)}"
                    for name, value in params.items() if name not in ("city_code", "home_province"))


def shown(name: str, value) -> str:
    """A figure of a subsidy's version for people: 元 for fen, names for codes, 是/否."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(VALUE_NAMES.get(item, str(item)) for item in value)
    if isinstance(value, dict):
        return "、".join(f"{VALUE_NAMES.get(key, key)}{shown(name, item)}" for key, item in value.items())
    return f"{yuan(value)}元" if name.endswith("_fen") and isinstance(value, int) else str(value)


def describe_loan(p: dict) -> str:
    subsidy = (f"借款人利率不超过LPR减{p['borrower_lpr_minus_bp']}基点" if p["subsidy_method"] == "lpr_minus"
               else f"贴息{percent(p['subsidy_share_bp'])}%")
    return (f"个人{yuan(p['individual_cap_fen'])}元/{p['individual_term_months']}个月，小微企业{yuan(p['enterprise_cap_fen'])}元/"
            f"{p['enterprise_term_months']}个月；新招用{percent(p['hiring_share_bp'])}%（{p['large_enterprise_staff']}人以上"
            f"{percent(p['hiring_share_large_bp'])}%）；{subsidy}")


def loan_values(params: dict | None) -> MultiDict:
    """The loan form filled with the version in force, to change what changed."""
    if not params:
        return MultiDict()
    values = MultiDict({name: (yuan(params.get(param)).replace(",", "") if unit == YUAN
                               else percent(params.get(param)) if unit == PERCENT else str(params.get(param, "")))
                        for name, (param, unit) in LOAN_FORM.items() if params.get(param) is not None})
    values["subsidy_method"] = params.get("subsidy_method", "")
    for kind in params.get("enterprise_kinds", []):
        values.add("enterprise_kinds", kind)
    return values


def travel_values(params: dict | None) -> MultiDict:
    values = MultiDict({"trips_per_year": str((params or {}).get("trips_per_year", 1))})
    for category in (params or {}).get("categories", ["lifted_out_of_poverty"]):
        values.add("categories", category)
    for code, entry in (params or {}).get("per_trip_by_county", {}).items():
        values[f"county.{code}.amount_yuan"] = yuan(entry["amount_fen"]).replace(",", "")
        values[f"county.{code}.source"] = entry["source"]
    return values


def cities() -> list[tuple[str, str]]:
    """The province's cities (the programme's first), by 6-digit code."""
    first = programme_city()
    listed = regions.children_of(regions.parent_of(first) or first)
    return [(code[:6], name) for code, name in sorted(listed, key=lambda city: city[0] != first)]


def counties(city: str) -> list[tuple[str, str]]:
    return [(code[:6], name) for code, name in regions.children_of(city) if name != "市辖区"]


def in_force(versions: list[dict], domain: str, city: str | None = None) -> dict | None:
    return next((v for v in versions if v["domain"] == domain and v["standing"] == "in_force"
                 and (city is None or v["city_code"] == city)), None)


class PolicyPages(PageSupport):
    """Mixed into GatewayService (through AdminPages), which provides `finance`."""

    @page("GET", "/admin/policies")
    def policies_page(self, request):
        self.require(request, "admin")
        return self._policies(request, {})

    def _policies(self, request, failed: dict, status: int = 200):
        actor = self.require(request, "admin")
        me = actor.model_dump()
        versions = self.finance.list_policy_versions(me, {})["items"]
        proposals = self.finance.list_policy_proposals(me, {})["items"]
        city = request.args.get("city") or failed.get("values", {}).get("city_code") or programme_city()[:6]
        city = city if city in dict(cities()) else programme_city()[:6]
        travel = in_force(versions, "subsidy:travel", regions.normalize(city))
        groups = [(domain, POLICY_DOMAIN_NAMES[domain], [v for v in versions if v["domain"] == domain])
                  for domain in DOMAIN_ORDER]
        return self.show(request, "admin_policies.html", status, groups=groups, describe=describe,
                         pending=[p for p in proposals if p["status"] == "proposed"],
                         decided=[p for p in proposals if p["status"] != "proposed"][:20],
                         failed=failed, labels=LABELS, new_key=new_key, today=clock.today().isoformat(),
                         loan_values=loan_values((in_force(versions, "loan") or {}).get("params")),
                         travel_values=travel_values(travel["params"] if travel else None),
                         travel_code=travel["code"] if travel else "", city=city, cities=cities(),
                         counties=counties(regions.normalize(city)), methods=METHODS, loan_fields=tuple(LOAN_FORM),
                         enterprise_kinds=list(ENTERPRISE_KIND_NAMES.items()), categories=list(CATEGORY_NAMES.items()),
                         summary=summary(failed.get("errors", {})))

    @page("POST", "/admin/policies/propose/<string:kind>")
    def policy_propose(self, request, kind):
        actor, form = self.require(request, "admin"), request.form
        if kind not in FORMS:
            raise NotFound("unknown_action", None, "不支持的操作")
        try:
            self.finance.propose_policy(actor.model_dump(), proposal_body(kind, form), submitted_key(form))
        except REFUSALS as exc:
            return self._policies(request, {"action": kind, "values": form, "errors": on_form(kind, exc)},
                                  status_for(exc))
        return redirect("/admin/policies?notice=policy_proposed#pending")

    @page("POST", "/admin/policies/proposals/<string:proposal_id>/<string:decision>")
    def policy_decide(self, request, proposal_id, decision):
        actor, form = self.require(request, "admin"), request.form
        me = actor.model_dump()
        try:
            if decision == "approve":
                self.finance.approve_policy_proposal(me, proposal_id, submitted_key(form))
            elif decision == "reject":
                reason = parse(ProposalReject, forms.filled(form, ("reason",))).model_dump(mode="json")
                self.finance.reject_policy_proposal(me, proposal_id, reason, submitted_key(form))
            else:
                raise NotFound("unknown_action", None, "不支持的操作")
        except (*REFUSALS, Forbidden) as exc:  # four eyes: said beside the proposal, not on an error page
            failed = {"action": f"{decision}:{proposal_id}", "values": form, "errors": forms.messages(exc)}
            return self._policies(request, failed, status_for(exc))
        return redirect(f"/admin/policies?notice={DECIDED[decision]}#versions")
