"""What each event tells whom (plain rules, no I/O).

An entrepreneur is told of every decision on their records, loans, subsidies and difficulties, and
by SMS of those the programme tells by SMS (domain.md: "entrepreneurs are told of each decision by
SMS"). Officials are told of new work in their unit and reminded of time limits on the day and
after they pass (临期提醒, 超期预警); a bank's liaisons of applications waiting for them and loans
falling overdue. Staff get these by SMS too where they have given a work mobile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared import regions
from shared.contracts.escalation import CATEGORY_NAMES, LEVEL_NAMES
from shared.contracts.finance import KIND_NAMES as SUBSIDY_NAMES
from shared.money import yuan_label


@dataclass(frozen=True)
class Person:
    """A person, by their record or by one of their enterprises (its owner is found when read)."""

    entrepreneur_id: str | None = None
    enterprise_id: str | None = None


@dataclass(frozen=True)
class Unit:
    """The officials of a unit: a region at one level; `heads_only` for what only its head does."""

    region: str
    level: str
    heads_only: bool = False


@dataclass(frozen=True)
class Bank:
    code: str


@dataclass(frozen=True)
class Message:
    audience: Person | Unit | Bank
    kind: str  # decision | payment | new_work | deadline_near | deadline_passed | progress
    title: str
    body: str = ""
    link: str = ""
    sms: bool = False
    due_on: dt.date | None = None

    def audience_key(self) -> str:
        a = self.audience
        if isinstance(a, Person):
            return f"p:{a.entrepreneur_id or ''}:{a.enterprise_id or ''}"
        if isinstance(a, Unit):
            return f"u:{a.region}:{a.level}:{int(a.heads_only)}"
        return f"b:{a.code}"

    def text(self) -> str:
        """The SMS: the title, what it says, and where to see it."""
        return f"{self.title}。{self.body}"[:280] if self.body else self.title[:280]


def unit_at(region_code: str, level: str) -> str:
    """The region of the unit at `level` (township, county or city) that holds `region_code`."""
    return regions.jurisdiction_prefix(region_code)[:regions.SIGNIFICANT[level]].ljust(12, "0")


def receiving_unit(region_code: str) -> Unit:
    """Who is told of a record or claim waiting for an official: the township that holds it (the
    unit that verifies registrations and reviews claims), or the region's own unit above that."""
    level = regions.level_of(region_code)
    if level in ("township", "village"):
        return Unit(unit_at(region_code, "township"), "township")
    return Unit(regions.normalize(region_code), level)


def _day(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


# ---- the registry ---------------------------------------------------------------------------


def entrepreneur_registered(p) -> list[Message]:
    if p.account_id is None:  # entered by staff (or imported): nobody waits to be told
        return []
    return [Message(receiving_unit(p.region_code), "new_work", "新的创业者登记待核实",
                    f"{p.name}的创业者登记已提交，请核实。", f"/records/entrepreneurs/{p.entrepreneur_id}")]


def enterprise_registered(p) -> list[Message]:
    if p.owner_account_id is None:
        return []
    return [Message(receiving_unit(p.region_code), "new_work", "新的经营主体登记待核实",
                    f"{p.name}的登记已提交，请核实。", f"/records/enterprises/{p.enterprise_id}")]


def claim_in_person_requested(p) -> list[Message]:
    return [Message(receiving_unit(p.region_code), "new_work", "本人认领登记记录，待当面确认",
                    "请在申请人携带身份证件到便民服务中心时核对后确认。", "/records/claims")]


def entrepreneur_verified(p) -> list[Message]:
    return [Message(Person(entrepreneur_id=p.entrepreneur_id), "decision", "您的创业者登记已核实",
                    "现在可以申请创业担保贷款和创业补贴。", "/me", sms=True)]


def enterprise_verified(p) -> list[Message]:
    return [Message(Person(enterprise_id=p.enterprise_id), "decision", "您的经营主体登记已核实",
                    "", "/me", sms=True)]


def _record_changed(p, person: Person, what: str, link: str) -> list[Message]:
    if p.change == "returned":
        return [Message(person, "decision", f"您的{what}登记被退回修改", f"原因：{p.reason}。请修改后重新提交。",
                        "/me", sms=True)]
    if p.change == "resubmitted":
        return [Message(receiving_unit(p.region_code), "new_work", f"{what}登记已修改，待核实",
                        f"{p.name}已按退回意见修改并重新提交。", link)]
    return []


def entrepreneur_changed(p) -> list[Message]:
    return _record_changed(p, Person(entrepreneur_id=p.entrepreneur_id), "创业者",
                           f"/records/entrepreneurs/{p.entrepreneur_id}")


def enterprise_changed(p) -> list[Message]:
    return _record_changed(p, Person(enterprise_id=p.enterprise_id), "经营主体",
                           f"/records/enterprises/{p.enterprise_id}")


# ---- loans and subsidies --------------------------------------------------------------------


def _borrower(p) -> Person:
    return Person(entrepreneur_id=p.entrepreneur_id)


def loan_eligibility_assessed(p) -> list[Message]:
    if not p.eligible:
        return [Message(_borrower(p), "decision", "贷款申请未通过资格审查",
                        "申请不符合政策条件，详见申请页面列出的原因。", f"/loans/{p.loan_id}", sms=True)]
    return [Message(Bank(p.bank_code), "new_work", "新的创业担保贷款申请待审核", "", f"/loans/{p.loan_id}")]


def loan_approved(p) -> list[Message]:
    return [Message(_borrower(p), "decision", "您的创业担保贷款已获批准",
                    f"金额{yuan_label(p.amount_fen)}，期限{p.term_months}个月，合同日期{_day(p.contract_date)}。",
                    f"/loans/{p.loan_id}", sms=True)]


def loan_rejected(p) -> list[Message]:
    return [Message(_borrower(p), "decision", "您的创业担保贷款申请未获批准", f"原因：{p.reason}。",
                    f"/loans/{p.loan_id}", sms=True)]


def loan_disbursed(p) -> list[Message]:
    return [Message(_borrower(p), "payment", "您的创业担保贷款已发放",
                    f"发放{yuan_label(p.principal_fen)}，到期日{_day(p.maturity_on)}。", f"/loans/{p.loan_id}",
                    sms=True)]


def loan_overdue(p) -> list[Message]:
    body = f"已逾期{p.days_overdue}天，未还本金{yuan_label(p.outstanding_principal_fen)}。"
    return [Message(_borrower(p), "deadline_passed", "您的贷款还款已逾期", body + "请尽快还款。",
                    f"/loans/{p.loan_id}", sms=True),
            Message(Bank(p.bank_code), "deadline_passed", "有贷款逾期未还", body, f"/loans/{p.loan_id}")]


def loan_settled(p) -> list[Message]:
    return [Message(_borrower(p), "progress", "您的创业担保贷款已结清", "", f"/loans/{p.loan_id}")]


def subsidy_claimed(p) -> list[Message]:
    name = SUBSIDY_NAMES.get(p.kind, "补贴")
    if not p.eligible:
        return [Message(Person(entrepreneur_id=p.entrepreneur_id), "decision", f"{name}申领未通过资格审查",
                        "详见申领页面列出的原因。", f"/subsidies/{p.claim_id}", sms=True)]
    return [Message(receiving_unit(p.region_code), "new_work", f"新的{name}申领待审核",
                    f"申领金额{yuan_label(p.amount_fen)}。", f"/subsidies/{p.claim_id}")]


def subsidy_approved(p) -> list[Message]:
    return [Message(Person(entrepreneur_id=p.entrepreneur_id), "decision",
                    f"您的{SUBSIDY_NAMES.get(p.kind, '补贴')}申领已审核通过", "将随下一批次发放。",
                    f"/subsidies/{p.claim_id}")]


def subsidy_rejected(p) -> list[Message]:
    return [Message(Person(entrepreneur_id=p.entrepreneur_id), "decision",
                    f"您的{SUBSIDY_NAMES.get(p.kind, '补贴')}申领未通过", f"原因：{p.reason}。",
                    f"/subsidies/{p.claim_id}", sms=True)]


def subsidy_paid(p) -> list[Message]:
    return [Message(Person(entrepreneur_id=p.entrepreneur_id), "payment",
                    f"您的{SUBSIDY_NAMES.get(p.kind, '补贴')}已发放", f"金额{yuan_label(p.amount_fen)}。",
                    f"/subsidies/{p.claim_id}", sms=True)]


def subsidy_payment_failed(p) -> list[Message]:
    return [Message(Person(entrepreneur_id=p.entrepreneur_id), "payment",
                    f"您的{SUBSIDY_NAMES.get(p.kind, '补贴')}发放未成功",
                    f"银行退回原因：{p.reason}（收款账户{p.account_masked}）。请核对“我的档案”中的收款账户，"
                    "更正后将重新发放；如有疑问请联系所在地便民服务中心。", "/me", sms=True)]


# ---- difficulties ---------------------------------------------------------------------------


def _owner(p) -> Person:
    return Person(enterprise_id=p.enterprise_id)


def _unit(p, heads_only: bool = False) -> Unit:
    return Unit(unit_at(p.region_code, p.level), p.level, heads_only)


def difficulty_assigned(p) -> list[Message]:
    body = (f"{CATEGORY_NAMES.get(p.category, '')}问题，请在{_day(p.contact_due)}前首次联系企业，"
            f"{_day(p.resolve_due)}前书面答复。")
    return [Message(_unit(p), "new_work", f"新的困难问题 {p.reference}", body, f"/difficulties/{p.difficulty_id}",
                    sms=True, due_on=p.contact_due)]


def difficulty_contacted(p) -> list[Message]:
    return [Message(_owner(p), "progress", f"您反映的问题 {p.reference} 已有工作人员联系", "",
                    f"/difficulties/{p.difficulty_id}")]


def difficulty_escalated(p) -> list[Message]:
    return [Message(_owner(p), "progress", f"您反映的问题 {p.reference} 已转{LEVEL_NAMES.get(p.level, '')}办理", "",
                    f"/difficulties/{p.difficulty_id}")]


def difficulty_resolved(p) -> list[Message]:
    return [Message(_owner(p), "decision", f"您反映的问题 {p.reference} 已答复",
                    "请登录查看答复，并确认是否接受。", f"/difficulties/{p.difficulty_id}", sms=True)]


def difficulty_accepted(p) -> list[Message]:
    return [Message(_unit(p, heads_only=True), "new_work", f"困难问题 {p.reference} 企业已确认，待销号", "",
                    f"/difficulties/{p.difficulty_id}")]


def difficulty_reopened(p) -> list[Message]:
    return [Message(_unit(p), "new_work", f"困难问题 {p.reference} 企业未接受答复，重新办理", f"理由：{p.reason}。",
                    f"/difficulties/{p.difficulty_id}", sms=True)]


def difficulty_closed(p) -> list[Message]:
    return [Message(_owner(p), "progress", f"您反映的问题 {p.reference} 已办结销号", "",
                    f"/difficulties/{p.difficulty_id}")]


# ---- the consultation -----------------------------------------------------------------------


def resolution_overdue(p, region: str) -> list[Message]:
    """To the officials who held the round (a city's, or a county's held before it)."""
    region = regions.normalize(region)
    level = regions.level_of(region)
    link = f"/quarters/{p.quarter}" if level == "city" else f"/quarters/{p.quarter}?region={region}"
    return [Message(Unit(region, level), "deadline_passed", "会商决定事项已超期",
                    f"牵头单位{p.lead_department}，期限{_day(p.deadline)}，进度{p.progress}%。",
                    link, sms=True, due_on=p.deadline)]


# ---- time limits ----------------------------------------------------------------------------

STEP_NAMES = {"contact": "首次联系", "resolve": "书面答复"}


def reminder(step: str, reference: str, difficulty_id: str, unit: Unit, due_on: dt.date,
             today: dt.date) -> Message | None:
    """On the day of a time limit, a reminder; once it has passed, a warning; nothing before."""
    if today < due_on:
        return None
    if today == due_on:
        return Message(unit, "deadline_near", f"困难问题 {reference} 今天到{STEP_NAMES[step]}时限",
                       f"请在今天（{_day(due_on)}）内完成{STEP_NAMES[step]}。", f"/difficulties/{difficulty_id}",
                       sms=True, due_on=due_on)
    return Message(unit, "deadline_passed", f"困难问题 {reference} 已超过{STEP_NAMES[step]}时限",
                   f"时限是{_day(due_on)}。", f"/difficulties/{difficulty_id}", sms=True, due_on=due_on)
