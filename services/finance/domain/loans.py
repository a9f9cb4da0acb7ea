"""The guaranteed start-up loan's rules: eligibility, contract rate, schedule, repayment, default.

Plain Python: no database, broker or framework. Amounts are integer fen, rates basis points.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from services.finance.domain.policy import FundPolicy, LoanPolicy, LprRate, in_force
from shared.contracts.finance import STATUS_NAMES, STEP_NAMES
from shared.errors import Forbidden, InvalidInput, InvalidState
from shared.money import BASIS, round_fen, share, yuan_label
from shared.quarters import quarter_bounds, quarter_of  # noqa: F401  (finance's names for them)

__all__ = ["STATUS_NAMES", "STEP_NAMES", "quarter_bounds", "quarter_of"]

# ---- states ---------------------------------------------------------------------------------

OPEN_BEFORE_APPROVAL = ("submitted", "under_bank_review", "awaiting_confirmation")
# guaranteed principal the fund stands behind: committed at approval, released on settlement
COMMITTED = ("approved", "disbursed", "repaying", "overdue")
OUTSTANDING = ("approved", "disbursed", "repaying", "overdue", "defaulted")
IN_REPAYMENT = ("disbursed", "repaying", "overdue")
COUNTS_TOWARDS_LIFETIME = ("approved", "disbursed", "repaying", "overdue", "defaulted",
                           "compensated", "settled")


def require_status(status: str, *allowed: str) -> None:
    if status not in allowed:
        names = "、".join(STATUS_NAMES[s] for s in allowed)
        raise InvalidState("loan_status", "status",
                           f"贷款当前为“{STATUS_NAMES[status]}”，只有“{names}”时可进行此操作")


# ---- eligibility ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    """One member of a partnership (合伙创业) as finance's records know them."""

    name: str
    registered: bool
    verified: bool
    lifetime_loans: int
    outstanding_loans: int


@dataclass(frozen=True)
class BorrowerFacts:
    """What finance's read model knows of the borrower when the application is assessed.

    `outstanding_loans` counts across the person and every enterprise they lead (and partnership
    they are in): a loan of any of them stands in the way of the others. For an enterprise,
    `new_hires` are the hiring year's (the sum of its quarterly reports of `hiring_year`) and
    `headcount` its staff in the year's latest report."""

    kind: str  # individual | enterprise | partnership
    registered: bool
    verified: bool
    lifetime_loans: int
    outstanding_loans: int
    enterprise_kind: str | None = None  # the registry's: individual_business, cooperative, family_farm, small_micro
    headcount: int | None = None
    new_hires: int | None = None
    hiring_year: int | None = None
    partners: tuple[Partner, ...] = ()  # a partnership's members, the applicant first


@dataclass(frozen=True)
class Failure:
    code: str
    field: str | None
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}


def not_eligible(failures: list[Failure]) -> InvalidInput:
    """An application or claim that asked to be filed only if eligible, refused with every rule it
    breaks, each beside its field (those about the applicant rather than a field at the top)."""
    return InvalidInput("not_eligible", None, "按现行政策不符合条件，未提交：" + "；".join(f.message for f in failures),
                        details=[{**f.as_dict(), "field": None if f.field in ("borrower", "claimant") else f.field}
                                 for f in failures])


def cap_basis(policy: LoanPolicy, kind: str, enterprise_kind: str | None = None) -> str:
    """Which caps a borrower takes: an enterprise of the policy's enterprise kinds (小微企业, 农民专业
    合作社) the enterprise's, 个体工商户 and 家庭农场 the individual's; a partnership its own."""
    if kind == "enterprise":
        return "enterprise" if enterprise_kind in policy.enterprise_kinds else "individual"
    return kind


def amount_cap(policy: LoanPolicy, basis: str, partners: int = 1) -> int:
    if basis == "enterprise":
        return policy.enterprise_cap_fen
    if basis == "partnership":
        return share(policy.individual_cap_fen * partners, policy.partnership_cap_bp)
    return policy.individual_cap_fen


def term_cap(policy: LoanPolicy, basis: str) -> int:
    return policy.enterprise_term_months if basis == "enterprise" else policy.individual_term_months


def hiring_share_bp(policy: LoanPolicy, headcount: int) -> int:
    large = headcount > policy.large_enterprise_staff
    return policy.hiring_share_large_bp if large else policy.hiring_share_bp


def _cap_name(policy: LoanPolicy, basis: str, facts: BorrowerFacts) -> str:
    if basis == "partnership":
        return f"（{len(facts.partners)}人合伙，个人上限合计的{Decimal(policy.partnership_cap_bp) / 100:g}%）"
    if facts.kind == "enterprise" and basis == "individual":
        return "（个体工商户、家庭农场按个人创业担保贷款的额度）"
    return ""


def assess(policy: LoanPolicy, facts: BorrowerFacts, amount_fen: int, term_months: int) -> list[Failure]:
    """Every rule the application breaks, each with its reason; empty when eligible."""
    who = "经营主体" if facts.kind == "enterprise" else "创业者"
    basis = cap_basis(policy, facts.kind, facts.enterprise_kind)
    failures = []
    if not facts.registered:
        failures.append(Failure("borrower_not_registered", "borrower", f"{who}尚未登记"))
    elif not facts.verified:
        failures.append(Failure("borrower_not_verified", "borrower", f"{who}尚未经工作人员核实"))
    if amount_fen > (cap := amount_cap(policy, basis, len(facts.partners) or 1)):
        failures.append(Failure("amount_over_cap", "amount_yuan",
                                f"贷款金额超过上限{yuan_label(cap)}{_cap_name(policy, basis, facts)}（{policy.code}）"))
    if term_months > (months := term_cap(policy, basis)):
        failures.append(Failure("term_over_cap", "term_months",
                                f"贷款期限超过上限{months}个月（{policy.code}）"))
    if facts.lifetime_loans >= policy.lifetime_loans:
        failures.append(Failure("lifetime_limit", "borrower",
                                f"累计享受创业担保贷款已达{policy.lifetime_loans}次"))
    if facts.outstanding_loans > 0:
        failures.append(Failure("loan_outstanding", "borrower", "本人或本人创办的经营主体尚有未结清的创业担保贷款"))
    if basis == "enterprise":
        failures.extend(_hiring(policy, facts))
    if basis == "partnership":
        failures.extend(_partners(policy, facts.partners))
    return failures


def _hiring(policy: LoanPolicy, facts: BorrowerFacts) -> list[Failure]:
    year = f"{facts.hiring_year}年" if facts.hiring_year else "当年"
    if not facts.headcount:
        return [Failure("headcount_missing", "borrower", f"经营主体尚未填报{year}的职工人数")]
    required_bp = hiring_share_bp(policy, facts.headcount)
    if (facts.new_hires or 0) * BASIS < required_bp * facts.headcount:
        percent = Decimal(required_bp) / 100
        return [Failure("hiring_share", "borrower",
                        f"{year}新招用人数{facts.new_hires or 0}人，未达到职工总数{facts.headcount}人的"
                        f"{percent:g}%（{policy.code}）")]
    return []


def _partners(policy: LoanPolicy, partners: tuple[Partner, ...]) -> list[Failure]:
    """Each member of a partnership as if they borrowed alone: registered and verified, under the
    lifetime count, with no other guaranteed loan outstanding."""
    failures = []
    if len(partners) < 2:
        failures.append(Failure("partners_too_few", "partners", "合伙创业须有至少2名合伙人"))
    for member in partners[1:]:
        if not member.registered:
            failures.append(Failure("partner_not_registered", "partners", f"合伙人{member.name}尚未登记创业者信息"))
        elif not member.verified:
            failures.append(Failure("partner_not_verified", "partners", f"合伙人{member.name}的登记信息尚未核实"))
        if member.lifetime_loans >= policy.lifetime_loans:
            failures.append(Failure("partner_lifetime_limit", "partners",
                                    f"合伙人{member.name}累计享受创业担保贷款已达{policy.lifetime_loans}次"))
        if member.outstanding_loans > 0:
            failures.append(Failure("partner_loan_outstanding", "partners",
                                    f"合伙人{member.name}尚有未结清的创业担保贷款"))
    return failures


# ---- the contract ---------------------------------------------------------------------------


def lpr_on(rates: tuple[LprRate, ...] | list[LprRate], on: dt.date) -> int:
    return in_force(rates, on, "贷款市场报价利率").rate_bp


def contract_rate_bp(lpr_bp: int, spread_bp: int) -> int:
    return lpr_bp + spread_bp


def check_approval(loan_amount_fen: int, loan_term_months: int, amount_fen: int, term_months: int,
                   policy: LoanPolicy, basis: str, partners: int = 1) -> None:
    """The bank's terms within the application and the contract day's caps for the loan's basis
    (individual, enterprise or a partnership of `partners`)."""
    if amount_fen > loan_amount_fen:
        raise InvalidInput("amount_over_applied", "amount_yuan", "审批金额不能高于申请金额，只能调低")
    if amount_fen > (cap := amount_cap(policy, basis, partners)):
        raise InvalidInput("amount_over_cap", "amount_yuan", f"审批金额超过上限{yuan_label(cap)}（{policy.code}）")
    if term_months > term_cap(policy, basis):
        raise InvalidInput("term_over_cap", "term_months",
                           f"贷款期限超过上限{term_cap(policy, basis)}个月（{policy.code}）")
    del loan_term_months  # the bank may set a term longer or shorter than asked, within the cap


def needs_confirmation(amount_fen: int, threshold_fen: int) -> bool:
    return amount_fen > threshold_fen


def check_checker(maker: str | None, checker: str) -> None:
    if maker == checker:
        raise Forbidden("four_eyes", None, "审批人不能复核自己的审批，须由同一银行的另一位联络员复核")


# ---- guarantee fund -------------------------------------------------------------------------


def repayment_rate_bp(repaid_fen: int, defaulted_fen: int) -> int | None:
    """A year's repayment rate (贷款回收率): principal repaid over principal repaid and principal
    outstanding when loans defaulted, rounded down (89.999 % is not 90 %); none when neither happened."""
    if repaid_fen + defaulted_fen == 0:
        return None
    return repaid_fen * BASIS // (repaid_fen + defaulted_fen)


def fund_ceiling(policy: FundPolicy, balance_fen: int, repayment_rate_bp: int | None) -> int:
    high = repayment_rate_bp is not None and repayment_rate_bp >= policy.high_leverage_repayment_rate_bp
    return balance_fen * (policy.high_leverage if high else policy.leverage)


def check_fund(ceiling_fen: int, outstanding_fen: int, amount_fen: int) -> None:
    if outstanding_fen + amount_fen > ceiling_fen:
        raise InvalidState("fund_ceiling", "amount_yuan",
                           f"担保基金放大倍数已满：在保余额{yuan_label(outstanding_fen)}加本笔"
                           f"{yuan_label(amount_fen)}将超过上限{yuan_label(ceiling_fen)}")


def compensation(policy: FundPolicy, outstanding_principal_fen: int) -> tuple[int, int]:
    """(fund pays, bank bears) of a defaulted loan's outstanding principal."""
    fund = share(outstanding_principal_fen, policy.compensation_share_bp)
    return fund, outstanding_principal_fen - fund


# ---- schedule -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: dt.date
    principal_fen: int
    interest_fen: int
    principal_paid_fen: int = 0
    interest_paid_fen: int = 0

    @property
    def due_fen(self) -> int:
        return self.principal_fen + self.interest_fen - self.principal_paid_fen - self.interest_paid_fen

    @property
    def paid(self) -> bool:
        return self.due_fen == 0


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule(principal_fen: int, rate_bp: int, months: int, method: str,
             start: dt.date) -> list[Instalment]:
    """Monthly instalments: equal payments (等额本息) or interest only, principal at maturity."""
    monthly = Decimal(rate_bp) / BASIS / 12
    if method == "equal_instalments" and monthly > 0:
        payment = Decimal(principal_fen) * monthly / (1 - (1 + monthly) ** -months)
    elif method == "equal_instalments":
        payment = Decimal(principal_fen) / months
    balance, rows = principal_fen, []
    for number in range(1, months + 1):
        interest = round_fen(Decimal(balance) * monthly)
        if number == months:
            principal = balance
        elif method == "equal_instalments":
            principal = min(balance, round_fen(payment) - interest)
        else:
            principal = 0
        rows.append(Instalment(number, add_months(start, number), principal, interest))
        balance -= principal
    return rows


def outstanding_principal(instalments: list[Instalment]) -> int:
    return sum(i.principal_fen - i.principal_paid_fen for i in instalments)


def remaining_due(instalments: list[Instalment]) -> int:
    return sum(i.due_fen for i in instalments)


def allocate(instalments: list[Instalment], amount_fen: int) -> tuple[list[Instalment], int, int]:
    """Apply a repayment oldest instalment first, interest before principal.

    Returns the updated instalments and the interest and principal the repayment paid.
    """
    if amount_fen <= 0:
        raise InvalidInput("amount_not_positive", "amount_yuan", "还款金额应大于0")
    if amount_fen > (due := remaining_due(instalments)):
        raise InvalidInput("repayment_exceeds_balance", "amount_yuan",
                           f"还款金额超过剩余应还{yuan_label(due)}")
    left, interest_paid, principal_paid, updated = amount_fen, 0, 0, []
    for row in instalments:
        to_interest = min(left, row.interest_fen - row.interest_paid_fen)
        left -= to_interest
        to_principal = min(left, row.principal_fen - row.principal_paid_fen)
        left -= to_principal
        interest_paid += to_interest
        principal_paid += to_principal
        updated.append(replace(row, interest_paid_fen=row.interest_paid_fen + to_interest,
                               principal_paid_fen=row.principal_paid_fen + to_principal)
                       if to_interest or to_principal else row)  # most of a schedule is left as it was
    return updated, interest_paid, principal_paid


def days_overdue(instalments: list[Instalment], today: dt.date) -> int:
    """Days since the oldest instalment that fell due and is not fully paid; 0 if none."""
    late = [row.due_on for row in instalments if not row.paid and row.due_on < today]
    return (today - min(late)).days if late else 0


def status_after(status: str, instalments: list[Instalment], today: dt.date,
                 policy: FundPolicy) -> str:
    """Where a loan in repayment stands today: settled, repaying, overdue or defaulted."""
    if remaining_due(instalments) == 0:
        return "settled"
    late = days_overdue(instalments, today)
    if late > policy.default_after_days:
        return "defaulted"
    if late > 0:
        return "overdue"
    return "repaying" if status in ("repaying", "overdue") else status


# ---- interest subsidy -----------------------------------------------------------------------


@dataclass(frozen=True)
class InterestSubsidyParts:
    """A loan's quarter's interest subsidy: the programme's part, and the part on principal above
    the policy's subsidy cap that the local budget pays (川办规〔2025〕6号: 超过部分由地方财政贴息)."""

    programme_fen: int
    local_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.programme_fen + self.local_fen


def subsidy_principal_cap(policy: LoanPolicy, basis: str, partners: int = 1) -> int | None:
    if basis == "enterprise":
        return policy.subsidy_principal_cap_enterprise_fen
    cap = policy.subsidy_principal_cap_individual_fen
    return None if cap is None else cap * partners


def interest_subsidy_parts(policy: LoanPolicy, basis: str, principal_fen: int, rate_bp: int, lpr_bp: int,
                           interest_paid_fen: int, partners: int = 1) -> InterestSubsidyParts:
    """The subsidy on interest actually paid (先付后贴), under the contract's policy version."""
    if interest_paid_fen <= 0 or rate_bp <= 0:
        return InterestSubsidyParts(0)
    if policy.subsidy_method == "lpr_minus":
        borrower_bp = max(0, lpr_bp - policy.borrower_lpr_minus_bp)
        subsidised = Decimal(max(0, rate_bp - borrower_bp)) / rate_bp
        return InterestSubsidyParts(round_fen(Decimal(interest_paid_fen) * subsidised))
    whole = Decimal(interest_paid_fen) * policy.subsidy_share_bp / BASIS
    cap = subsidy_principal_cap(policy, basis, partners)
    if cap is None or principal_fen <= cap:
        return InterestSubsidyParts(round_fen(whole))
    programme = round_fen(whole * Decimal(cap) / principal_fen)
    return InterestSubsidyParts(programme, round_fen(whole) - programme)


def interest_subsidy(policy: LoanPolicy, basis: str, principal_fen: int, rate_bp: int, lpr_bp: int,
                     interest_paid_fen: int) -> int:
    """The programme's part of the subsidy (the local budget's above the cap aside)."""
    return interest_subsidy_parts(policy, basis, principal_fen, rate_bp, lpr_bp, interest_paid_fen).programme_fen
