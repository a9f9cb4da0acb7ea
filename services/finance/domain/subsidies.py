"""The subsidy catalogue's rules: who may claim what, how much, and what may be claimed only once.

Plain Python. Each claim names the things it claims once (a tier, a hire, a certificate, a trip) as
keys; a key already held by another live claim is a double claim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from services.finance.domain.loans import Failure, add_months
from services.finance.domain.policy import SubsidyPolicy
from shared import regions
from shared.contracts.finance import CLAIM_STATUS_NAMES as STATUS_NAMES
from shared.contracts.finance import HIRE_CATEGORY_NAMES, KIND_NAMES
from shared.contracts.finance import SKILL_LEVEL_NAMES as LEVEL_NAMES
from shared.contracts.registry import CATEGORY_NAMES
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
    region_code: str | None = None  # where the claimant lives and claims
    certificates: tuple[dict, ...] = ()  # on the person's record: name, level, issued_on
    enterprise_owned: bool = False
    enterprise_founded_on: dt.date | None = None
    held_keys: frozenset[str] = frozenset()  # keys held by the claimant's other live claims
    # shown to the reviewer beside the rules (no rule reads them today): the enterprise's last report
    categories: tuple[str, ...] = ()  # the registry's: 返乡农民工, 脱贫人口 …
    enterprise_name: str | None = None
    enterprise_headcount: int | None = None
    enterprise_new_hires: int | None = None
    headcount_quarter: str | None = None

    def shown(self) -> dict:
        """The facts as the assessment found them, for the claim's record (the once-only keys are not)."""
        enterprise = None
        if self.enterprise_owned:
            founded = self.enterprise_founded_on
            enterprise = {"name": self.enterprise_name, "founded_on": founded.isoformat() if founded else None,
                          "headcount": self.enterprise_headcount, "new_hires": self.enterprise_new_hires,
                          "headcount_quarter": self.headcount_quarter}
        return {"registered": self.registered, "verified": self.verified, "categories": list(self.categories),
                "household_region_code": self.household_region_code, "enterprise": enterprise}


@dataclass(frozen=True)
class Check:
    """One rule as the assessment applied it: what it asks, and whether the claim met it."""

    code: str
    rule: str
    passed: bool

    def as_dict(self) -> dict:
        return {"code": self.code, "rule": self.rule, "passed": self.passed}


@dataclass
class Assessment:
    amount_fen: int = 0
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    hires: list[dict] = field(default_factory=list)  # employment: each hire, counted or not and why

    @property
    def eligible(self) -> bool:
        return not self.failures and self.amount_fen > 0

    def apply(self, code: str, rule: str, passed: bool, failure: Failure) -> bool:
        """Keep the rule's outcome either way; a rule not met is also a failure."""
        self.checks.append(Check(code, rule, passed))
        if not passed:
            self.failures.append(failure)
        return passed

    def as_record(self, facts: ClaimantFacts, today: dt.date) -> dict:
        """What the assessment used and each rule's outcome, kept with the claim for its reviewer."""
        return {"assessed_on": today.isoformat(), "facts": facts.shown(),
                "checks": [check.as_dict() for check in self.checks], "hires": self.hires}


def assess(policy: SubsidyPolicy, facts: ClaimantFacts, claim: dict, today: dt.date) -> Assessment:
    result = Assessment()
    missing = (Failure("claimant_not_registered", "claimant", "申请人尚未登记创业者信息") if not facts.registered
               else Failure("claimant_not_verified", "claimant", "申请人的登记信息尚未核实"))
    result.apply("claimant_verified", "申请人已登记创业者信息，且登记信息已核实",
                 facts.registered and facts.verified, missing)
    RULES[policy.kind](policy, facts, claim, today, result)
    taken = [key for key in result.keys if key in facts.held_keys]
    result.apply("not_claimed_before", f"此前未申领过同一项{KIND_NAMES[policy.kind]}", not taken,
                 Failure("already_claimed", "kind", f"{KIND_NAMES[policy.kind]}已申领过，不能重复申领"))
    return result


def subject(kind: str, details: dict) -> str:
    """What a claim claims, in a few words (no one's identity): for a list of earlier claims."""
    if kind == "startup":
        return "第二档" if details.get("tier") == "second" else "第一档"
    if kind == "employment":
        return f"吸纳{len(details.get('hires') or [])}人"
    if kind == "skill":
        return f"{details.get('occupation', '')}（{LEVEL_NAMES.get(details.get('level') or '', '')}）"
    return f"{details.get('trip_date', '')}出行"


def _owned(facts: ClaimantFacts, result: Assessment) -> bool:
    return result.apply("enterprise_owned", "经营主体为申请人本人创办", facts.enterprise_owned,
                        Failure("enterprise_not_owned", "enterprise_id", "须选择本人创办的经营主体"))


def _startup(policy, facts, claim, today, result) -> None:
    p = policy.params
    if not _owned(facts, result):
        return
    tier = claim.get("tier", "first")
    months = p["first_after_months"] if tier == "first" else p["second_after_months"]
    founded = facts.enterprise_founded_on
    eligible_from = add_months(founded, months) if founded else None
    since = f"（{founded.isoformat()}成立，{eligible_from.isoformat()}起可申领）" if founded and eligible_from else ""
    result.apply("operating_long_enough", f"经营主体正常经营满{months}个月{since}",
                 eligible_from is not None and eligible_from <= today,
                 Failure("operating_too_short", "enterprise_id", f"经营主体正常经营须满{months}个月方可申领"))
    if tier == "first":
        result.amount_fen = p["first_amount_fen"]
    else:
        result.amount_fen = min(claim.get("amount_fen") or p["second_max_fen"], p["second_max_fen"])
        cap = yuan_label(p["second_max_fen"])
        result.apply("amount_within_cap", f"第二档补贴不超过{cap}", (claim.get("amount_fen") or 0) <= p["second_max_fen"],
                     Failure("amount_over_cap", "amount_yuan", f"第二档补贴最高{cap}"))
    result.keys.append(f"startup:{tier}:{facts.entrepreneur_id}")


def _employment(policy, facts, claim, today, result) -> None:
    p = policy.params
    if not _owned(facts, result):
        return
    qualifying, seen = 0, set()
    for index, hire in enumerate(claim.get("hires", [])):
        reason = "同一人重复填报" if hire["id_number"] in seen else _hire_excluded(p, hire, facts)
        seen.add(hire["id_number"])
        result.hires.append({"name": hire["name"], "category": hire["category"],
                             "contract_months": hire["contract_months"],
                             "social_insurance": hire["social_insurance"], "counted": not reason, "reason": reason or ""})
        if reason:
            result.notes.append(f"第{index + 1}名（{hire['name']}）不计入：{reason}")
            continue
        qualifying += 1
        result.keys.append(f"employment:{hire['id_number']}")
    kinds = "、".join(HIRE_CATEGORY_NAMES[category] for category in p["qualifying"])
    result.apply("qualifying_hires", f"至少1名符合条件的吸纳人员（{kinds}；劳动合同不少于"
                 f"{p['min_contract_months']}个月，已缴纳社会保险，此前未申领过）", qualifying > 0,
                 Failure("no_qualifying_hire", "hires", "没有符合条件的吸纳人员"))
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
    """Seed 001: 对符合享受失业保险技能提升补贴的绵阳籍农民工，按初级工1000元、中级工1500元、高级工2000元
    …发放技能提升补贴: insured, of a local household, for a certificate on the person's record."""
    p = policy.params
    level, issued = claim["level"], claim["issued_on"]
    amounts = p["amount_by_level_fen"]
    covered = "、".join(LEVEL_NAMES[name] for name in amounts)
    if result.apply("level_covered", f"证书等级在补贴范围内（{covered}）", level in amounts,
                    Failure("level_not_covered", "level",
                            f"{LEVEL_NAMES[level]}证书不在技能提升补贴范围内：{policy.code}只补贴{covered}")):
        result.amount_fen = amounts[level]
    if (months := p.get("insured_months_min")) is not None:
        paid = claim.get("unemployment_insurance_months") or 0
        result.apply("unemployment_insured", f"参加失业保险累计缴费满{months}个月（申报{paid}个月）", paid >= months,
                     Failure("not_insured_long_enough", "unemployment_insurance_months",
                             f"享受失业保险技能提升补贴须参加失业保险累计缴费满{months}个月"))
    if p.get("local_household"):
        city = regions.city_of(facts.region_code) if facts.region_code else None
        local = city is not None and regions.city_of(facts.household_region_code or "") == city
        where = regions.name_of(city) if city else "本市"
        result.apply("local_household", f"{where}户籍（本地户籍农民工）", local,
                     Failure("household_not_local", "claimant", f"技能提升补贴发给{where}户籍的农民工"))
    on_record = any(c.get("name") == claim["occupation"] and c.get("level") == level
                    and c.get("issued_on") == issued.isoformat() for c in facts.certificates)
    result.apply("certificate_on_record", f"证书（{claim['occupation']}，{LEVEL_NAMES[level]}，{issued.isoformat()}发证）"
                 "已登记在本人经核实的创业者信息中", on_record,
                 Failure("certificate_not_on_record", "occupation",
                         "证书须先登记在本人的创业者信息中（职业、等级、发证日期一致），经工作人员核实后再申领"))
    within, deadline = p["claim_within_months"], add_months(issued, p["claim_within_months"])
    if result.apply("certificate_not_in_future", f"发证日期（{issued.isoformat()}）不晚于今天", issued <= today,
                    Failure("certificate_in_future", "issued_on", "发证日期不能晚于今天")):
        result.apply("claimed_in_time", f"取得证书之日起{within}个月内申领（{deadline.isoformat()}前）",
                     deadline >= today, Failure("claim_too_late", "issued_on", f"须在取得证书之日起{within}个月内申领"))
    result.keys.append(f"skill:{facts.entrepreneur_id}:{claim['occupation']}:{level}")


def _travel(policy, facts, claim, today, result) -> None:
    """Seed 002: 落实脱贫劳动力跨省务工交通补助: for 脱贫劳动力, a fixed amount per trip set by the
    claimant's household county (policy data, each with its source), a few trips a year."""
    p = policy.params
    if wanted := p.get("categories"):
        names = "、".join(CATEGORY_NAMES.get(c, c) for c in wanted)
        result.apply("poverty_alleviated_labour", f"申请人为脱贫劳动力（登记的人员类别含{names}）",
                     any(c in facts.categories for c in wanted),
                     Failure("not_poverty_alleviated", "claimant",
                             f"跨省务工交通补助发给脱贫劳动力：登记信息中的人员类别须含“{names}”"))
    home = p["home_province"]
    within = claim["origin_province"] == home and claim["destination_province"] == home
    result.apply("cross_province", "跨省务工出行（出发地或目的地在省外）", not within,
                 Failure("not_cross_province", "destination_province", "须为跨省务工出行（出发地或目的地在省外）"))
    result.apply("trip_not_in_future", "出行日期不晚于今天", claim["trip_date"] <= today,
                 Failure("trip_in_future", "trip_date", "出行日期不能晚于今天"))
    county = (facts.household_region_code or "")[:6]
    standard = p.get("per_trip_by_county", {}).get(county)
    place = regions.name_of(county.ljust(12, "0")) if county else "户籍所在县"
    if result.apply("county_standard", f"户籍所在县（{place}）已公布交通补助标准", standard is not None,
                    Failure("county_not_listed", "claimant", f"{place}尚未公布跨省务工交通补助标准，暂不能申领")):
        result.amount_fen = standard["amount_fen"]
        result.notes.append(f"补助标准：{place}每次{yuan_label(standard['amount_fen'])}（{standard['source']}）")
    year = claim["trip_date"].year
    if limit := p.get("trips_per_year"):
        places = [f"travel:{facts.entrepreneur_id}:{year}:{n}" for n in range(1, limit + 1)]
        free = [key for key in places if key not in facts.held_keys]
        result.apply("within_yearly_limit", f"每人每年最多申领{limit}次（{year}年）", bool(free),
                     Failure("yearly_limit", "trip_date", f"{year}年已申领过{limit}次跨省务工交通补助，每人每年最多{limit}次"))
        result.keys.extend(free[:1])  # none free: the limit, already refused, is the reason
    result.keys.append(f"travel:{facts.entrepreneur_id}:{claim['trip_date'].isoformat()}")


RULES = {"startup": _startup, "employment": _employment, "skill": _skill, "travel": _travel}
