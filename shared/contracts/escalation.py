# mypy: disable-error-code="valid-type"
"""Escalation's pydantic contracts: HTTP bodies and RPC arguments."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import AwareDatetime, Field, StringConstraints

from shared import regions
from shared.contracts import Body, Caller
from shared.events import EventPayload, register
from shared.fields import Flag, Paged, Strict, day, paragraph

CATEGORY_NAMES = {
    "financing": "融资", "land": "用地/场地", "labour": "用工", "permits": "审批",
    "policy": "政策落实", "legal": "法律", "infrastructure": "基础设施", "market": "市场", "other": "其他",
}
LEVELS = ("township", "county", "city")
LEVEL_NAMES = {level: regions.LEVEL_NAMES[level] for level in LEVELS}
URGENCY_NAMES = {"normal": "一般", "urgent": "紧急"}
STATUS_NAMES = {
    "assigned": "已受理", "contacted": "已联系", "resolved": "已答复，待企业确认",
    "accepted": "企业已确认，待销号", "closed": "已销号",
}

Category = Literal["financing", "land", "labour", "permits", "policy", "legal", "infrastructure", "market",
                   "other"]
CalendarDay = day(ahead_days=5 * 366)  # a schedule is entered a year or two ahead; five at most
Description = paragraph(min_length=10, max_length=2000)
Note = paragraph(max_length=1000)
Reason = paragraph(min_length=2, max_length=1000)
Answer = paragraph(min_length=5, max_length=4000)


class DifficultyCreate(Strict):
    enterprise_id: str = Field(max_length=36)
    category: Category
    description: Description
    urgency: Literal["normal", "urgent"] = "normal"


class Versioned(Strict):
    expected_version: int | None = None


class NoteBody(Versioned):
    note: Note = ""


class ReasonBody(Versioned):
    reason: Reason


class ResolveBody(Versioned):
    resolution: Answer


class DifficultyListQuery(Paged):
    status: str | None = Field(default=None, max_length=20)
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = Field(
        default="", description="编号，或经营主体名称中的几个字")
    category: str | None = Field(default=None, max_length=20)
    level: Literal["township", "county", "city"] | None = None
    region_code: str | None = Field(default=None, max_length=12, description="只列此地区及以下的")
    queue: Flag = False  # an official's queue: open difficulties at their own level, by due date
    enterprise_id: str | None = Field(default=None, max_length=36, description="只列此经营主体反映的")


class CalendarYear(Strict):
    """A year's schedule as the State Council publishes it: its holidays and make-up working days."""

    holidays: list[CalendarDay] = Field(min_length=1, max_length=60)
    workdays: list[CalendarDay] = Field(default_factory=list, max_length=20)


class LocalCalendarYear(Strict):
    """A city's own days of a year beside the State Council's (an autonomous prefecture's 彝族年 or
    火把节, with their make-up working days); entering them again replaces the year's, empty lists clear them."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] = Field(
        description="假日名称，如：彝族年")
    holidays: list[CalendarDay] = Field(default_factory=list, max_length=30)
    workdays: list[CalendarDay] = Field(default_factory=list, max_length=10)


# ---- events ---------------------------------------------------------------------------------


class DifficultyFact(EventPayload, frozen=True):
    source: ClassVar[str] = "escalation"

    difficulty_id: str
    reference: str
    enterprise_id: str
    region_code: str
    category: str
    level: str  # township | county | city: where it is handled now


@register
class DifficultyReported(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_reported"

    urgency: str
    reported_on: date


@register
class DifficultyAssigned(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_assigned"

    liaison_kind: str
    liaison_name: str | None
    official_username: str | None
    contact_due: date
    resolve_due: date


@register
class DifficultyDeadlinesChanged(DifficultyFact, frozen=True):
    """Its time limits at its present level counted again: a year's holiday schedule (法定节假日安排)
    was published after they were set."""

    event_type: ClassVar[str] = "difficulty_deadlines_changed"

    contact_due: date
    resolve_due: date
    reason: str


@register
class DifficultyContacted(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_contacted"

    contacted_by: str
    late: bool


@register
class DifficultyEscalated(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_escalated"

    from_level: str
    automatic: bool
    reason: str
    escalated_on: date


@register
class DifficultyResolved(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_resolved"

    resolved_by: str
    resolved_at: AwareDatetime


@register
class DifficultyAccepted(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_accepted"

    accepted_at: AwareDatetime


@register
class DifficultyReopened(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_reopened"

    reason: str


@register
class DifficultyClosed(DifficultyFact, frozen=True):
    event_type: ClassVar[str] = "difficulty_closed"

    signed_off_by: str
    closed_on: date


@register
class ResolutionAssigned(EventPayload, frozen=True):
    """The quarterly consultation's decision on one difficulty (published by `consultation`)."""

    event_type: ClassVar[str] = "resolution_assigned"
    source: ClassVar[str] = "consultation"

    resolution_id: str
    quarter: str
    difficulty_id: str
    enterprise_id: str
    lead_department: str  # its name, as people read it
    co_departments: list[str]
    measure: str
    deadline: date
    lead_department_code: str | None = None  # its code in consultation's department list (None: before the list)
    co_department_codes: list[str] = []


# ---- the service's RPC interface: what the gateway may call, as `self.escalation.<method>(...)` --------------


class EscalationApi(Protocol):
    """The `escalation` service's commands and queries (its nameko RPC entrypoints); checked against the
    service by tests/unit/test_service_contracts.py."""

    def act_on_difficulty(self, actor: Caller, difficulty_id: str, action: str, data: Body | None = None) -> Any:
        """contact | escalate | resolve | accept | reject | sign_off, each with its own body."""

    def add_attachment(self, actor: Caller, difficulty_id: str, filename: str, content_base64: str) -> Any: ...

    def difficulty_stats(self, actor: Caller) -> Any: ...

    def get_attachment(self, actor: Caller, difficulty_id: str, attachment_id: str) -> Any: ...

    def get_difficulty(self, actor: Caller, difficulty_id: str) -> Any: ...

    def list_difficulties(self, actor: Caller, query: Body | None = None) -> Any: ...

    def outbox_page(self, after_id: int = 0, limit: int = 500) -> Any:
        """The events this service has recorded after `after_id`, oldest first: [[id, envelope], ...]."""

    def ping(self) -> Any:
        """Readiness: the service consumes its RPC queue."""

    def public_difficulty(self, reference: str) -> Any: ...

    def publish_calendar_year(self, actor: Caller, year: int, data: Body) -> Any: ...

    def publish_local_days(self, actor: Caller, year: int, city: str, data: Body) -> Any:
        """A city's own holidays of a year (LocalCalendarYear), by its city-level officials or an administrator."""

    def report_difficulty(self, actor: Caller, data: Body, idempotency_key: str | None = None) -> Any: ...

    def run_sweep(self, actor: Caller) -> Any: ...

    def todo(self, actor: Caller) -> Any:
        """What waits for the caller here: a list of `TodoItem` as JSON."""
