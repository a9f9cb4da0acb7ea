"""The registry's rules: who may see and do what, conflicts, verification, liaisons, headcount.

Plain Python: no database, no broker. Records are anything with the named attributes.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared import clock, regions
from shared.actors import Actor
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from shared.payee_accounts import mask_account
from shared.quarters import quarter_bounds

NOT_VISIBLE = "未找到该记录，或您无权查看"


def mask_id_number(number: str) -> str:
    return f"{number[:6]}********{number[-4:]}"


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def can_view_entrepreneur(actor: Actor, record: Any) -> bool:
    if actor.role == "entrepreneur":
        return record.account_id == actor.user_id
    return actor.governs(record.region_code)


def can_view_enterprise(actor: Actor, enterprise: Any) -> bool:
    if actor.role == "entrepreneur":
        return enterprise.owner.account_id == actor.user_id
    return actor.governs(enterprise.region_code)


def can_view_borrower(actor: Actor, loan: Any, borrower_account_id: str | None) -> bool:
    """A loan's borrower, to whoever may see the loan: finance's rule (`Actor.may_see` over the loan's
    bank and region), applied here to this service's own copy of the loan, so that the registry itself
    decides who gets the phone and ID it holds: the loan's bank, its region's officials, the borrower."""
    return actor.may_see(owner_account_id=borrower_account_id, region_code=loan.region_code,
                         bank_code=loan.bank_code)


def ensure_visible(visible: bool, what: str = "record") -> None:
    """Records outside the caller's reach are reported as not found: their existence must not leak."""
    if not visible:
        raise NotFound(f"{what}_not_found", None, NOT_VISIBLE)


def check_may_register_entrepreneur(actor: Actor, region_code: str, already_linked: bool) -> None:
    if actor.role == "entrepreneur":
        if already_linked:
            raise Conflict("account_already_registered", None, "您的账号已登记过创业者信息，请在“我的档案”中查看")
        return
    if actor.role == "official":
        if not actor.governs(region_code):
            raise Forbidden("region_outside_jurisdiction", "region_code", "该地区不在您的管辖范围内")
        return
    raise Forbidden("role_not_allowed", None, "当前账号的角色无权登记创业者")


def duplicate_entrepreneur(existing_id: str) -> Conflict:
    return Conflict("id_number_registered", "id_number", "该身份证号码已登记，不能重复登记",
                    details={"existing_id": existing_id})


def duplicate_enterprise(existing_id: str) -> Conflict:
    return Conflict("credit_code_registered", "credit_code", "该统一社会信用代码已登记，不能重复登记",
                    details={"existing_id": existing_id})


def check_may_register_enterprise(actor: Actor, owner: Any, region_code: str,
                                  override_reason: str | None) -> None:
    if actor.role == "entrepreneur":
        if owner is None or owner.account_id != actor.user_id:
            raise InvalidState("entrepreneur_not_registered", None, "请先登记创业者本人信息，再登记经营主体")
        if override_reason:
            raise Forbidden("override_needs_official", "credit_code_override_reason",
                            "只有工作人员可以在校验位不符时确认登记")
        return
    if actor.role != "official":
        raise Forbidden("role_not_allowed", None, "当前账号的角色无权登记经营主体")
    if owner is None:
        raise InvalidInput("owner_required", "owner_entrepreneur_id", "请填写所属创业者")
    ensure_visible(actor.governs(owner.region_code), "entrepreneur")
    if not actor.governs(region_code):
        raise Forbidden("region_outside_jurisdiction", "region_code", "该地区不在您的管辖范围内")


def verify(record: Any, actor: Actor, expected_version: int | None, now) -> bool:
    """Mark a record verified; False when it already was (a replay changes nothing)."""
    if not actor.governs(record.region_code):
        raise Forbidden("region_outside_jurisdiction", None, "该记录不在您的管辖范围内，不能核实")
    if record.status == "verified":
        return False
    if record.status == "returned":
        raise InvalidState("record_returned", None, "记录已退回修改，待重新提交后再核实")
    check_version(record, expected_version)
    record.status = "verified"
    record.verified_by = actor.username
    record.verified_at = now
    return True


def yuan_to_fen(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def liaison_region(enterprise_region: str, level: str) -> str:
    """The region of the liaison's unit: the enterprise's region cut at that level."""
    if regions.LEVELS.index(regions.level_of(enterprise_region)) < regions.LEVELS.index(level):
        raise InvalidInput("liaison_level_below_enterprise", "level", "联络员层级不能低于经营主体所在地")
    prefix = regions.normalize(enterprise_region)[: regions.SIGNIFICANT[level]]
    return prefix.ljust(12, "0")


def check_may_manage_enterprise(actor: Actor, enterprise: Any) -> None:
    if actor.role == "official" and actor.governs(enterprise.region_code):
        return
    ensure_visible(can_view_enterprise(actor, enterprise), "enterprise")
    raise Forbidden("official_only", None, "只有所在地工作人员可以进行此操作")


def check_enterprise_figures(figures: Any) -> None:
    if figures.poverty_hires > figures.headcount:
        raise InvalidInput("poverty_hires_exceed_headcount", "poverty_hires", "脱贫人口用工数不能超过从业人数")
    if getattr(figures, "founded_on", None) and figures.founded_on > clock.today():
        raise InvalidInput("founded_in_future", "founded_on", "成立日期不能晚于今天")


def check_headcount(report: Any, quarter_start: dt.date) -> None:
    check_enterprise_figures(report)
    if report.new_hires > report.headcount:
        raise InvalidInput("new_hires_exceed_headcount", "new_hires", "新增用工数不能超过从业人数")
    if quarter_start > clock.today():
        raise InvalidInput("quarter_in_future", "quarter", "不能填报尚未开始的季度")


def quarter_start(quarter: str) -> dt.date:
    return quarter_bounds(quarter)[0]


# ---- corrections both ways ------------------------------------------------------------------------


def check_version(record: Any, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != record.version:
        raise Conflict("stale_version", "expected_version", "记录已被他人修改，请刷新后重试")


def check_may_return(actor: Any, record: Any) -> None:
    """Only an official of the record's region returns it, and only while it waits for verification."""
    if not actor.governs(record.region_code):
        raise Forbidden("official_only", None, "只有所在地工作人员可以退回记录")
    if record.status == "verified":
        raise InvalidState("record_verified", None, "记录已核实，不能退回；如有错误请直接更正并写明原因")


def check_may_correct(actor: Actor, record: Any, owner_account_id: str | None, reason: str | None) -> None:
    """Its owner corrects a record until it is verified; an official of its region at any time, saying
    why once it is verified (the record was already relied on)."""
    if actor.role == "entrepreneur":
        ensure_visible(owner_account_id == actor.user_id)
        if record.status == "verified":
            raise InvalidState("record_verified", None, "记录已核实，不能自行修改；如有错误请联系所在地工作人员更正")
        return
    if actor.role != "official":
        raise Forbidden("role_not_allowed", None, "当前账号的角色无权更正登记信息")
    ensure_visible(actor.governs(record.region_code))
    if record.status == "verified" and not reason:
        raise InvalidInput("correction_reason_required", "reason", "更正已核实的记录，请填写更正原因")


def check_region_reachable(actor: Actor, region_code: str) -> None:
    if actor.role == "official" and not actor.governs(region_code):
        raise Forbidden("region_outside_jurisdiction", "region_code", "该地区不在您的管辖范围内")


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """The fields whose values differ: (before, after), each holding only those."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


# ---- payee accounts (收款账户) --------------------------------------------------------------------


PAYEE_COLUMNS = ("payee_kind", "payee_bank_code", "payee_account_number", "payee_holder_name")


def check_may_set_payee_account(actor: Actor, record: Any, owner_account_id: str | None) -> None:
    """Its owner sets where their payments go at any time (the bank's return proves an account, not
    the record's verification); so do the officials of its region. Anyone else is told the record
    does not exist."""
    if actor.role == "entrepreneur":
        ensure_visible(owner_account_id == actor.user_id)
        return
    if actor.role != "official":
        raise Forbidden("role_not_allowed", None, "当前账号的角色无权设置收款账户")
    ensure_visible(actor.governs(record.region_code))


def check_payee_reason(actor: Actor, record: Any, reason: str | None) -> None:
    """An official who changes where a verified record's payments go says why, as for a correction."""
    if actor.role == "official" and record.status == "verified" and not reason:
        raise InvalidInput("payee_reason_required", "reason", "为已核实的记录设置或更改收款账户，请填写原因（如：本人到窗口办理）")


def payee_values(record: Any) -> dict:
    return {name: getattr(record, name) for name in PAYEE_COLUMNS}


def payee_audit(values: dict) -> dict:
    """An account as the record's history keeps it: the number masked, never whole."""
    return {"payee_kind": values["payee_kind"], "payee_bank_code": values["payee_bank_code"],
            "payee_account": mask_account(values["payee_account_number"]),
            "payee_holder_name": values["payee_holder_name"]}


def payee_change(before: dict, after: dict) -> tuple[dict, dict]:
    """The fields of the account that changed, and always the (masked) number, so that an entry
    says which account it is even when the digits shown stay the same."""
    old, new = payee_audit(before), payee_audit(after)
    changed_old, changed_new = changed(old, new)
    return ({**changed_old, "payee_account": old["payee_account"]},
            {**changed_new, "payee_account": new["payee_account"]})
