# mypy: disable-error-code="valid-type"
"""Consultation's pydantic contracts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import ConfigDict, Field, StringConstraints

from shared.contracts import Body, Caller
from shared.events import EventPayload, register
from shared.fields import Strict, day, paragraph
from shared.quarters import QuarterCode

MeetingDay = day(ahead_days=366)  # the quarter's rules say how far from today (held_on_future)
Deadline = day(ahead_days=5 * 366)  # the rules want it after today (deadline_past); five years at most
Reason = paragraph(min_length=2, max_length=500)
Minutes = paragraph(min_length=10, max_length=20000)
Measure = paragraph(min_length=4, max_length=1000)
Note = paragraph(min_length=2, max_length=1000)


# the region of a round: a city's (the caller's own when left out) or a county's, as 6 or 12 digits
RoundRegion = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(\d{6}|\d{12})$")]


class QuarterOpen(Strict):
    quarter: QuarterCode
    region: RoundRegion | None = Field(default=None, description="县（区）级会商填本县（区）代码；不填为本市")


class RoundQuery(Strict):
    region: RoundRegion | None = Field(default=None, description="哪个市或县（区）的会商；不填为本人所在的市（省级须填）")


Month = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class BulletinQuery(Strict):
    """A period's bulletin: the region (the caller's when left out) and whole months of one year
    (this year to date when left out)."""

    model_config = ConfigDict(**Strict.model_config, populate_by_name=True)

    region: RoundRegion | None = Field(default=None, description="省、市或县（区）代码；不填为本人辖区")
    month_from: Month | None = Field(default=None, alias="from", description="起始月份，如 2026-01；不填为今年1月")
    month_to: Month | None = Field(default=None, alias="to", description="截止月份，如 2026-09；不填为本月")


class ItemReferral(Strict):
    note: Reason = Field(description="县（区）的意见：为何本级不能解决、请市级协调什么")


class RosterChange(Strict):
    enterprise_id: str = Field(min_length=1, max_length=100, description="经营主体编号、名称（或其中几个字）、统一社会信用代码（或其开头几位）")
    reason: Reason


# a department of the list (部门名录) by its code, or by its name, short name or a former name (old clients)
Department = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
DepartmentCode = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                                  pattern=r"^[0-9a-z][0-9a-z-]{1,39}$")]
DepartmentName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=30)]
DepartmentLevel = Literal["city", "county"]
CountyOrCity = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]


class DepartmentCreate(Strict):
    code: DepartmentCode | None = Field(default=None, description="稳定的部门代码，如 511000-hrss；不填则按地区代码自动编号")
    name: DepartmentName = Field(description="部门全称，如 内江市人力资源和社会保障局")
    short_name: ShortName = Field(description="简称，如 市人社局")
    aliases: list[DepartmentName] = Field(default_factory=list, max_length=20, description="曾用名、其他写法")
    level: DepartmentLevel
    region_code: CountyOrCity = Field(description="所在市或县（市、区）的6位行政区划代码")
    active: bool = Field(default=True, description="false：补录已撤并的部门，只为旧记录归类，会商时不再列出")


class DepartmentUpdate(Strict):
    """Only what changes; a new name keeps the old one among the aliases; `active: false` retires it."""

    name: DepartmentName | None = None
    short_name: ShortName | None = None
    aliases: list[DepartmentName] | None = Field(default=None, max_length=20)
    level: DepartmentLevel | None = None
    region_code: CountyOrCity | None = None
    active: bool | None = None


class MeetingRecord(Strict):
    held_on: MeetingDay
    chair: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
    departments: list[Department] = Field(min_length=1, max_length=40)
    minutes: Minutes


class ResolutionAssign(Strict):
    item_id: str = Field(max_length=36)
    lead_department: Department
    co_departments: list[Department] = Field(default_factory=list, max_length=20)
    measure: Measure
    deadline: Deadline


class ProgressRecord(Strict):
    progress: int = Field(ge=0, le=100)
    note: Note


# ---- events ---------------------------------------------------------------------------------


class ConsultationFact(EventPayload, frozen=True):
    source: ClassVar[str] = "consultation"

    quarter: str
    region_code: str = ""  # the round's region (a city or a county); "" in facts from before rounds had one


@register
class QuarterOpened(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "quarter_opened"

    cutoff: date
    opened_by: str
    enterprises: int
    agenda_items: int
    carried_over: int


@register
class ConsultationConvened(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "consultation_convened"

    held_on: date
    chair: str
    departments: list[str]
    enterprises: int
    agenda_items: int


@register
class ResolutionProgressed(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "resolution_progressed"

    resolution_id: str
    difficulty_id: str
    enterprise_id: str
    progress: int
    note: str
    noted_on: date


@register
class ResolutionOverdue(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "resolution_overdue"

    resolution_id: str
    difficulty_id: str
    enterprise_id: str
    lead_department: str
    deadline: date
    progress: int


@register
class ItemReferred(ConsultationFact, frozen=True):
    """A county's round sent one of its items up to the city's round."""

    event_type: ClassVar[str] = "item_referred"

    difficulty_id: str
    enterprise_id: str
    reference: str
    note: str
    referred_on: date


@register
class QuarterClosed(ConsultationFact, frozen=True):
    event_type: ClassVar[str] = "quarter_closed"

    closed_on: date
    closed_by: str
    resolutions: int
    resolved: int
    carried_over: int


# ---- the service's RPC interface: what the gateway may call, as `self.consultation.<method>(...)` --------------


class ConsultationApi(Protocol):
    """The `consultation` service's commands and queries (its nameko RPC entrypoints); checked against the
    service by tests/unit/test_service_contracts.py."""

    def assign_resolution(self, actor: Caller, code: str, data: Body, key: str | None = None,
                          region: str | None = None) -> Any: ...

    def bulletin_workbook(self, actor: Caller, code: str, region: str | None = None) -> Any:
        """The bulletin as the spreadsheet the office files: {filename, content_type, content (base64)}."""

    def change_roster(self, actor: Caller, code: str, data: Body, add: bool = True, region: str | None = None) -> Any: ...

    def check_bulletins(self, actor: Caller | None = None) -> Any:
        """Count again now every issued bulletin that facts arrived late for (the sweep does so every
        ten minutes); report how many revisions were issued."""

    def close_quarter(self, actor: Caller, code: str, region: str | None = None) -> Any: ...

    def create_department(self, actor: Caller, data: Body) -> Any:
        """Add a department to the list (administrator)."""

    def dashboard(self, actor: Caller) -> Any: ...

    def get_agenda(self, actor: Caller, code: str, region: str | None = None) -> Any: ...

    def get_bulletin(self, actor: Caller, code: str, region: str | None = None) -> Any:
        """The bulletin's figures for the caller's region, with its head worded as printed."""

    def get_quarter(self, actor: Caller, code: str, region: str | None = None) -> Any: ...

    def list_departments(self, actor: Caller) -> Any:
        """The department list, retired ones included (officials and the administrator)."""

    def list_resolutions(self, actor: Caller, code: str, region: str | None = None) -> Any: ...

    def open_quarter(self, actor: Caller, data: Body) -> Any: ...

    def period_bulletin(self, actor: Caller, query: Body) -> Any:
        """The bulletin of a province, city or county for whole months of one year (今年以来 by default)."""

    def period_bulletin_workbook(self, actor: Caller, query: Body) -> Any:
        """That bulletin as a spreadsheet: {filename, content_type, content (base64)}."""

    def open_due_rounds(self, actor: Caller | None = None) -> Any:
        """Open every round due today, as the cut-off timer does each hour: the programme city's, and
        every city's and county's that has held a round on this system (counties first)."""

    def outbox_page(self, after_id: int = 0, limit: int = 500) -> Any:
        """The events this service has recorded after `after_id`, oldest first: [[id, envelope], ...]."""

    def overdue_sweep(self, actor: Caller | None = None) -> Any:
        """Flag every resolution past its deadline whose difficulty is still open (once each)."""

    def ping(self) -> Any:
        """Readiness: the service consumes its RPC queue."""

    def rebuild(self, actor: Caller) -> Any:
        """Replace every fact by a replay of every service's recorded events; report what came back."""

    def record_meeting(self, actor: Caller, code: str, data: Body, region: str | None = None) -> Any: ...

    def record_progress(self, actor: Caller, resolution_id: str, data: Body, key: str | None = None) -> Any: ...

    def refer_item(self, actor: Caller, code: str, item_id: str, data: Body, region: str | None = None) -> Any:
        """A county's round sends an agenda item up to its city's round, with the county's note."""

    def timeline(self, actor: Caller, enterprise_id: str) -> Any: ...

    def todo(self, actor: Caller) -> Any:
        """What waits for the caller here: a list of `TodoItem` as JSON."""

    def update_department(self, actor: Caller, code: str, data: Body) -> Any:
        """Rename (the old name stays an alias), re-place, retire or bring back a department (administrator)."""
