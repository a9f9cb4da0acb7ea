"""Changing policy data: a proposed version is checked against its domain's shape, dated from today
on, never beside a version that takes effect the same day, and approved by a second administrator.

Plain Python. A released version is never edited (architecture.md, decision 5): a change is a new
version with its document number (文号) and effective date, so every loan and claim keeps the
version it was decided under. The figures are integer fen, basis points, months and days, as the
policy table keeps them (`policy_data.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, fields
from typing import Any

from services.finance.domain.policy import LoanPolicy
from shared import regions
from shared.contracts.finance import HIRE_CATEGORY_NAMES, POLICY_AHEAD_DAYS, POLICY_DOMAIN_NAMES
from shared.contracts.registry import CATEGORY_NAMES, CERTIFICATE_LEVEL_NAMES, ENTERPRISE_KIND_NAMES
from shared.errors import Forbidden, InvalidInput, InvalidState

MAX_FEN = 10_000_000_000  # 100 million yuan: above every cap the programme has known
MAX_SUBSIDY_FEN = 100_000_000  # 1 million yuan for one subsidy


@dataclass(frozen=True)
class Dated:
    """A version or a proposal as far as the never-edit-the-past rules see it."""

    domain: str
    code: str
    effective_from: dt.date
    city_code: str | None = None


# ---- who and when ---------------------------------------------------------------------------


def check_checker(proposer: str, approver: str) -> None:
    """Four eyes (四眼原则): the administrator who proposed a version never approves it."""
    if proposer == approver:
        raise Forbidden("four_eyes", None, "提出修改的管理员不能批准自己的提案，须由另一位管理员审批")


def check_effective_date(effective_from: dt.date, today: dt.date) -> None:
    """From today on: a version dated before today would change decisions already made under another."""
    if effective_from < today:
        raise InvalidInput("effective_date_past", "effective_from",
                           f"生效日期不能早于今天（{today.isoformat()}）：已作出的决定须保留当时适用的政策版本")
    if effective_from > today + dt.timedelta(days=POLICY_AHEAD_DAYS):
        raise InvalidInput("effective_date_too_far", "effective_from", "生效日期不能晚于五年后，请核对年份")


def check_approval_date(effective_from: dt.date, today: dt.date) -> None:
    """A proposal not approved before its date has passed may no longer take effect: propose it again."""
    if effective_from < today:
        raise InvalidState("effective_date_passed", "effective_from",
                           f"该提案的生效日期（{effective_from.isoformat()}）已过，批准后会改变此前已作出的决定；"
                           "请退回，并以今天或以后的日期重新提出")


def check_new(proposed: Dated, versions: Iterable[Dated], pending: Iterable[Dated] = ()) -> None:
    """A new document number of its domain, on a day no other version of its domain (and city) takes
    effect; `pending` are the other proposals still waiting, which would collide once approved."""
    what = POLICY_DOMAIN_NAMES[proposed.domain]
    for others, where in ((versions, "已有"), (pending, "已有待审批的")):
        for other in others:
            if other.domain != proposed.domain:
                continue
            if other.code == proposed.code:
                raise InvalidInput("policy_code_taken", "code", f"{where}文号为“{other.code}”的{what}版本，文号不能重复")
            if other.effective_from == proposed.effective_from and other.city_code == proposed.city_code:
                raise InvalidInput("policy_date_taken", "effective_from",
                                   f"{where}{other.effective_from.isoformat()}生效的{what}版本（{other.code}），"
                                   "同一天只能有一个版本生效")


def code_of(domain: str, code: str | None, effective_from: dt.date) -> str:
    """The version's code: its document number; a rate's is its publication day, as the seeded rates'."""
    if code:
        return code
    if domain == "lpr":
        return effective_from.isoformat()
    raise InvalidInput("required", "code", "请填写政策文件的文号，如 川办规〔2025〕6号")


def city_of(params: dict) -> str | None:
    return params.get("city_code") or None


# ---- the figures, by domain -----------------------------------------------------------------

Check = Callable[[str, Any], Any]  # (field, value) -> the value as stored, or InvalidInput


def whole(low: int, high: int, unit: str, rule: str | None = None) -> Check:
    """An integer from `low` to `high`; `rule` says the range in the words a form uses (元, %)."""
    def check(field: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput("param_out_of_range", field, rule or f"应为{low}至{high}的整数（{unit}）")
        return value
    return check


def optional(check: Check) -> Check:
    return lambda field, value: None if value is None else check(field, value)


def flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("param_not_boolean", field, "应为 true 或 false")
    return value


def one_of(names: dict[str, str]) -> Check:
    def check(field: str, value: Any) -> str:
        if not isinstance(value, str) or value not in names:
            listed = "、".join(f"{code}（{name}）" for code, name in names.items())
            raise InvalidInput("param_not_allowed", field, f"应为以下之一：{listed}")
        return value
    return check


def some_of(names: dict[str, str]) -> Check:
    """A list of distinct codes from `names`, at least one."""
    def check(field: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            raise InvalidInput("param_list_required", field, "应为至少一项的列表")
        for index, item in enumerate(value):
            one_of(names)(f"{field}.{index}", item)
        if len(set(value)) != len(value):
            raise InvalidInput("param_list_duplicate", field, "列表中有重复的项")
        return list(value)
    return check


def text(field: str, value: Any) -> str:
    if not isinstance(value, str) or not 2 <= len(value.strip()) <= 200 or not value.isprintable():
        raise InvalidInput("param_text", field, "应为2至200个字的文字，不含换行或控制字符")
    return value.strip()


def province(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.isdigit() or len(value) != 2 or \
            regions.name_of(value.ljust(12, "0")) == value.ljust(12, "0"):
        raise InvalidInput("param_province", field, "应为省级行政区划代码的前两位，如 51（四川省）")
    return value


def city(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput("region_code_format", field, "行政区划代码应为6位、9位或12位数字")
    return regions.check_city(value, field)


MONEY = whole(1, MAX_FEN, "分", "金额应大于0且不超过1亿元（API中以分为单位的整数）")
SUBSIDY = whole(1, MAX_SUBSIDY_FEN, "分", "金额应大于0且不超过100万元（API中以分为单位的整数）")
SHARE = whole(0, 10_000, "基点", "比例应在0至100%之间（API中以基点为单位的整数，1% = 100）")
MONTHS = whole(1, 120, "个月")

METHOD_NAMES = {"lpr_minus": "借款人承担的利率不超过LPR减若干基点，其余贴息", "share_of_rate": "按合同利率的一定比例贴息"}
LPR = {"rate_bp": whole(1, 2000, "基点", "利率应大于0且不超过20%（API中以基点为单位的整数，3.00% = 300）")}
LOAN: dict[str, Check] = {
    "individual_cap_fen": MONEY, "enterprise_cap_fen": MONEY,
    "individual_term_months": MONTHS, "enterprise_term_months": MONTHS,
    "lifetime_loans": whole(1, 10, "笔"), "hiring_share_bp": SHARE, "hiring_share_large_bp": SHARE,
    "large_enterprise_staff": whole(1, 100_000, "人"),
    "subsidy_method": one_of(METHOD_NAMES),
    "borrower_lpr_minus_bp": whole(0, 2000, "基点"), "subsidy_share_bp": whole(1, 10_000, "基点", "贴息比例应大于0且不超过100%（API中以基点为单位的整数，50% = 5000）"),
    "subsidy_principal_cap_individual_fen": optional(MONEY), "subsidy_principal_cap_enterprise_fen": optional(MONEY),
    "enterprise_kinds": some_of(ENTERPRISE_KIND_NAMES), "partnership_cap_bp": whole(10_000, 50_000, "基点", "应在100%至500%之间（API中以基点为单位的整数，110% = 11000）"),
}
# which field each way of subsidising the interest needs; the other is kept at 0
METHOD_FIELD = {"lpr_minus": "borrower_lpr_minus_bp", "share_of_rate": "subsidy_share_bp"}
OTHER_METHOD = {"lpr_minus": "share_of_rate", "share_of_rate": "lpr_minus"}
FUND = {"leverage": whole(1, 50, "倍"), "high_leverage": whole(1, 50, "倍"),
        "high_leverage_repayment_rate_bp": SHARE, "compensation_share_bp": SHARE,
        "default_after_days": whole(1, 3650, "天")}
SUBSIDIES: dict[str, dict[str, Check]] = {
    "startup": {"first_amount_fen": SUBSIDY, "first_after_months": whole(0, 120, "个月"),
                "second_max_fen": SUBSIDY, "second_after_months": whole(0, 120, "个月")},
    "employment": {"per_hire_fen": SUBSIDY, "min_contract_months": MONTHS, "qualifying": some_of(HIRE_CATEGORY_NAMES)},
    "skill": {"amount_by_level_fen": lambda field, value: amounts(field, value, CERTIFICATE_LEVEL_NAMES),
              "claim_within_months": MONTHS, "insured_months_min": whole(0, 600, "个月"), "local_household": flag},
    "travel": {"categories": some_of(CATEGORY_NAMES), "trips_per_year": whole(1, 12, "次"),
               "home_province": province, "city_code": city},
}


def amounts(field: str, value: Any, levels: dict[str, str]) -> dict[str, int]:
    """An amount per level, for some of `levels` (a level left out is refused with its rule)."""
    if not isinstance(value, dict) or not value:
        raise InvalidInput("param_amounts_required", field, f"应至少为一个等级（{'、'.join(levels)}）填写金额")
    for level in value:
        one_of(levels)(f"{field}.{level}", level)
    return {level: SUBSIDY(f"{field}.{level}", amount) for level, amount in value.items()}


def check_params(domain: str, params: Any) -> dict:
    """The params as the policy table keeps them, every field checked, or InvalidInput naming it."""
    if not isinstance(params, dict):
        raise InvalidInput("params_not_object", "params", "政策参数应为对象")
    if domain == "lpr":
        return checked(params, LPR)
    if domain == "loan":
        return loan_params(params)
    if domain == "fund":
        return fund_params(params)
    if domain == "subsidy:travel":
        return travel_params(params)
    return checked(params, SUBSIDIES[domain.removeprefix("subsidy:")], {"city_code": city})


def checked(params: dict, required: dict[str, Check], optional: dict[str, Check] | None = None,
            where: str = "params") -> dict:
    """Every required field present, no unknown one, each as its check keeps it."""
    optional = optional or {}
    for name in params:
        if name not in required and name not in optional:
            raise InvalidInput("param_unknown", f"{where}.{name}", f"不认识的参数“{name}”")
    for name in required:
        if params.get(name) is None:
            raise InvalidInput("param_required", f"{where}.{name}", "此项必填")
    return {name: check(f"{where}.{name}", params[name])
            for name, check in {**required, **optional}.items() if params.get(name) is not None}


def loan_params(params: dict) -> dict:
    """Every LoanPolicy figure, stored whole: those the policy may leave out take their defaults, and
    the interest subsidy names its method with that method's own figure."""
    method = one_of(METHOD_NAMES)("params.subsidy_method", params.get("subsidy_method"))
    own, other = METHOD_FIELD[method], METHOD_FIELD[OTHER_METHOD[method]]
    if params.get(other):
        raise InvalidInput("param_not_for_method", f"params.{other}", f"贴息方式为“{METHOD_NAMES[method]}”时不填此项（或填0）")
    defaults = {f.name: f.default for f in fields(LoanPolicy) if f.name not in ("code", "effective_from")}
    required = {name: LOAN[name] for name, default in defaults.items() if default is MISSING or name == own}
    allowed = {**{name: LOAN[name] for name in LOAN if name not in required}, other: whole(0, 0, "基点")}
    result = {**defaults, **checked(params, required, allowed), other: 0}
    result["enterprise_kinds"] = list(result["enterprise_kinds"])
    for kind in ("individual", "enterprise"):
        cap = result[f"subsidy_principal_cap_{kind}_fen"]
        if cap is not None and cap > result[f"{kind}_cap_fen"]:
            raise InvalidInput("param_cap_above_loan_cap", f"params.subsidy_principal_cap_{kind}_fen",
                               "贴息本金上限不能高于贷款额度上限")
    return result


def fund_params(params: dict) -> dict:
    result = checked(params, FUND)
    if result["high_leverage"] < result["leverage"]:
        raise InvalidInput("param_leverage_order", "params.high_leverage", "较高的放大倍数不能小于基本放大倍数")
    return result


def travel_params(params: dict) -> dict:
    """A city's travel-subsidy amounts per county: current county codes of that city, each with an
    amount and where the amount is published."""
    result = checked(params, {**SUBSIDIES["travel"], "per_trip_by_county": county_table})
    entries = [county_entry(result["city_code"], code, entry) for code, entry in result["per_trip_by_county"].items()]
    if len({code for code, _ in entries}) < len(entries):
        raise InvalidInput("county_listed_twice", "params.per_trip_by_county", "同一个县（市、区）填写了两次")
    result["per_trip_by_county"] = dict(sorted(entries))
    return result


def county_table(field: str, value: Any) -> dict:
    if not isinstance(value, dict) or not value:
        raise InvalidInput("param_counties_required", field, "请至少填写一个县（市、区）的补助标准")
    return value


def county_entry(city_code: str, code: Any, entry: Any) -> tuple[str, dict]:
    """One county's amount, under its 6-digit code as the seeded versions keep it."""
    field, code = f"params.per_trip_by_county.{code}", str(code).strip()
    if not code.isdigit() or len(code) not in (6, 12) or regions.level_of(code) != "county":
        raise InvalidInput("county_code_format", field, "应为县（市、区）级行政区划代码，如 511011")
    if not regions.is_current(code):
        raise InvalidInput("county_code_not_current", field,
                           f"{code[:6]}不是现行的县（市、区）代码；已撤销或更名的，请填写现行代码")
    if not regions.within(city_code, code):
        raise InvalidInput("county_outside_city", field,
                           f"{regions.name_of(code)}不在{regions.name_of(city_code)}，请核对代码或所属市（州）")
    if not isinstance(entry, dict):
        raise InvalidInput("param_county_entry", field, "应写作 {\"amount_fen\": 金额（分）, \"source\": 标准出处}")
    return code[:6], checked(entry, {"amount_fen": SUBSIDY, "source": text}, where=field)

