"""The notifications service's contracts: what a person is told (消息), their read marks and where
their text messages (短信) go."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from pydantic import Field, StrictBool, StringConstraints, field_validator

from shared import paging
from shared.contracts import Body, Caller
from shared.fields import Paged, Strict
from shared.validation import domain_check

KIND_NAMES = {  # what each kind of message is about, as the list's filter names it
    "decision": "审核结果", "payment": "资金到账", "new_work": "新的待办", "deadline_near": "临期提醒",
    "deadline_passed": "超期预警", "progress": "办理进展",
}
MobilePhone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^1[3-9][0-9]{9}$")]


class NotificationQuery(Paged):
    unread: bool | None = Field(default=None, description="true：只列未读的")
    kind: Literal["decision", "payment", "new_work", "deadline_near", "deadline_passed", "progress"] | None = None
    after: str | None = Field(default=None, max_length=paging.CURSOR_MAX_LENGTH,
                              description="上一页答复中的 next：从它之后接着列出")

    @field_validator("after")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value:
            domain_check(paging.decode_cursor, value)
        return value or None


class MarkRead(Strict):
    """Mark messages read: the ones named, or every one the caller has (`all`)."""

    ids: list[Annotated[str, StringConstraints(min_length=1, max_length=36)]] = Field(
        default_factory=list, max_length=200)
    all: StrictBool = False


class DeliverySettings(Strict):
    """Where a person's text messages go. An entrepreneur's go to the phone on their record; staff
    give a work mobile number here and choose whether reminders come by SMS as well."""

    sms: StrictBool = True
    phone: MobilePhone | None = Field(default=None, description="工作手机号（工作人员、银行联络员）")


class NotificationsApi(Protocol):
    """The `notifications` service's commands and queries (its nameko RPC entrypoints); checked
    against the service by tests/unit/test_service_contracts.py."""

    def delivery_settings(self, actor: Caller) -> Any: ...

    def list_notifications(self, actor: Caller, query: Body | None = None) -> Any: ...

    def mark_read(self, actor: Caller, data: Body) -> Any: ...

    def outbox_page(self, after_id: int = 0, limit: int = 500) -> Any:
        """The events this service has recorded after `after_id`, oldest first: [[id, envelope], ...]."""

    def ping(self) -> Any:
        """Readiness: the service consumes its RPC queue."""

    def run_reminders(self, actor: Caller) -> Any: ...

    def unread_count(self, actor: Caller) -> Any: ...

    def update_delivery_settings(self, actor: Caller, data: Body) -> Any: ...
