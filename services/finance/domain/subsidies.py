"""The subsidy catalogue's rules: who may claim what, how much, and what may be claimed only once.

Plain Python. Each claim names the things it claims once (a tier, a hire, a certificate, a trip) as
keys; a key already held by another live claim is a double claim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from services.finance.domain.loans import Failure, add_months
from services.finance.domain.policy import SubsidyPolicy
from shared.contracts.finance import CLAIM_STATUS_NAMES as STATUS_NAMES
from shared.contracts.finance import HIRE_CATEGORY_NAMES, KIND_NAMES
from shared.contracts.finance import SKILL_LEVEL_NAMES as LEVEL_NAMES
from shared.money import yuan_label

__all__ = ["HIRE_CATEGORY_NAMES", "KIND_NAMES", "LEVEL_NAMES", "STATUS_NAMES"]

# claims that still hold what they claimed once; a rejected claim frees it
LIVE = ("eligibility_checked", "approved", "in_batch", "paid")


@dataclass(frozen=True)
class ClaimantFacts:
    registered: bool
    verified: bool
    entrepreneur_id: str | None = None
    household_region_code: str | None = None
    enterprise_owned: bool = False
    enterprise_founded_on: dt.date | None = None
    held_keys: frozenset[str] = frozenset()  # keys held by the claimant's other live claims


@dataclass
class Assessment:
    amount_fen: int = 0
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.failures and self.amount_fen > 0


def assess(policy: SubsidyPolicy, facts: ClaimantFacts, claim: dict, today: dt.date) -> Assessment:
    result = Assessment()
    if not facts.registered:
        result.failures.append(Failure("claimant_not_registered", "claimant", "申请人尚未登记创业者信息"))
    elif not facts.verified:
        result.failures.append(Failure("claimant_not_verified", "claimant", "申请人的登记信息尚未核实"))
    RULES[policy.kind](policy, facts, claim, today, result)
    taken = [key for key in result.keys if key in facts.held_keys]
    if taken:
        result.failures.append(Failure("already_claimed", "kind",
                                       f"{KIND_NAMES[policy.kind]}已申领过，不能重复申领"))
    return result


def _startup(policy, facts, claim, today, result) -> None:
    p = policy.params
    if not facts.enterprise_owned:
        result.failures.append(Failure("enterprise_not_owned", "enterprise_id", "须选择本人创办的经营主体"))
        return
    tier = claim.get("tier", "first")
    months = p["first_after_months"] if tier == "first" else p["second_after_months"]
    founded = facts.enterprise_founded_on
    if founded is None or add_months(founded, months) > today:
        result.failures.append(Failure("operating_too_short", "enterprise_id",
                                       f"经营主体正常经营须满{months}个月方可申领"))
    if tier == "first":
        result.amount_fen = p["first_amount_fen"]
    else:
        result.amount_fen = min(claim.get("amount_fen") or p["second_max_fen"], p["second_max_fen"])
        if (claim.get("amount_fen") or 0) > p["second_max_fen"]:
            result.failures.append(Failure("amount_over_cap", "amount_yuan",
                                           f"第二档补贴最高{yuan_label(p['second_max_fen'])}"))
    result.keys.append(f"startup:{tier}:{facts.entrepreneur_id}")


def _employment(policy, facts, claim, today, result) -> None:
    p = policy.params
    if not facts.enterprise_owned:
        result.failures.append(Failure("enterprise_not_owned", "enterprise_id", "须选择本人创办的经营主体"))
        return
    qualifying, seen = 0, set()
    for index, hire in enumerate(claim.get("hires", [])):
        reason = "同一人重复填报" if hire["id_number"] in seen else _hire_excluded(p, hire, facts)
        seen.add(hire["id_number"])
        if reason:
            result.notes.append(f"第{index + 1}名（{hire['name']}）不计入：{reason}")
            continue
        qualifying += 1
        result.keys.append(f"employment:{hire['id_number']}")
    if qualifying == 0:
        result.failures.append(Failure("no_qualifying_hire", "hires", "没有符合条件的吸纳人员"))
    result.amount_fen = qualifying * p["per_hire_fen"]


def _hire_excluded(params: dict, hire: dict, facts: ClaimantFacts) -> str | None:
    if hire["category"] not in params["qualifying"]:
        return "不属于脱贫劳动力、就业困难人员或当年高校毕业生"
    if hire["contract_months"] < params["min_contract_months"]:
        return f"劳动合同期限不足{params['min_contract_months']}个月"
    if not hire["social_insurance"]:
        return "未缴纳社会保险"
    if f"employment:{hire['id_number']}" in facts.held_keys:
        return "已申领过吸纳就业补贴"
    return None


def _skill(policy, facts, claim, today, result) -> None:
    p = policy.params
    level, issued = claim["level"], claim["issued_on"]
    result.amount_fen = p["amount_by_level_fen"][level]
    if issued > today:
        result.failures.append(Failure("certificate_in_future", "issued_on", "发证日期不能晚于今天"))
    elif add_months(issued, p["claim_within_months"]) < today:
        result.failures.append(Failure("claim_too_late", "issued_on",
                                       f"须在取得证书之日起{p['claim_within_months']}个月内申领"))
    result.keys.append(f"skill:{facts.entrepreneur_id}:{claim['occupation']}:{level}")


def _travel(policy, facts, claim, today, result) -> None:
    p = policy.params
    home = p["home_province"]
    if claim["origin_province"] == home and claim["destination_province"] == home:
        result.failures.append(Failure("not_cross_province", "destination_province",
                                       "须为跨省务工出行（出发地或目的地在省外）"))
    if claim["trip_date"] > today:
        result.failures.append(Failure("trip_in_future", "trip_date", "出行日期不能晚于今天"))
    county = (facts.household_region_code or "")[:6]
    result.amount_fen = p["per_trip_fen_by_county"].get(county, p["default_per_trip_fen"])
    result.keys.append(f"travel:{facts.entrepreneur_id}:{claim['trip_date'].isoformat()}")


RULES = {"startup": _startup, "employment": _employment, "skill": _skill, "travel": _travel}
