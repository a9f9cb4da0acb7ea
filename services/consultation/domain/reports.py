"""The quarter's bulletin, the officials' dashboard and an enterprise's timeline, from the facts.

Plain Python: the same facts (and the consultation's own items and resolutions) always give the same
figures, so a rebuild from a replay of every event reproduces them exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from services.consultation.domain.convening import (
    Fact,
    difficulty_states,
    quarter_bounds,
    quarter_of,
)
from shared import regions
from shared.clock import SHANGHAI
from shared.contracts.escalation import CATEGORY_NAMES, LEVEL_NAMES
from shared.contracts.finance import KIND_NAMES

Within = Callable[[str], bool]
BULLETIN_FACTS = ("entrepreneur_registered", "enterprise_registered", "loan_disbursed", "subsidy_paid",
                  "interest_subsidy_paid", "difficulty_reported", "difficulty_closed")
BULLETIN_FIELDS = {"region_code": str, "kind": str,  # what the bulletin reads of a fact's payload, and its type
                   **dict.fromkeys(("investment_fen", "headcount", "principal_fen", "amount_fen", "subsidy_fen"), int)}


def rate(closed: int, total: int) -> str | None:
    """A percentage with one decimal, rounded half up ("66.7"); None when nothing was assigned."""
    if not total:
        return None
    return str((Decimal(closed * 100) / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def in_scope(scope: str) -> Within:
    """Whether a fact's region lies in `scope` (a fact without a region lies nowhere)."""
    prefix = regions.jurisdiction_prefix(scope)
    return lambda code: bool(code) and code.startswith(prefix)


def short_code(code: str) -> str:
    """A region's code as people write it: 6 digits down to the county, 9 for a township."""
    full = regions.normalize(code)
    return full[:max(6, regions.SIGNIFICANT[regions.level_of(full)])]


def county_of(region_code: str) -> str:
    return region_code[:6]


def _in_period(facts: Iterable[Fact], *, first: dt.date, last: dt.date, within: Within) -> list[Fact]:
    return [f for f in facts if first <= f.day <= last and within(f.payload.get("region_code") or "")]


def item_closed(item: dict, as_of: dt.date) -> bool:
    return item["status"] == "closed" and item["closed_on"] is not None and item["closed_on"] <= as_of


def bulletin(facts: list[Fact], quarter: str, scope: str, within: Within, items: list[dict],
             meeting: dict | None, as_of: dt.date, final: bool, issue_no: int | None = None,
             head: dict | None = None) -> dict:
    """The quarter's figures in the shape of the programme's bulletin (seed 000), for one region.

    `head`: the issuing office, the distribution list and 总第 N 期 (`issue_total`), from settings.
    `items` are the quarter's agenda items ({difficulty_id, region_code, status, closed_on,
    lead_department (its name) or None, lead_department_code or None}); an item counts as resolved when
    its difficulty was closed by `as_of`. The rate by department counts by code, so one department
    spelled two ways is one row; a department known only by its text counts by that text.
    """
    first, last = quarter_bounds(quarter)
    period = _in_period(facts, first=first, last=last, within=within)
    items = [i for i in items if within(i["region_code"])]
    topics = [i for i in items if i.get("difficulty_id", True)]  # the difficulties (not loans' or staff's items)
    counties: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    new_firms = [f.payload for f in period if f.event_type == "enterprise_registered"]
    loans = [f.payload for f in period if f.event_type == "loan_disbursed"]
    paid = [f.payload for f in period if f.event_type == "subsidy_paid"]
    interest = [f.payload for f in period if f.event_type == "interest_subsidy_paid"]
    raised = [f.payload for f in period if f.event_type == "difficulty_reported"]
    resolved = [f.payload for f in period if f.event_type == "difficulty_closed"]
    for f in period:
        if f.event_type == "entrepreneur_registered":
            counties[county_of(f.payload["region_code"])]["entrepreneurs"] += 1
    for p in new_firms:
        row = counties[county_of(p["region_code"])]
        row["enterprises"] += 1
        row["investment_fen"] += p["investment_fen"]
        row["jobs"] += p["headcount"]
    for p in loans:
        counties[county_of(p["region_code"])]["loans_count"] += 1
        counties[county_of(p["region_code"])]["loans_fen"] += p["principal_fen"]
    for p in paid:
        counties[county_of(p["region_code"])]["subsidies_fen"] += p["amount_fen"]
    for p in raised:
        counties[county_of(p["region_code"])]["raised"] += 1
    for p in resolved:
        counties[county_of(p["region_code"])]["resolved"] += 1
    departments: dict[str, list] = {}  # by the department's code (its name as written when it has none)
    for item in items:
        if item.get("lead_department"):
            done = item_closed(item, as_of)
            code = item.get("lead_department_code")
            tally = departments.setdefault(code or item["lead_department"], [0, 0, item["lead_department"], code])
            tally[0] += 1
            tally[1] += done
            counties[county_of(item["region_code"])]["resolutions"] += 1
            counties[county_of(item["region_code"])]["closed"] += done
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p in paid:
        kinds[p["kind"]][0] += 1
        kinds[p["kind"]][1] += p["amount_fen"]
    assigned = sum(row[0] for row in departments.values())
    done_all = sum(row[1] for row in departments.values())
    fields = ("entrepreneurs", "enterprises", "investment_fen", "jobs", "loans_count", "loans_fen", "subsidies_fen",
              "raised", "resolved", "resolutions", "closed")
    return {
        "quarter": quarter, "status": "final" if final else "draft", "issue_no": issue_no,
        "scope": {"region_code": short_code(scope), "region_name": regions.full_name(scope)},
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "issued_on": as_of.isoformat() if final else None,
        **{"office": "", "distribution": "", "issue_total": issue_no, **(head or {})},
        "entrepreneurs": {"new": sum(1 for f in period if f.event_type == "entrepreneur_registered")},
        "enterprises": {"new": len(new_firms), "investment_fen": sum(p["investment_fen"] for p in new_firms),
                        "jobs": sum(p["headcount"] for p in new_firms)},
        "loans": {"count": len(loans), "amount_fen": sum(p["principal_fen"] for p in loans)},
        "subsidies": {"count": len(paid), "amount_fen": sum(p["amount_fen"] for p in paid),
                      "by_kind": [{"kind": k, "name": KIND_NAMES.get(k, k), "count": c, "amount_fen": a}
                                  for k, (c, a) in sorted(kinds.items())]},
        "interest_subsidies": {"count": len(interest), "amount_fen": sum(p["subsidy_fen"] for p in interest)},
        "difficulties": {"raised": len(raised), "resolved": len(resolved), "on_agenda": len(topics),
                         "carried_over": sum(1 for i in topics if not item_closed(i, as_of))},
        "resolutions": {"total": assigned, "closed": done_all, "rate": rate(done_all, assigned),
                        "by_department": [{"department": name, "department_code": code, "total": t, "closed": c,
                                           "rate": rate(c, t)}
                                          for t, c, name, code in sorted(departments.values(),
                                                                         key=lambda row: (-row[0], row[2]))]},
        "by_county": [{"region_code": code, "region_name": regions.name_of(code),
                       **{name: row.get(name, 0) for name in fields},
                       "rate": rate(row.get("closed", 0), row.get("resolutions", 0))}
                      for code, row in sorted(counties.items())],
        "meeting": meeting,
    }


def recent_quarters(today: dt.date, count: int = 6) -> list[str]:
    codes = [quarter_of(today)]
    while len(codes) < count:
        first, _ = quarter_bounds(codes[0])
        codes.insert(0, quarter_of(first - dt.timedelta(days=1)))
    return codes


MONEY_FACTS = {"loan_disbursed": "principal_fen", "subsidy_paid": "amount_fen"}  # the sum each one pays out
Totals = dict[tuple[str, str], list[int]]  # (event type, quarter) → [facts, fen]


def money_by_quarter(facts: Iterable[Fact], within: Within) -> Totals:
    """Loans paid out and subsidies paid in the region, per quarter: how many and how much."""
    totals: Totals = defaultdict(lambda: [0, 0])
    for f in facts:
        if f.event_type in MONEY_FACTS and within(f.payload.get("region_code") or ""):
            row = totals[(f.event_type, quarter_of(f.day))]
            row[0] += 1
            row[1] += f.payload[MONEY_FACTS[f.event_type]]
    return totals


def open_difficulties(states: Iterable[dict], within: Within) -> dict[tuple[str, str], int]:
    """The region's difficulties not closed, by category and level."""
    open_by: dict[tuple[str, str], int] = defaultdict(int)
    for state in states:
        if state["status"] != "closed" and within(state["region_code"]):
            open_by[(state["category"], state["level"])] += 1
    return open_by


def dashboard(facts: list[Fact], within: Within, scope: str, items: list[dict], today: dt.date) -> dict:
    """Loans and subsidies per quarter, open difficulties by category and level, resolution rate."""
    return dashboard_of(money_by_quarter(facts, within), open_difficulties(difficulty_states(facts).values(), within),
                        within, scope, items, today)


def dashboard_of(money: Totals, open_by: dict[tuple[str, str], int], within: Within, scope: str,
                 items: list[dict], today: dt.date) -> dict:
    """The dashboard from the region's totals (`money_by_quarter`, `open_difficulties`) and the items."""
    quarters = recent_quarters(today)
    rates = {q: [0, 0] for q in quarters}
    for item in items:
        if item.get("lead_department") and item["quarter"] in rates and within(item["region_code"]):
            rates[item["quarter"]][0] += 1
            rates[item["quarter"]][1] += item["status"] == "closed"

    def per_quarter(event_type: str) -> list[dict]:
        return [{"quarter": q, "count": c, "amount_fen": a}
                for q in quarters for c, a in [money.get((event_type, q), [0, 0])]]

    return {
        "region_code": short_code(scope), "region_name": regions.full_name(scope), "quarters": quarters,
        "loans": per_quarter("loan_disbursed"), "subsidies": per_quarter("subsidy_paid"),
        "difficulties": [{"category": c, "category_name": CATEGORY_NAMES.get(c, c), "level": lv,
                          "level_name": LEVEL_NAMES.get(lv, lv), "count": n}
                         for (c, lv), n in sorted(open_by.items())],
        "resolution_rate": [{"quarter": q, "total": t, "closed": c, "rate": rate(c, t)}
                            for q, (t, c) in rates.items()],
    }


CHANGE_TITLES = {"corrected": "更正", "returned": "退回修改", "resubmitted": "修改后重新提交", "claimed": "本人认领"}


def _change(payload: dict) -> str:
    what = CHANGE_TITLES.get(payload["change"], payload["change"])
    return f"{what}：{payload['reason']}" if payload.get("reason") else what


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:,.2f}元"


TITLES: dict[str, tuple[str, Callable[[dict], str]]] = {
    "entrepreneur_registered": ("返乡创业人员登记", lambda p: p.get("name", "")),
    "entrepreneur_verified": ("人员信息核验通过", lambda p: ""),
    "enterprise_registered": ("经营主体登记", lambda p: f"{p['name']}，投资{_yuan(p['investment_fen'])}，"
                                                      f"用工{p['headcount']}人"),
    "enterprise_verified": ("经营主体核验通过", lambda p: ""),
    "entrepreneur_changed": ("人员信息变更", lambda p: _change(p)),
    "enterprise_changed": ("经营主体信息变更", lambda p: _change(p)),
    "enterprise_headcount_reported": ("报送用工人数", lambda p: f"{p['quarter']}用工{p['headcount']}人"),
    "enterprise_liaisons_assigned": ("明确一企一专班联络员",
                                     lambda p: "、".join(item["name"] for item in p.get("liaisons", []))),
    "loan_applied": ("申请创业担保贷款", lambda p: f"{_yuan(p['amount_fen'])}，{p['term_months']}个月"),
    "loan_eligibility_assessed": ("贷款资格审核", lambda p: "符合条件" if p["eligible"] else "不符合条件"),
    "loan_approved": ("银行审批通过", lambda p: f"{_yuan(p['amount_fen'])}，{p['term_months']}个月"),
    "loan_rejected": ("银行未予审批", lambda p: p.get("reason", "")),
    "loan_withdrawn": ("撤回贷款申请", lambda p: ""),
    "loan_disbursed": ("贷款发放", lambda p: f"{_yuan(p['principal_fen'])}，{p['bank_code']}"),
    "loan_repayment_recorded": ("还款", lambda p: _yuan(p["amount_fen"])),
    "loan_overdue": ("贷款逾期", lambda p: f"逾期{p['days_overdue']}天"),
    "loan_back_to_repaying": ("逾期已还清，恢复正常还款", lambda p: ""),
    "loan_defaulted": ("贷款违约", lambda p: f"逾期{p['days_overdue']}天"),
    "loan_compensated": ("担保基金代偿", lambda p: _yuan(p["fund_paid_fen"])),
    "loan_settled": ("贷款结清", lambda p: ""),
    "interest_subsidy_paid": ("拨付贷款贴息", lambda p: f"{p['quarter']}，{_yuan(p['subsidy_fen'])}"),
    "subsidy_claimed": ("申请补贴", lambda p: f"{KIND_NAMES.get(p['kind'], p['kind'])}，{_yuan(p['amount_fen'])}"),
    "subsidy_approved": ("补贴审核通过", lambda p: KIND_NAMES.get(p["kind"], p["kind"])),
    "subsidy_rejected": ("补贴未通过", lambda p: p.get("reason", "")),
    "subsidy_paid": ("补贴发放", lambda p: f"{KIND_NAMES.get(p['kind'], p['kind'])}，{_yuan(p['amount_fen'])}"),
    "difficulty_reported": ("反映困难问题", lambda p: f"{p['reference']}，{CATEGORY_NAMES.get(p['category'], '')}"),
    "difficulty_assigned": ("困难问题受理", lambda p: f"{p['reference']}，由{LEVEL_NAMES.get(p['level'], '')}级办理"),
    "difficulty_contacted": ("联络员首次联系", lambda p: p["reference"]),
    "difficulty_escalated": ("困难问题上报", lambda p: f"{p['reference']}，上报至{LEVEL_NAMES.get(p['level'], '')}级"),
    "difficulty_resolved": ("答复办理结果", lambda p: p["reference"]),
    "difficulty_accepted": ("企业确认办理结果", lambda p: p["reference"]),
    "difficulty_reopened": ("企业不满意，重新办理", lambda p: f"{p['reference']}，{p.get('reason', '')}"),
    "difficulty_closed": ("困难问题销号", lambda p: p["reference"]),
    "project_signed": ("签约项目", lambda p: p["title"]),
    "project_launched": ("项目落地", lambda p: p["title"]),
    "resolution_assigned": ("季度困难会商会交办", lambda p: f"{p['quarter']}，牵头单位：{p['lead_department']}；"
                                                   f"措施：{p['measure']}；{p['deadline']}前完成"),
    "resolution_progressed": ("会商交办事项进度", lambda p: f"{p['progress']}%，{p['note']}"),
    "resolution_overdue": ("会商交办事项逾期未办结", lambda p: f"牵头单位：{p['lead_department']}，时限{p['deadline']}"),
}
SOURCE_OF = {"entrepreneur": "registry", "enterprise": "registry", "loan": "finance", "interest": "finance",
             "subsidy": "finance", "difficulty": "escalation", "project": "projects",
             "resolution": "consultation"}


def timeline(facts: Iterable[Fact], consultation: Iterable[dict]) -> list[dict]:
    """Every step of one enterprise across the services, oldest first (`consultation`: its own steps)."""
    steps = []
    for f in facts:
        if f.event_type not in TITLES:
            continue
        title, detail = TITLES[f.event_type]
        at = f.occurred_at.astimezone(SHANGHAI)
        steps.append({"at": at.isoformat(), "date": at.date().isoformat(),
                      "kind": SOURCE_OF[f.event_type.split("_")[0]], "event_type": f.event_type,
                      "title": title, "detail": detail(f.payload)})
    steps.extend(consultation)
    return sorted(steps, key=lambda s: s["at"])
