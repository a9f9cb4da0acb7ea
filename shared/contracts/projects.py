# mypy: disable-error-code="valid-type"
"""Projects' pydantic contracts: HTTP bodies and RPC arguments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import Field, StrictBool, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from shared import regions
from shared.contracts import Body, Caller
from shared.events import EventPayload, register
from shared.fields import Paged, Strict, day, money, paragraph
from shared.validation import domain_check

LEVEL_NAMES = {"county": "县级", "city": "市级", "province": "省级"}
STATUS_NAMES = {"collected": "已征集", "reviewed": "已审核", "listed": "已入库", "promoted": "已推介",
                "signed": "已签约", "launched": "已落地", "withdrawn": "已撤回"}
STEP_NAMES = {  # a project's timeline, as people read it
    "collected": "征集", "review": "审核", "list": "入库", "promote": "推介", "promoted": "推介", "sign": "签约",
    "signed": "签约", "launch": "落地", "withdraw": "撤回", "recommended": "向上级推荐",
    "accepted_upward": "上级接收入库", "declined_upward": "上级不予接收",
}
SECTORS = {  # sector -> words that show an entrepreneur's skills or an enterprise's trade fit it
    "种植业": ("种植", "柑橘", "蔬菜", "水果", "茶", "粮", "农"),
    "养殖业": ("养殖", "养猪", "养鸡", "水产", "畜", "牧"),
    "农产品加工": ("加工", "食品", "冷链", "分拣", "包装"),
    "乡村旅游": ("旅游", "民宿", "餐饮", "农家乐", "厨师", "烹调"),
    "电子商务": ("电商", "电子商务", "直播", "网店", "物流", "快递"),
    "制造业": ("制造", "机械", "电子", "装配", "焊工", "电工", "数控"),
    "建筑业": ("建筑", "装修", "泥瓦", "木工", "钢筋"),
    "商贸服务": ("商贸", "零售", "批发", "服务", "家政", "维修"),
    "手工艺": ("手工", "刺绣", "竹编", "编织", "工艺"),
}

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
Investment = money(gt=0, le=Decimal("10000000000"))
InvestmentBound = money(ge=0)
Description = paragraph(min_length=10, max_length=4000)
Note = paragraph(max_length=1000)
Remark = paragraph(max_length=500)
EventDay = day(ahead_days=366)  # a promotion event is announced ahead, up to a year


class ProjectCreate(Strict):
    title: Text
    sector: str
    description: Description
    region_code: str
    investment_yuan: Investment
    expected_jobs: int = Field(ge=0, le=100000)
    policies: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]] = \
        Field(default_factory=list, max_length=20)
    contact_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
    contact_phone: Annotated[str, StringConstraints(pattern=r"^[0-9\-]{7,20}$")]
    library_level: Literal["county", "city", "province"] = "county"

    @field_validator("sector")
    @classmethod
    def _sector(cls, value: str) -> str:
        if value not in SECTORS:
            raise PydanticCustomError("sector_unknown", "请选择项目库中的行业", {"domain": True})
        return value

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str) -> str:
        return domain_check(regions.check_known, value)


class ProjectQuery(Paged):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    sector: str | None = Field(default=None, max_length=20)
    region_code: str | None = Field(default=None, max_length=12)
    min_investment_yuan: InvestmentBound | None = None
    max_investment_yuan: InvestmentBound | None = None
    library_level: Literal["county", "city", "province"] | None = None
    status: str | None = Field(default=None, max_length=12)


class StepBody(Strict):
    expected_version: int | None = None
    note: Note = ""


class RecommendationDecision(StepBody):
    accept: StrictBool


class InterestBody(Strict):
    note: Remark = ""


class PromotionEventCreate(Strict):
    title: Text
    held_on: EventDay
    place: Text
    project_ids: list[str] = Field(min_length=1, max_length=100)


class SigningCreate(Strict):
    project_id: str = Field(max_length=36)
    entrepreneur_id: str | None = Field(default=None, max_length=36)
    enterprise_id: str | None = Field(default=None, max_length=36)


# ---- events ---------------------------------------------------------------------------------


class ProjectFact(EventPayload, frozen=True):
    source: ClassVar[str] = "projects"

    project_id: str
    title: str
    sector: str
    region_code: str  # where the project is
    library_level: str  # county | city | province
    library_region: str
    investment_fen: int
    expected_jobs: int


@register
class ProjectListed(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_listed"

    listed_by: str


@register
class ProjectRecommended(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_recommended"

    to_level: str
    recommended_by: str


@register
class ProjectPromoted(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_promoted"

    event_id_promotion: str
    promoted_on: date


@register
class ProjectSigned(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_signed"

    promotion_event_id: str | None
    entrepreneur_id: str | None
    enterprise_id: str | None
    signed_on: date


@register
class ProjectLaunched(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_launched"

    launched_on: date


@register
class ProjectWithdrawn(ProjectFact, frozen=True):
    event_type: ClassVar[str] = "project_withdrawn"

    reason: str


# ---- the service's RPC interface: what the gateway may call, as `self.projects.<method>(...)` --------------


class ProjectsApi(Protocol):
    """The `projects` service's commands and queries (its nameko RPC entrypoints); checked against the
    service by tests/unit/test_service_contracts.py."""

    def advance_project(self, actor: Caller, project_id: str, action: str, data: Body | None = None) -> Any: ...

    def collect_project(self, actor: Caller, data: Body, idempotency_key: str | None = None) -> Any: ...

    def create_promotion_event(self, actor: Caller, data: Body, idempotency_key: str | None = None) -> Any: ...

    def decide_recommendation(self, actor: Caller, project_id: str, data: Body) -> Any: ...

    def express_interest(self, actor: Caller, project_id: str, data: Body | None = None) -> Any: ...

    def get_project(self, actor: Caller, project_id: str) -> Any: ...

    def get_promotion_event(self, actor: Caller, event_id: str) -> Any: ...

    def list_promotion_events(self, actor: Caller) -> Any: ...

    def my_matches(self, actor: Caller) -> Any: ...

    def outbox_page(self, after_id: int = 0, limit: int = 500) -> Any:
        """The events this service has recorded after `after_id`, oldest first: [[id, envelope], ...]."""

    def ping(self) -> Any:
        """Readiness: the service consumes its RPC queue."""

    def project_interests(self, actor: Caller, project_id: str) -> Any: ...

    def project_matches(self, actor: Caller, project_id: str) -> Any: ...

    def recommend_project(self, actor: Caller, project_id: str, data: Body | None = None) -> Any: ...

    def search_projects(self, actor: Caller, query: Body | None = None) -> Any: ...

    def sign_project(self, actor: Caller, event_id: str, data: Body) -> Any: ...

    def todo(self, actor: Caller) -> Any:
        """What waits for the caller here: a list of `TodoItem` as JSON."""
