# mypy: disable-error-code="valid-type"
"""Finance's pydantic contracts: HTTP bodies, RPC arguments and what reads return."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import (
    AwareDatetime,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared.contracts import Body, Caller
from shared.events import EventPayload, register
from shared.fields import Flag, Model, Paged, Strict, day, money, paragraph, percent
from shared.identity import check_resident_id
from shared.quarters import QuarterCode
from shared.validation import domain_check

STATUS_NAMES = {
    "submitted": "已提交", "ineligible": "不符合条件", "under_bank_review": "银行审核中",
    "awaiting_confirmation": "待复核", "approved": "已审批", "rejected": "已拒绝",
    "disbursed": "已放款", "repaying": "还款中", "overdue": "逾期", "defaulted": "已违约",
    "compensated": "已代偿", "settled": "已结清", "withdrawn": "已撤回",
}
STEP_NAMES = {
    "applied": "提交申请", "assessed": "资格核验", "approved_pending": "批准（待复核）", "approved": "批准",
    "confirmed": "复核通过", "rejected": "拒绝", "withdrawn": "撤回申请", "disbursed": "放款",
    "repayment": "还款", "overdue": "逾期", "back_to_repaying": "恢复正常还款", "defaulted": "违约",
    "compensated": "担保基金代偿", "settled": "结清", "resubmitted": "修改后重新申请",
}
# documents on a loan: the lending bank's contracts and vouchers once it has approved, and what the
# applicant adds for the bank while it reviews (the ID card and licence are on the registry's records)
LOAN_DOCUMENT_NAMES = {"loan_contract": "借款合同", "guarantee_contract": "担保合同",
                       "disbursement_voucher": "借款借据（放款凭证）", "application_material": "申请补充材料"}
BANK_DOCUMENTS = ("loan_contract", "guarantee_contract", "disbursement_voucher")
DOCUMENTS_PER_LOAN = 20
KIND_NAMES = {"startup": "一次性创业补贴", "employment": "一次性吸纳就业补贴",
              "skill": "技能提升补贴", "travel": "跨省务工交通补助"}
CLAIM_STATUS_NAMES = {"eligibility_checked": "待审核", "approved": "已审核通过", "rejected": "未通过",
                "in_batch": "已列入发放批次", "paid": "已发放"}
BORROWER_KIND_NAMES = {"individual": "个人", "enterprise": "经营主体", "partnership": "合伙创业"}
CAP_BASIS_NAMES = {"individual": "按个人额度", "enterprise": "按小微企业额度", "partnership": "按合伙创业额度"}
PARTNERS_PER_LOAN = 10  # members of a partnership's loan, the applicant included
# the levels the registry records on a certificate; the policy says which of them it pays for
SKILL_LEVEL_NAMES = {"junior": "初级工", "intermediate": "中级工", "senior": "高级工",
                     "technician": "技师", "senior_technician": "高级技师"}
HIRE_CATEGORY_NAMES = {"poverty_alleviated": "脱贫劳动力", "hard_to_employ": "就业困难人员",
                       "graduate": "当年高校毕业生", "other": "其他"}

Yuan = money(gt=0, le=Decimal("100000000"))
Threshold = money(ge=0, le=Decimal("100000000"))
Reason = paragraph(min_length=2, max_length=500)
Note = paragraph(max_length=500)
BankCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=20)]
Quarter = QuarterCode
ProvinceCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
Rate = percent(ge=0, le=100)
Recorded = day()  # recorded after the fact (a contract, a payment, a hire): not ahead of today
Claimed = day(ahead_days=366)  # a claim's own date: the subsidy rules judge one in the future


# ---- loans ----------------------------------------------------------------------------------


class Partner(Strict):
    """Another member of a partnership (合伙创业), as on their resident ID card."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
    id_number: str = Field(description="18位居民身份证号码")

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        return domain_check(check_resident_id, value).number


class LoanCreate(Strict):
    borrower_kind: Literal["individual", "enterprise", "partnership"] = "individual"
    enterprise_id: str | None = Field(default=None, max_length=36)
    partners: list[Partner] = Field(default_factory=list, max_length=PARTNERS_PER_LOAN - 1, description=(
        "合伙创业：申请人以外的其他合伙人（每人须已登记并核实），额度为全体合伙人个人额度合计的110%"))
    bank_code: BankCode
    amount_yuan: Yuan
    term_months: int = Field(ge=1, le=120)
    purpose: Reason
    repayment_method: Literal["equal_instalments", "interest_only"] = "equal_instalments"
    resubmits: str | None = Field(default=None, max_length=36, description=(
        "修改后重新申请时：原先未通过、被拒绝或已撤回的那笔申请的编号"))
    only_if_eligible: bool = Field(default=False, description=(
        "true：不符合政策条件时不提交，答复422并逐条列出原因（与 /loans/check 相同）"))

    @model_validator(mode="after")
    def _enterprise_named(self) -> LoanCreate:
        if self.borrower_kind == "enterprise" and not self.enterprise_id:
            raise PydanticCustomError("enterprise_required", "以经营主体名义申请时须选择经营主体",
                                      {"domain": True})
        if self.borrower_kind == "partnership" and not self.partners:
            raise PydanticCustomError("partners_required", "合伙创业须填写其他合伙人的姓名和身份证号码",
                                      {"domain": True})
        if self.borrower_kind != "partnership" and self.partners:
            raise PydanticCustomError("partners_not_allowed", "只有合伙创业申请填写合伙人", {"domain": True})
        numbers = [partner.id_number for partner in self.partners]
        if len(set(numbers)) != len(numbers):
            raise PydanticCustomError("partner_repeated", "同一合伙人填写了两次", {"domain": True})
        return self


class Versioned(Strict):
    expected_version: int | None = None


class LoanApprove(Versioned):
    amount_yuan: Yuan
    term_months: int = Field(ge=1, le=120)
    spread_bp: int = Field(ge=-100, le=300, description="合同利率在一年期LPR基础上的加点（基点）")
    contract_date: Recorded | None = None



class LoanReject(Versioned):
    reason: Reason


class LoanDisburse(Versioned):
    disbursed_on: Recorded | None = None



class RepaymentCreate(Strict):
    amount_yuan: Yuan
    paid_on: Recorded | None = None



SearchText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]


class LoanListQuery(Paged):
    status: str | None = Field(default=None, max_length=24)
    q: SearchText = Field(default="", description="借款人（个人或经营主体）名称中的几个字，或贷款编号的开头")
    borrower_kind: Literal["individual", "enterprise", "partnership"] | None = None
    bank_code: str | None = Field(default=None, max_length=20, description="工作人员：只列某家银行的")
    priority: Flag = Field(default=False, description="只列优先办理的（小微企业、农民专业合作社）")
    region_code: str | None = Field(default=None, max_length=12, description="只列此地区及以下的")
    queue: Flag = False  # a liaison's work queue: what waits for their bank
    entrepreneur_id: str | None = Field(default=None, max_length=36, description="只列此人的贷款")
    enterprise_id: str | None = Field(default=None, max_length=36, description="只列此经营主体的贷款")


class LoanRead(Model):
    id: str
    borrower_kind: str
    borrower_kind_name: str = ""
    cap_basis: str = Field(default="", description="额度依据：individual 个人（含个体工商户、家庭农场）、enterprise 小微企业和农民专业合作社、partnership 合伙创业")
    enterprise_kind: str | None = None
    priority: bool = Field(default=False, description="小微企业、农民专业合作社的申请优先办理")
    waiting_days: int | None = Field(default=None, description="在银行待办中已等待的天数")
    partners: list[dict] = Field(default_factory=list, description="合伙创业的合伙人（申请人在先）")
    is_applicant: bool = Field(default=False, description="调用者本人是申请人（合伙人可查看，只有申请人可撤回、补充材料）")
    borrower_name: str
    entrepreneur_id: str
    enterprise_id: str | None
    region_code: str
    region_name: str
    bank_code: str
    bank_name: str
    amount_yuan: str
    term_months: int
    purpose: str
    repayment_method: str
    status: str
    status_name: str
    policy_code: str
    failures: list[dict]
    approved_amount_yuan: str | None
    approved_term_months: int | None
    contract_date: dt.date | None
    lpr_percent: str | None
    rate_percent: str | None
    needs_confirmation: bool
    maker: str | None
    checker: str | None
    rejection_reason: str | None
    disbursed_on: dt.date | None
    outstanding_principal_yuan: str
    interest_paid_yuan: str
    days_overdue: int
    compensation_yuan: str | None
    closed_on: dt.date | None
    applied_at: dt.datetime
    version: int
    instalments: list[dict]
    repayments: list[dict]
    history: list[dict]
    resubmission_of: str | None = None  # the refused application this one corrects
    resubmitted_as: str | None = None  # the application that corrects this one


class BankUpdate(Strict):
    """A bank's confirmation amount, set at its written request; with a name, a bank not yet known is
    added (its cities are then set one by one), or a known one renamed."""

    confirmation_threshold_yuan: Threshold
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)] | None = None
    subsidy_account_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)] | None = (
        Field(default=None, description="接收贴息资金的账户户名（银行的贴息资金专户）"))
    subsidy_account_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = Field(
        default=None, description="接收贴息资金的账号：12至30位数字，可用空格分组")

    @model_validator(mode="after")
    def _account_whole(self) -> BankUpdate:
        if (self.subsidy_account_name is None) != (self.subsidy_account_number is None):
            raise PydanticCustomError("subsidy_account_incomplete", "贴息资金专户的户名和账号须一并填写",
                                      {"domain": True})
        return self


CityCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(\d{6}|\d{12})$")]


class CityQuery(Strict):
    city: CityCode | None = Field(default=None, description="哪个市（州）的资金；不填为本人所在的市（省级须填）")


class BankListQuery(Strict):
    city: CityCode | None = Field(default=None, description="只列这个市（州）现在的合作银行")


class BankPartnershipUpdate(Strict):
    """A city takes the bank as its partner (`partner` true) or ends the partnership, from `on` (today)."""

    partner: StrictBool
    on: dt.date | None = None


# ---- fund and ledger ------------------------------------------------------------------------


class Contribution(Strict):
    account: Literal["fund:guarantee", "budget:subsidy"]
    amount_yuan: Yuan
    note: Note = ""


class RepaymentRate(Strict):
    """An ended year's repayment rate set by hand, with the reason; without a rate, back to the one
    worked out from the ledger."""

    year: int = Field(ge=2000, le=2100)
    repayment_rate_percent: Rate | None = Field(default=None, description="不填：恢复按账簿计算的回收率")
    reason: Reason = Field(description="调整（或恢复）的原因")


# ---- subsidies ------------------------------------------------------------------------------


class Hire(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
    id_number: str
    category: Literal["poverty_alleviated", "hard_to_employ", "graduate", "other"]
    contract_months: int = Field(ge=0, le=600)
    social_insurance: StrictBool
    hired_on: Recorded

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        return domain_check(check_resident_id, value).number


REQUIRED_BY_KIND = {
    "startup": ("enterprise_id",),
    "employment": ("enterprise_id", "hires"),
    "skill": ("occupation", "level", "issued_on", "unemployment_insurance_months"),
    "travel": ("trip_date", "origin_province", "destination_province"),
}


class SubsidyClaimCreate(Strict):
    kind: Literal["startup", "employment", "skill", "travel"]
    enterprise_id: str | None = Field(default=None, max_length=36)
    tier: Literal["first", "second"] = "first"
    amount_yuan: Yuan | None = None
    hires: list[Hire] = Field(default_factory=list, max_length=200)
    occupation: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    level: Literal["junior", "intermediate", "senior", "technician", "senior_technician"] | None = None
    certificate_no: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    unemployment_insurance_months: int | None = Field(default=None, ge=0, le=600, description=(
        "技能提升补贴：参加失业保险累计缴费的月数（工作人员审核时核对）"))
    issued_on: Claimed | None = None
    trip_date: Claimed | None = None
    origin_province: ProvinceCode | None = None
    destination_province: ProvinceCode | None = None
    resubmits: str | None = Field(default=None, max_length=36, description="修改后重新申领时：原先未通过的那笔申领的编号")
    only_if_eligible: bool = Field(default=False, description=(
        "true：不符合政策条件时不提交，答复422并逐条列出原因（与 /subsidy-claims/check 相同）"))

    @model_validator(mode="after")
    def _kind_fields(self) -> SubsidyClaimCreate:
        for name in REQUIRED_BY_KIND[self.kind]:
            if getattr(self, name) in (None, "", []):
                raise PydanticCustomError("required_for_kind", f"{name}：申领此类补贴时必填",
                                          {"domain": True})
        return self


class ClaimReview(Versioned):
    decision: Literal["approve", "reject"]
    reason: Note = ""  # required to reject: the service says so beside the field


class ClaimListQuery(Paged):
    status: str | None = Field(default=None, max_length=24)
    kind: str | None = Field(default=None, max_length=20)
    q: SearchText = Field(default="", description="申领人（个人或经营主体）名称中的几个字")
    region_code: str | None = Field(default=None, max_length=12, description="只列此地区及以下的")
    entrepreneur_id: str | None = Field(default=None, max_length=36, description="只列此人的申领")


class BatchCreate(Strict):
    claim_ids: list[str] = Field(default_factory=list, max_length=1000)


class ReturnedLine(Strict):
    """The paying bank's word on one line of the payment list (代发清单)."""

    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24)]
    result: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)] = Field(
        description="paid 或 failed（回盘文件中写“成功”“失败”亦可）")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        default="", description="发放失败时银行给出的原因（账号错误、账户已销户、户名不符等）")


class BankReturn(Strict):
    """The bank's return (回盘) of a batch's payment list: some or all of its lines."""

    lines: list[ReturnedLine] = Field(min_length=1, max_length=1000)


class PaymentCancel(Strict):
    """A claim whose payment failed, taken out of its batch with the reason."""

    claim_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]
    reason: Reason


class InterestSubsidyCompute(Strict):
    quarter: Quarter


# ---- events ---------------------------------------------------------------------------------


class LoanFact(EventPayload, frozen=True):
    source: ClassVar[str] = "finance"

    loan_id: str
    borrower_kind: str  # individual | enterprise | partnership
    entrepreneur_id: str
    enterprise_id: str | None
    region_code: str
    bank_code: str


@register
class LoanApplied(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_applied"

    amount_fen: int
    term_months: int
    applied_on: date


@register
class LoanEligibilityAssessed(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_eligibility_assessed"

    eligible: bool
    failures: list[dict]
    policy_code: str


@register
class LoanApproved(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_approved"

    amount_fen: int
    term_months: int
    contract_date: date
    lpr_bp: int
    rate_bp: int
    policy_code: str
    maker: str
    checker: str | None


@register
class LoanRejected(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_rejected"

    reason: str
    rejected_by: str


@register
class LoanWithdrawn(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_withdrawn"

    withdrawn_by: str


@register
class LoanDisbursed(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_disbursed"

    principal_fen: int
    disbursed_on: date
    maturity_on: date
    repayment_method: str


@register
class LoanRepaymentRecorded(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_repayment_recorded"

    repayment_id: str
    paid_on: date
    amount_fen: int
    interest_fen: int
    principal_fen: int
    outstanding_principal_fen: int


@register
class LoanOverdue(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_overdue"

    days_overdue: int
    as_of: date
    outstanding_principal_fen: int


@register
class LoanBackToRepaying(LoanFact, frozen=True):
    """An overdue loan whose arrears are paid: it is no longer overdue."""

    event_type: ClassVar[str] = "loan_back_to_repaying"

    as_of: date


@register
class LoanDefaulted(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_defaulted"

    days_overdue: int
    as_of: date
    outstanding_principal_fen: int


@register
class LoanCompensated(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_compensated"

    outstanding_principal_fen: int
    fund_paid_fen: int
    bank_borne_fen: int
    as_of: date


@register
class LoanSettled(LoanFact, frozen=True):
    event_type: ClassVar[str] = "loan_settled"

    settled_on: date


@register
class InterestSubsidyPaid(LoanFact, frozen=True):
    event_type: ClassVar[str] = "interest_subsidy_paid"

    quarter: str
    interest_paid_fen: int
    subsidy_fen: int  # all of it paid for the loan's quarter
    policy_code: str
    paid_at: AwareDatetime
    local_subsidy_fen: int = 0  # of which the local budget's, on principal above the policy's cap


class SubsidyFact(EventPayload, frozen=True):
    source: ClassVar[str] = "finance"

    claim_id: str
    kind: str  # startup | employment | skill | travel
    entrepreneur_id: str
    enterprise_id: str | None
    region_code: str
    amount_fen: int


@register
class SubsidyClaimed(SubsidyFact, frozen=True):
    event_type: ClassVar[str] = "subsidy_claimed"

    eligible: bool
    failures: list[dict]
    policy_code: str


@register
class SubsidyApproved(SubsidyFact, frozen=True):
    event_type: ClassVar[str] = "subsidy_approved"

    approved_by: str


@register
class SubsidyRejected(SubsidyFact, frozen=True):
    event_type: ClassVar[str] = "subsidy_rejected"

    reason: str
    rejected_by: str


@register
class SubsidyPaid(SubsidyFact, frozen=True):
    event_type: ClassVar[str] = "subsidy_paid"

    batch_id: str
    paid_at: AwareDatetime


@register
class SubsidyPaymentFailed(SubsidyFact, frozen=True):
    """The paying bank could not pay a claim's line (its return said why): the payee is told to
    check the account, and the claim waits to be issued again or cancelled from its batch."""

    event_type: ClassVar[str] = "subsidy_payment_failed"

    batch_id: str
    reason: str
    account_masked: str
    returned_at: AwareDatetime


# ---- the service's RPC interface: what the gateway may call, as `self.finance.<method>(...)` --------------


class FinanceApi(Protocol):
    """The `finance` service's commands and queries (its nameko RPC entrypoints); checked against the
    service by tests/unit/test_service_contracts.py."""

    def add_loan_attachment(self, actor: Caller, loan_id: str, kind: str, filename: str, content_base64: str) -> Any:
        """A document of `LOAN_DOCUMENT_NAMES`: the bank's (`BANK_DOCUMENTS`) by a liaison of the
        loan's bank once approved, the applicant's while the bank reviews; the loan after it."""

    def apply_for_loan(self, actor: Caller, data: Body, idempotency_key: str | None = None) -> Any: ...

    def approve_batch(self, actor: Caller, batch_id: str, idempotency_key: str | None = None) -> Any: ...

    def approve_loan(self, actor: Caller, loan_id: str, data: Body, idempotency_key: str | None = None) -> Any: ...

    def check_claim(self, actor: Caller, data: Body) -> Any:
        """The assessment a subsidy claim would get today, without claiming."""

    def check_loan(self, actor: Caller, data: Body) -> Any:
        """The assessment an application would get today, without applying."""

    def claim_subsidy(self, actor: Caller, data: Body, idempotency_key: str | None = None) -> Any: ...

    def compute_interest_subsidy(self, actor: Caller, data: Body) -> Any: ...

    def confirm_loan(
            self, actor: Caller, loan_id: str, data: Body | None = None, idempotency_key: str | None = None) -> Any: ...

    def contribute(self, actor: Caller, data: Body, idempotency_key: str | None = None) -> Any: ...

    def create_batch(self, actor: Caller, data: Body | None = None, idempotency_key: str | None = None) -> Any: ...

    def disburse_loan(self, actor: Caller, loan_id: str, data: Body, idempotency_key: str | None = None) -> Any: ...

    def fund_position(self, actor: Caller, city: str | None = None) -> Any:
        """A city's fund and budget: the caller's city, or the one named (a province's officials, administrators)."""

    def get_batch(self, actor: Caller, batch_id: str) -> Any: ...

    def get_claim(self, actor: Caller, claim_id: str) -> Any: ...

    def get_interest_subsidy(self, actor: Caller, quarter: str, city: str | None = None) -> Any: ...

    def get_loan(self, actor: Caller, loan_id: str) -> Any: ...

    def get_loan_attachment(self, actor: Caller, loan_id: str, attachment_id: str) -> Any:
        """A document of the loan, to whoever may see the loan: {filename, content_type, content}."""

    def list_banks(self, city: str | None = None) -> Any:
        """The banks with the cities they are partners of; with a city, only its partners today."""

    def loan_limits(self, actor: Caller) -> Any:
        """Today's caps by kind of borrower, and what stands in the caller's way already."""

    def list_batches(self, actor: Caller) -> Any: ...

    def list_claims(self, actor: Caller, query: Body | None = None) -> Any: ...

    def list_loans(self, actor: Caller, query: Body | None = None) -> Any: ...

    def outbox_page(self, after_id: int = 0, limit: int = 500) -> Any:
        """The events this service has recorded after `after_id`, oldest first: [[id, envelope], ...]."""

    def pay_batch(self, actor: Caller, batch_id: str, idempotency_key: str | None = None) -> Any: ...

    def pay_interest_subsidy(self, actor: Caller, quarter: str, idempotency_key: str | None = None) -> Any: ...

    def ping(self) -> Any:
        """Readiness: the service consumes its RPC queue."""

    def record_repayment(
            self, actor: Caller, loan_id: str, data: Body, idempotency_key: str | None = None) -> Any: ...

    def reject_loan(self, actor: Caller, loan_id: str, data: Body, idempotency_key: str | None = None) -> Any: ...

    def review_claim(self, actor: Caller, claim_id: str, data: Body) -> Any: ...

    def run_overdue_sweep(self, actor: Caller) -> Any: ...

    def set_bank_partnership(self, actor: Caller, bank_code: str, city: str, data: Body) -> Any:
        """An administrator records a city's partnership with a bank beginning or ending (BankPartnershipUpdate)."""

    def set_bank_threshold(self, actor: Caller, bank_code: str, data: Body) -> Any:
        """The amount above which a second liaison confirms, set at the bank's written request."""

    def set_repayment_rate(self, actor: Caller, data: Body) -> Any: ...

    def todo(self, actor: Caller) -> Any:
        """What waits for the caller here: a list of `TodoItem` as JSON."""

    def trial_balance(self, actor: Caller, city: str | None = None) -> Any: ...

    def withdraw_loan(self, actor: Caller, loan_id: str) -> Any: ...

    def interest_payment_file(self, actor: Caller, quarter: str) -> Any:
        """The quarter's interest subsidy as the payment list, one line per lending bank (a file)."""

    def record_interest_bank_return(self, actor: Caller, quarter: str, data: Body,
                                    idempotency_key: str | None = None) -> Any:
        """The treasury's return on the quarter's bank lines (`BankReturn`)."""

    def reissue_interest_lines(self, actor: Caller, quarter: str, idempotency_key: str | None = None) -> Any:
        """Lines issued for the banks waiting for one."""

    def batch_payment_file(self, actor: Caller, batch_id: str) -> Any:
        """The payment list of a batch's lines waiting for the bank: filename, content_type, content (base64)."""

    def record_bank_return(self, actor: Caller, batch_id: str, data: Body, idempotency_key: str | None = None) -> Any:
        """The bank's return on the batch's lines (`BankReturn`): paid claims paid and booked, failures kept."""

    def reissue_payment_lines(self, actor: Caller, batch_id: str, idempotency_key: str | None = None) -> Any:
        """Lines issued for the batch's claims waiting for one (accounts registered or corrected since)."""

    def cancel_batch_payment(self, actor: Caller, batch_id: str, data: Body,
                             idempotency_key: str | None = None) -> Any:
        """A claim whose payment failed taken out of the batch (`PaymentCancel`)."""

    # ---- policy data: new versions proposed and approved by administrators (issue 17) ----------

    def list_policy_versions(self, actor: Caller, query: Body | None = None) -> Any:
        """Every policy version (or one domain's, `PolicyListQuery`), newest first, each with its
        standing today (in force, upcoming, superseded) and the proposal it came from."""

    def list_policy_proposals(self, actor: Caller, query: Body | None = None) -> Any:
        """Proposals of new versions (`ProposalListQuery`), newest first."""

    def propose_policy(self, actor: Caller, data: Body, idempotency_key: str | None = None) -> Any:
        """An administrator proposes a new version (`PolicyProposalCreate`); it applies once another approves it."""

    def approve_policy_proposal(self, actor: Caller, proposal_id: str, idempotency_key: str | None = None) -> Any:
        """Another administrator approves: the version is added to the policy table in the same transaction."""

    def reject_policy_proposal(
            self, actor: Caller, proposal_id: str, data: Body, idempotency_key: str | None = None) -> Any:
        """An administrator returns a proposal with the reason (`ProposalReject`); nothing changes."""


# ---- policy data changed through the API (issue 17) ---------------------------------------------


POLICY_DOMAIN_NAMES = {"lpr": "一年期贷款市场报价利率（LPR）", "loan": "创业担保贷款政策", "fund": "担保基金政策",
                       **{f"subsidy:{kind}": name for kind, name in KIND_NAMES.items()}}
PROPOSAL_STATUS_NAMES = {"proposed": "待审批", "approved": "已批准", "rejected": "已退回"}
STANDING_NAMES = {"in_force": "现行", "upcoming": "待生效", "superseded": "已被替代"}
POLICY_AHEAD_DAYS = 366 * 5  # a date further ahead is a typing slip, not a policy
PolicyDomain = Literal["lpr", "loan", "fund", "subsidy:startup", "subsidy:employment", "subsidy:skill",
                       "subsidy:travel"]
DocumentNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]
EffectiveDay = day(ahead_days=POLICY_AHEAD_DAYS)  # not before today either: the service says so (never the past)


class PolicyListQuery(Strict):
    domain: PolicyDomain | None = Field(default=None, description="只列这一类政策的版本")


class ProposalListQuery(Strict):
    status: Literal["proposed", "approved", "rejected"] | None = None
    domain: PolicyDomain | None = None


class PolicyProposalCreate(Strict):
    """A new version of a policy: its document number, the day it takes effect (today or later) and
    its figures as the policy table keeps them (fen, basis points, months), checked by domain."""

    domain: PolicyDomain
    code: DocumentNumber | None = Field(default=None, description=(
        "政策文件的文号，如 川办规〔2025〕6号；LPR 可不填（以公布日期为编号）"))
    effective_from: EffectiveDay = Field(description="生效日期（今天或以后）")
    params: dict[str, Any] = Field(description=(
        "政策参数：lpr 为 {rate_bp}；loan 为 LoanPolicy 的各项；subsidy:travel 为 city_code、categories、"
        "trips_per_year、home_province 和 per_trip_by_county {县代码: {amount_fen, source}}"))
    reason: Reason = Field(description="说明：依据的文件、调整了什么")


class ProposalReject(Strict):
    reason: Reason = Field(description="退回的原因")
