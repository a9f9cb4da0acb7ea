# mypy: disable-error-code="valid-type"
"""Pydantic contracts of the registry: what comes in (Create/Update) and what goes out (Read)."""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Optional, Protocol

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from shared import paging, regions
from shared.contracts import Body, Caller
from shared.errors import InvalidInput
from shared.events import EventPayload, register
from shared.fields import FOUNDING, Model, Paged, Strict, day, money, paragraph
from shared.identity import check_resident_id
from shared.payee_accounts import check_account_number
from shared.quarters import QUARTER
from shared.validation import domain_check

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Remark = paragraph(max_length=500)  # a reason or note, over several lines if need be
Investment = money(ge=0, le=Decimal("100000000000"))
LifeDay = day(since=FOUNDING)  # in a person's or an enterprise's past, since 1949-10-01
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")

Education = Literal["primary", "junior_high", "senior_high", "vocational", "college", "bachelor", "postgraduate"]
Category = Literal["returnee_migrant_worker", "graduate", "discharged_soldier", "lifted_out_of_poverty", "other"]
EnterpriseKind = Literal["individual_business", "cooperative", "family_farm", "small_micro"]
LiaisonKind = Literal["finance", "legal", "government_affairs"]
CertificateLevel = Literal["junior", "intermediate", "senior", "technician", "senior_technician"]

EDUCATION_NAMES = {"primary": "小学", "junior_high": "初中", "senior_high": "高中", "vocational": "中专/技校",
                   "college": "大专", "bachelor": "本科", "postgraduate": "研究生"}
CATEGORY_NAMES = {"returnee_migrant_worker": "返乡农民工", "graduate": "高校毕业生",
                  "discharged_soldier": "退役军人", "lifted_out_of_poverty": "脱贫人口", "other": "其他"}
ENTERPRISE_KIND_NAMES = {"individual_business": "个体工商户", "cooperative": "农民专业合作社",
                         "family_farm": "家庭农场", "small_micro": "小微企业"}
LIAISON_NAMES = {"finance": "金融联络员", "legal": "法律联络员", "government_affairs": "政务联络员"}
LEVEL_NAMES = {level: regions.LEVEL_NAMES[level] for level in ("township", "county", "city")}
CERTIFICATE_LEVEL_NAMES = {"junior": "初级工", "intermediate": "中级工", "senior": "高级工",
                           "technician": "技师", "senior_technician": "高级技师"}
STATUS_NAMES = {"registered": "待核实", "returned": "退回修改", "verified": "已核实"}
CHANGE_NAMES = {"corrected": "更正", "returned": "退回修改", "resubmitted": "修改后重新提交", "claimed": "本人认领",
                "payee_account": "收款账户变更"}
CLAIM_METHOD_NAMES = {"sms_code": "短信验证码", "in_person": "工作人员当面确认"}
CLAIM_STATUS_NAMES = {"pending": "待确认", "approved": "已认领", "rejected": "未通过"}
# documents on a person's record: the ID card, and the certificates the skill subsidy and the
# categories (退役军人, 脱贫人口, 高校毕业生) rely on
ENTREPRENEUR_DOCUMENT_NAMES = {
    "id_card_front": "身份证（人像面）", "id_card_back": "身份证（国徽面）",
    "vocational_qualification": "职业资格证书", "skill_level_certificate": "职业技能等级证书",
    "veteran_certificate": "退役军人证", "poverty_certificate": "脱贫户证明",
    "graduation_certificate": "毕业证书", "other_certificate": "其他证明材料"}
ENTERPRISE_DOCUMENT_NAMES = {
    "business_licence": "营业执照", "land_transfer_contract": "土地流转合同", "lease_contract": "租赁合同",
    "other_document": "其他材料"}
DOCUMENTS_PER_RECORD = 20

# payee accounts (收款账户): a person's bank card or social security card's financial account
# (惠民惠农财政补贴资金"一卡通"), an enterprise's basic account (基本存款账户)
PayeeKind = Literal["bank_card", "social_security_card", "basic_account"]
PAYEE_KIND_NAMES = {"bank_card": "银行卡", "social_security_card": "社会保障卡金融账户",
                    "basic_account": "基本存款账户"}
PERSON_PAYEE_KINDS = ("bank_card", "social_security_card")
# the banks accounts are commonly opened with in Sichuan; the codes of finance's partner banks are the same
PayeeBank = Literal["ICBC", "ABC", "BOC", "CCB", "BOCOM", "PSBC", "SCRCU", "NJRCB", "MYCCB", "CDRCB", "BOCD",
                    "SCB", "TFB", "LSCCB", "YBCCB", "LZB", "CGHXB", "CMB", "CITIC", "CIB", "CMBC", "CEB",
                    "SPDB", "HXB", "CGB"]
PAYEE_BANK_NAMES = {
    "ICBC": "中国工商银行", "ABC": "中国农业银行", "BOC": "中国银行", "CCB": "中国建设银行", "BOCOM": "交通银行",
    "PSBC": "中国邮政储蓄银行", "SCRCU": "四川农村商业联合银行（农村信用社）", "NJRCB": "内江农村商业银行",
    "MYCCB": "绵阳市商业银行", "CDRCB": "成都农村商业银行", "BOCD": "成都银行", "SCB": "四川银行",
    "TFB": "四川天府银行", "LSCCB": "乐山市商业银行", "YBCCB": "宜宾市商业银行", "LZB": "泸州银行",
    "CGHXB": "长城华西银行", "CMB": "招商银行", "CITIC": "中信银行", "CIB": "兴业银行", "CMBC": "中国民生银行",
    "CEB": "中国光大银行", "SPDB": "上海浦东发展银行", "HXB": "华夏银行", "CGB": "广发银行"}
PAYEE_ACCOUNTS_MAX = 500  # records in one question of finance's (a payment batch's payees)


def _mobile(value: str) -> str:
    if not MOBILE.match(value):
        raise InvalidInput("phone_format", "phone", "手机号码应为11位，以1开头")
    return value


def _region(value: str) -> str:
    return regions.check_known(value)


class Certificate(Strict):
    name: Text
    level: CertificateLevel
    issued_on: LifeDay


class EntrepreneurCreate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
    id_number: str = Field(description="18位居民身份证号码")
    phone: str
    household_region_code: str = Field(description="户籍所在地行政区划代码")
    region_code: str = Field(description="现居住/创业所在地行政区划代码（乡镇或村级）")
    return_date: LifeDay | None = None
    previous_work_place: LongText = ""
    previous_occupation: LongText = ""
    education: Education
    skills: list[Text] = Field(default_factory=list, max_length=20)
    certificates: list[Certificate] = Field(default_factory=list, max_length=20)
    categories: list[Category] = Field(min_length=1, max_length=5)

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        return domain_check(check_resident_id, value).number

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return domain_check(_mobile, value)

    @field_validator("household_region_code", "region_code")
    @classmethod
    def _regions(cls, value: str) -> str:
        return domain_check(_region, value)


class EnterpriseCreate(Strict):
    owner_entrepreneur_id: str | None = Field(default=None, description="工作人员代为登记时必填")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
    kind: EnterpriseKind
    credit_code: str = Field(description="18位统一社会信用代码")
    credit_code_override_reason: Remark | None = Field(
        default=None, description="校验位不符但确认无误时，工作人员填写的原因")
    industry: Text
    region_code: str
    founded_on: LifeDay
    investment_yuan: Investment
    headcount: int = Field(ge=0, le=100000)
    poverty_hires: int = Field(ge=0, le=100000)

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str) -> str:
        return domain_check(_region, value)


class HeadcountReport(Strict):
    quarter: str = Field(description="季度，如 2026Q4")
    headcount: int = Field(ge=0, le=100000)
    poverty_hires: int = Field(ge=0, le=100000)
    new_hires: int = Field(ge=0, le=100000)

    @field_validator("quarter")
    @classmethod
    def _quarter(cls, value: str) -> str:
        if not QUARTER.fullmatch(value) or not value.startswith("20"):  # this century's reports
            raise PydanticCustomError("quarter_format", "季度格式应为“年份Q季度”，如2026Q4", {"domain": True})
        return value


class LiaisonIn(Strict):
    kind: LiaisonKind
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
    phone: str
    organisation: Text
    level: Literal["township", "county", "city"]
    official_username: str | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return domain_check(_mobile, value)


class LiaisonsAssign(Strict):
    liaisons: list[LiaisonIn] = Field(min_length=1, max_length=3)


TEXT_RECIPIENTS_MAX = 200  # a sender's batch (notifications sends 50 at a time)
RESIDENT_IDS_MAX = 10  # a partnership's members


class TextRecipients(Strict):
    """Whose phones a batch of text messages needs: "person:<id>" or "enterprise:<id>"."""

    recipients: list[Annotated[str, Field(max_length=80)]] = Field(max_length=TEXT_RECIPIENTS_MAX)


class ResidentIds(Strict):
    """Whose records another service asks after by resident ID (a partnership's members)."""

    id_numbers: list[Annotated[str, Field(max_length=18)]] = Field(max_length=RESIDENT_IDS_MAX)


class VerifyCommand(Strict):
    expected_version: int | None = None
    note: Remark = ""


Reason = paragraph(min_length=2, max_length=500)


class ReturnCommand(Strict):
    """An official sends a record back to its owner for correction, saying what to correct."""

    reason: Reason = Field(description="退回原因：需要更正的内容")
    expected_version: int | None = None


def _partial(model: type[Model], name: str, doc: str, *, leave_out: tuple[str, ...] = ()) -> type[Model]:
    """`model`'s fields, each optional, with the version seen and a reason: a PATCH names only what
    it changes; the service checks the record as changed by the same rules as a new one."""
    fields: dict[str, Any] = {
        key: (Optional[field.annotation], Field(default=None, description=field.description))  # noqa: UP045 (a value, not a hint)
        for key, field in model.model_fields.items() if key not in leave_out}
    fields["expected_version"] = (int | None, Field(default=None, description="所见记录的版本号"))
    fields["reason"] = (Remark | None, Field(default=None, description="更正原因；更正已核实的记录时必填"))
    return create_model(name, __base__=Strict, __doc__=doc, **fields)


EntrepreneurUpdate = _partial(EntrepreneurCreate, "EntrepreneurUpdate", "更正创业者登记：只填要改的项")
EnterpriseUpdate = _partial(EnterpriseCreate, "EnterpriseUpdate", "更正经营主体登记：只填要改的项",
                            leave_out=("owner_entrepreneur_id",))


# ---- payee accounts (收款账户) ------------------------------------------------------------------


def _listed_bank(value: Any) -> Any:
    if not isinstance(value, str) or value not in PAYEE_BANK_NAMES:
        raise PydanticCustomError("bank_not_listed", "开户银行不在列表中，请从列表中选择", {"domain": True})
    return value


HolderName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]


class PayeeAccountUpdate(Strict):
    """The account a record's payments go to: set by its owner or an official of its region; the
    same account again changes nothing."""

    kind: PayeeKind = Field(description="bank_card 银行卡 | social_security_card 社会保障卡金融账户 | "
                                        "basic_account 基本存款账户")
    bank_code: Annotated[PayeeBank, BeforeValidator(_listed_bank)] = Field(description="开户银行（列表中的代码）")
    account_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        description="账号：只填数字，可用空格分组，全角数字亦可；银行卡16至19位并核对校验位，其他12至30位")
    holder_name: HolderName | None = Field(default=None, description="户名；不填时为本人姓名或经营主体名称")
    expected_version: int | None = Field(default=None, description="所见记录的版本号")
    reason: Remark | None = Field(default=None, description="原因；工作人员为已核实的记录设置时必填")

    @field_validator("account_number")
    @classmethod
    def _number(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind", "basic_account")  # a kind refused is reported on its own field
        return domain_check(check_account_number, kind, value)


def _kind_among(kinds: tuple[str, ...], message: str) -> Any:
    def listed(value: Any) -> Any:
        if not isinstance(value, str) or value not in kinds:
            raise PydanticCustomError("payee_kind_not_allowed", message, {"domain": True})
        return value
    return BeforeValidator(listed)


class EntrepreneurPayeeAccountUpdate(PayeeAccountUpdate):
    kind: Annotated[Literal["bank_card", "social_security_card"],
                    _kind_among(PERSON_PAYEE_KINDS, "个人的收款账户应为银行卡或社会保障卡金融账户")] = Field(
        description="bank_card 银行卡 | social_security_card 社会保障卡金融账户")


class EnterprisePayeeAccountUpdate(PayeeAccountUpdate):
    kind: Annotated[Literal["basic_account"],
                    _kind_among(("basic_account",), "经营主体的收款账户应为其基本存款账户")] = Field(
        default="basic_account", description="basic_account 基本存款账户")


class PayeeAccountRead(Model):
    """A record's payee account as its detail shows it: the number masked, for everyone."""

    kind: str
    kind_name: str
    bank_code: str
    bank_name: str
    account_masked: str = Field(description="账号（仅显示前4位和后4位）")
    holder_name: str


class PayeeRecord(Strict):
    kind: Literal["entrepreneur", "enterprise"]
    id: Annotated[str, StringConstraints(min_length=1, max_length=36)]


class PayeeAccountsQuery(Strict):
    """Whose accounts a payment list needs (finance asks, inside the system only)."""

    records: list[PayeeRecord] = Field(max_length=PAYEE_ACCOUNTS_MAX)


class PayeeAccountLine(Model):
    """One payee of a payment list (代发清单), in the order asked: `status` says whether the record has
    an account (`ok`), has none yet (`missing`) or does not exist (`unknown`)."""

    kind: str
    id: str
    status: Literal["ok", "missing", "unknown"]
    payee_name: str | None = Field(default=None, description="户名")
    id_number: str | None = Field(default=None, description="个人：居民身份证号码（完整）")
    credit_code: str | None = Field(default=None, description="经营主体：统一社会信用代码")
    account_kind: str | None = None
    account_kind_name: str | None = None
    bank_code: str | None = None
    bank_name: str | None = None
    account_number: str | None = Field(default=None, description="完整账号，仅供发放清单")
    account_masked: str | None = None


class ListQuery(Paged):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = Field(
        default="", description="搜索：姓名或名称、行业的片段，身份证号、手机号或统一社会信用代码的片段（按字面匹配）")
    status: Literal["registered", "returned", "verified"] | None = None
    region_code: str | None = None
    owner_entrepreneur_id: str | None = Field(default=None, max_length=36, description="经营主体列表：只列此人名下的")
    after: str | None = Field(default=None, max_length=paging.CURSOR_MAX_LENGTH,
                              description="上一页答复中的 next：从它之后接着列出（给出时不再看 page）")

    @field_validator("after")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value:
            domain_check(paging.decode_cursor, value)
        return value or None


class RecordChangeRead(Model):
    """One change to a record: who, when, why, and each changed field before and after."""

    change: str = Field(description="corrected | returned | resubmitted | claimed | payee_account")
    changed_by: str
    changed_at: dt.datetime
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]


class EntrepreneurRead(Model):
    id: str
    name: str
    id_number: str
    gender: str
    birth_date: dt.date
    phone: str
    household_region_code: str
    household_region_name: str
    region_code: str
    region_name: str
    return_date: dt.date | None
    previous_work_place: str
    previous_occupation: str
    education: str
    skills: list[str]
    certificates: list[dict]
    categories: list[str]
    status: str
    return_reason: str | None = None
    claimed: bool = Field(default=False, description="本人账号已关联（本人登记或认领）")
    verified_by: str | None
    verified_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    payee_account: PayeeAccountRead | None = Field(default=None, description="收款账户（账号隐去中间位）；未设置时为 null")
    history: list[RecordChangeRead] = Field(default_factory=list, description="更正、退回、认领的记录（详情中给出）")


class EnterpriseRead(Model):
    id: str
    owner_entrepreneur_id: str
    owner_name: str
    name: str
    kind: str
    credit_code: str
    credit_code_override_reason: str | None
    industry: str
    region_code: str
    region_name: str
    founded_on: dt.date
    investment_yuan: str
    headcount: int
    poverty_hires: int
    status: str
    return_reason: str | None = None
    verified_by: str | None
    verified_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    liaisons: list[dict]
    headcount_reports: list[dict]
    payee_account: PayeeAccountRead | None = Field(default=None, description="基本存款账户（账号隐去中间位）；未设置时为 null")
    history: list[RecordChangeRead] = Field(default_factory=list, description="更正、退回的记录（详情中给出）")


class BorrowerRead(Model):
    """Who a loan's borrower is, for those who decide on the loan: its bank's liaisons, officials of
    its region, the borrower. The resident ID is masked as in every list: the bank checks the card
    itself at signing, and the page is enough to know whom it lends to."""

    loan_id: str
    borrower_kind: str = Field(description="individual | enterprise")
    entrepreneur_id: str
    name: str
    id_number: str = Field(description="居民身份证号码（中间位隐去）")
    gender: str
    birth_date: dt.date
    phone: str
    region_code: str
    region_name: str
    verified: bool
    enterprise: dict | None = Field(description="以经营主体名义申请时：名称、统一社会信用代码、类型、成立日期、"
                                                "从业人数、其中脱贫人口、最近一季的填报（quarter、headcount、new_hires）")


class EnterpriseContactRead(Model):
    """Whom to call about an enterprise: its owner, for the officials who handle its matters."""

    enterprise_id: str
    enterprise_name: str
    owner_entrepreneur_id: str
    owner_name: str
    owner_phone: str


class Page(Model):
    """One page of a list, newest first; `next` continues it (pass it back as `after`)."""

    items: list[dict]
    total: int = Field(description=f"符合条件的条数，最多数到 {paging.TOTAL_CAP}")
    total_capped: bool = Field(description=f"为 true 时条数超过 {paging.TOTAL_CAP}，total 只是下限")
    page: int
    per_page: int
    next: str | None = Field(description="下一页的游标（作为 after 传回）；没有下一页时为 null")


# ---- events ---------------------------------------------------------------------------------


# ---- registry -------------------------------------------------------------------------------


@register
class EntrepreneurRegistered(EventPayload, frozen=True):
    event_type: ClassVar[str] = "entrepreneur_registered"
    source: ClassVar[str] = "registry"

    entrepreneur_id: str
    name: str
    region_code: str
    household_region_code: str
    categories: list[str]
    education: str
    skills: list[str]
    return_date: date | None
    registered_at: AwareDatetime
    account_id: str | None = None  # the entrepreneur's own account, when they registered themselves
    certificates: list[dict] = []  # name, level, issued_on: what a skill subsidy claims


@register
class EntrepreneurVerified(EventPayload, frozen=True):
    event_type: ClassVar[str] = "entrepreneur_verified"
    source: ClassVar[str] = "registry"

    entrepreneur_id: str
    region_code: str
    verified_by: str
    verified_at: AwareDatetime


@register
class EnterpriseRegistered(EventPayload, frozen=True):
    event_type: ClassVar[str] = "enterprise_registered"
    source: ClassVar[str] = "registry"

    enterprise_id: str
    owner_entrepreneur_id: str
    owner_account_id: str | None = None  # the owner's own account, if they have one (escalation keeps it)
    name: str
    kind: str
    credit_code: str
    credit_code_overridden: bool
    industry: str
    region_code: str
    founded_on: date
    investment_fen: int
    headcount: int
    poverty_hires: int
    registered_at: AwareDatetime


@register
class EnterpriseVerified(EventPayload, frozen=True):
    event_type: ClassVar[str] = "enterprise_verified"
    source: ClassVar[str] = "registry"

    enterprise_id: str
    region_code: str
    verified_by: str
    verified_at: AwareDatetime


@register
class EnterpriseHeadcountReported(EventPayload, frozen=True):
    event_type: ClassVar[str] = "enterprise_headcount_reported"
    source: ClassVar[str] = "registry"

    enterprise_id: str
    region_code: str
    quarter: str
    headcount: int
    poverty_hires: int
    new_hires: int
    revision: int
    previous_headcount: int | None


class Liaison(BaseModel, frozen=True):
    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: str  # finance | legal | government_affairs
    name: str
    phone: str
    organisation: str
    level: str  # township | county | city
    region_code: str
    official_username: str | None = None


@register
class EnterpriseLiaisonsAssigned(EventPayload, frozen=True):
    event_type: ClassVar[str] = "enterprise_liaisons_assigned"
    source: ClassVar[str] = "registry"

    enterprise_id: str
    region_code: str
    liaisons: list[Liaison]
    assigned_by: str


Change = Literal["corrected", "returned", "resubmitted", "claimed"]


class RecordChangeFact(EventPayload, frozen=True):
    """What every change to a record carries: which change, of which version, by whom, why. The
    record follows as it now is (a copy applies a change only over an older `record_version`, so a
    late one changes nothing)."""

    source: ClassVar[str] = "registry"

    record_version: int
    change: Change
    changed_fields: list[str]
    changed_by: str
    changed_at: AwareDatetime
    reason: str = ""


@register
class EntrepreneurChanged(RecordChangeFact, frozen=True):
    """A person's record corrected, returned, resubmitted or claimed."""

    event_type: ClassVar[str] = "entrepreneur_changed"

    entrepreneur_id: str
    name: str
    region_code: str
    household_region_code: str
    categories: list[str]
    education: str
    skills: list[str]
    return_date: date | None
    account_id: str | None
    status: str
    verified: bool
    certificates: list[dict] = []  # name, level, issued_on: what a skill subsidy claims


@register
class EnterpriseChanged(RecordChangeFact, frozen=True):
    """An enterprise corrected, returned, resubmitted, or its owner's record claimed."""

    event_type: ClassVar[str] = "enterprise_changed"

    enterprise_id: str
    owner_entrepreneur_id: str
    owner_account_id: str | None
    name: str
    kind: str
    credit_code: str
    industry: str
    region_code: str
    founded_on: date
    investment_fen: int
    headcount: int
    poverty_hires: int
    status: str
    verified: bool


@register
class PayeeAccountChanged(EventPayload, frozen=True):
    """The account a person's or an enterprise's payments go to was set or changed. The number
    travels masked: finance asks for the full one when it makes a payment list (`payee_accounts`)."""

    event_type: ClassVar[str] = "payee_account_changed"
    source: ClassVar[str] = "registry"

    record_kind: str  # entrepreneur | enterprise
    entrepreneur_id: str  # the person, or the enterprise's owner
    enterprise_id: str | None
    region_code: str
    record_version: int
    account_kind: str
    bank_code: str
    account_masked: str
    first: bool  # no account was set before
    changed_by: str
    changed_at: AwareDatetime


# ---- claiming a record registered on one's behalf -----------------------------------------------


class ClaimRequestFact(EventPayload, frozen=True):
    """What a request to claim a record carries: which request, for whose record, where, when."""

    source: ClassVar[str] = "registry"

    claim_id: str
    entrepreneur_id: str
    region_code: str
    requested_at: AwareDatetime


@register
class ClaimInPersonRequested(ClaimRequestFact, frozen=True):
    """Someone asked to claim a record at the service counter: an official of the record's region is
    to confirm it in person (the notifications service tells the township)."""

    event_type: ClassVar[str] = "claim_in_person_requested"


@register
class ClaimCodeRequested(ClaimRequestFact, frozen=True):
    """Someone asked for a code to claim a record: the registry sends it to the record's phone (by
    this event's handler, so that the request never waits for the SMS gateway). Neither the phone nor
    the code travels in the event."""

    event_type: ClassVar[str] = "claim_code_requested"


ClaimCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]


class ClaimCodeRequest(Strict):
    """Send a code to the phone on the record with this resident ID."""

    id_number: str = Field(description="18位居民身份证号码")

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        return domain_check(check_resident_id, value).number


class ClaimSubmit(ClaimCodeRequest):
    """Take over one's record: with the code sent to its phone, or by asking the office to confirm
    in person (the person shows their ID card at the counter)."""

    code: ClaimCode | None = Field(default=None, description="短信验证码（6位数字）")
    in_person: bool = Field(default=False, description="不用验证码，到便民服务中心由工作人员当面确认")
    note: Remark = ""


class ClaimDecision(Strict):
    note: Remark = Field(default="", description="确认时所见证件、未通过的原因")


class ClaimQuery(Paged):
    status: Literal["pending", "approved", "rejected"] | None = None


class ClaimCodeSent(Model):
    phone: str = Field(description="收到验证码的手机号（部分隐去）")
    expires_at: dt.datetime
    resend_after: dt.datetime


class ClaimRead(Model):
    id: str
    entrepreneur_id: str
    entrepreneur_name: str
    region_code: str
    region_name: str
    account_username: str
    account_name: str
    method: str
    status: str
    note: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str


# ---- an office's roll imported ------------------------------------------------------------------


class ImportCreate(Strict):
    file_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ImportRow(Model):
    """A row as `shared.roll` read and checked it: what to register, or the cells it refused."""

    line: int = Field(ge=1)
    entrepreneur: dict | None = None
    enterprise: dict | None = None
    liaisons: dict | None = None
    errors: list[dict] = Field(default_factory=list)


class ImportRows(Model):
    rows: list[ImportRow] = Field(max_length=5000)
    columns: dict[str, str] = Field(default_factory=dict, description="the file's own names of its columns")


class ImportRead(Model):
    id: str
    file_name: str
    created_by: str
    status: str = Field(description="uploading 上传中 | checked 已核对，待导入 | importing 导入中 | done 已完成")
    total_rows: int
    invalid_rows: int = Field(description="有错误、不导入的行")
    already_registered: int = Field(description="已登记过的人员（不重复登记）")
    to_import: int
    processed_rows: int
    created_people: int
    created_firms: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error_count: int
    errors: list[dict] = Field(description="每个有错误的单元格：行号 line、列名 column、规则 code、说明 message")


# ---- the service's RPC interface: what the gateway may call, as `self.registry.<method>(...)` --------------


class RegistryApi(Protocol):
    """The `registry` service's commands and queries (its nameko RPC entrypoints); checked against the
    service by tests/unit/test_service_contracts.py."""

    def assign_liaisons(self, actor: Caller, enterprise_id: str, data: Body) -> Any: ...

    def add_import_rows(self, actor: Caller, import_id: str, rows: Body) -> Any: ...

    def add_enterprise_attachment(self, actor: Caller, enterprise_id: str, kind: str, filename: str,
                                  content_base64: str) -> Any:
        """A document of `ENTERPRISE_DOCUMENT_NAMES` on the enterprise, by its owner or its region's
        official: the enterprise's documents (`attachments`) after it."""

    def add_entrepreneur_attachment(self, actor: Caller, entrepreneur_id: str, kind: str, filename: str,
                                    content_base64: str) -> Any:
        """A document of `ENTREPRENEUR_DOCUMENT_NAMES` on the person's record, by the person or their
        region's official: the record's documents (`attachments`) after it."""

    def approve_claim(self, actor: Caller, claim_id: str, command: Body | None = None) -> Any: ...

    def claim_entrepreneur(self, actor: Caller, data: Body) -> Any:
        """Take over the record with this resident ID: with the code sent to its phone, or asking for an
        official's confirmation in person."""

    def create_enterprise(self, actor: Caller, data: Body, idempotency_key: str | None = None) -> Any: ...

    def create_import(self, actor: Caller, data: Body) -> Any: ...

    def create_entrepreneur(self, actor: Caller, data: Body, idempotency_key: str | None = None) -> Any: ...

    def finish_import_upload(self, actor: Caller, import_id: str) -> Any:
        """The upload is whole: check it against the registry (the dry run's report)."""

    def get_borrower(self, actor: Caller, loan_id: str) -> Any:
        """A loan's borrower (`BorrowerRead`), decided here from this service's copy of finance's
        `loan_applied`: for the loan's bank, its region's officials and the borrower."""

    def get_enterprise(self, actor: Caller, enterprise_id: str) -> Any: ...

    def get_enterprise_attachment(self, actor: Caller, enterprise_id: str, attachment_id: str) -> Any:
        """A document of the enterprise, to whoever may see it: {filename, content_type, content (base64)}."""

    def get_enterprise_contact(self, actor: Caller, enterprise_id: str) -> Any:
        """The owner's name and phone (`EnterpriseContactRead`), for the enterprise's officials and owner."""

    def get_entrepreneur(self, actor: Caller, entrepreneur_id: str) -> Any: ...

    def get_entrepreneur_attachment(self, actor: Caller, entrepreneur_id: str, attachment_id: str) -> Any:
        """A document of the person's record, to whoever may see it: {filename, content_type, content}."""

    def get_import(self, actor: Caller, import_id: str) -> Any: ...

    def get_my_entrepreneur(self, actor: Caller) -> Any:
        """The caller's own record, or None before they have registered."""

    def list_claims(self, actor: Caller, query: Body | None = None) -> Any: ...

    def list_enterprises(self, actor: Caller, query: Body | None = None) -> Any: ...

    def list_entrepreneurs(self, actor: Caller, query: Body | None = None) -> Any: ...

    def list_imports(self, actor: Caller) -> Any: ...

    def payee_accounts(self, records: list[dict]) -> Any:
        """For finance's payment lists (inside the system only): one `PayeeAccountLine` per record
        ({"kind": "entrepreneur" | "enterprise", "id"}, at most `PAYEE_ACCOUNTS_MAX`), in the order
        asked, with the full account number; a record without an account is `missing`."""

    def outbox_page(self, after_id: int = 0, limit: int = 500) -> Any:
        """The events this service has recorded after `after_id`, oldest first: [[id, envelope], ...]."""

    def ping(self) -> Any:
        """Readiness: the service consumes its RPC queue."""

    def reject_claim(self, actor: Caller, claim_id: str, command: Body) -> Any: ...

    def report_headcount(
            self, actor: Caller, enterprise_id: str, data: Body, idempotency_key: str | None = None) -> Any: ...

    def return_enterprise(self, actor: Caller, enterprise_id: str, command: Body) -> Any: ...

    def return_entrepreneur(self, actor: Caller, entrepreneur_id: str, command: Body) -> Any: ...

    def send_claim_code(self, actor: Caller, data: Body) -> Any:
        """A code to the phone on the record with this resident ID, for claiming it."""

    def set_enterprise_payee_account(self, actor: Caller, enterprise_id: str, data: Body) -> Any:
        """The enterprise's basic account (`EnterprisePayeeAccountUpdate`), by its owner or its region's
        official: the enterprise's detail after it."""

    def set_entrepreneur_payee_account(self, actor: Caller, entrepreneur_id: str, data: Body) -> Any:
        """The person's payee account (`EntrepreneurPayeeAccountUpdate`), by the person or their
        region's official: the record's detail after it."""

    def start_import(self, actor: Caller, import_id: str) -> Any: ...

    def entrepreneurs_by_id_number(self, id_numbers: list[str]) -> Any:
        """{id_number: {"entrepreneur_id", "name", "verified"}} of the records with these resident
        IDs (inside the system only; a number with no record is left out)."""

    def text_message_phones(self, recipients: list[str]) -> Any:
        """{"person:<id>" or "enterprise:<id>": phone} for a batch of text messages (inside the
        system only; a recipient without a phone is left out)."""

    def todo(self, actor: Caller) -> Any:
        """What waits for the caller here: a list of `TodoItem` as JSON."""

    def update_enterprise(self, actor: Caller, enterprise_id: str, data: Body) -> Any: ...

    def update_entrepreneur(self, actor: Caller, entrepreneur_id: str, data: Body) -> Any: ...

    def verify_enterprise(self, actor: Caller, enterprise_id: str, command: Body | None = None) -> Any: ...

    def verify_entrepreneur(self, actor: Caller, entrepreneur_id: str, command: Body | None = None) -> Any: ...
