"""Domain errors: values a user can act on, with a stable code, the field and a Chinese message.

Plain Python, so that every `domain.py` can raise them without depending on the framework; they
cross nameko RPC as themselves because `shared.rpc_errors` registers them, and the gateway maps
families of them to HTTP statuses in one table.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a user can act on."""

    default_code = "domain_error"

    def __init__(self, code: str | None = None, field: str | None = None,
                 message: str = "", details: Any = None):
        self.code = code or self.default_code
        self.field = field or None
        self.message = message
        self.details = details or None
        # nameko stringifies None when it serialises args, so pass empty values instead
        super().__init__(self.code, field or "", message, details or {})

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.code}{where}: {self.message}"

    def as_dict(self) -> dict:
        body = {"code": self.code, "field": self.field, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    """A field breaks a rule (checksum, format, range)."""

    default_code = "invalid_input"


class NotFound(DomainError):
    default_code = "not_found"


class Forbidden(DomainError):
    """The caller may not see or do this; also used where existence must not leak."""

    default_code = "forbidden"


class Conflict(DomainError):
    """A duplicate, a stale version, or an idempotency key reused with another body."""

    default_code = "conflict"


class InvalidState(DomainError):
    """The record is not in a state that allows the command."""

    default_code = "invalid_state"


class ServiceUnavailable(DomainError):
    """A dependency is away for a moment (a database, the broker, another service): try again soon."""

    default_code = "service_unavailable"


def unavailable(service: str | None = None) -> ServiceUnavailable:
    return ServiceUnavailable("service_unavailable", None,
                              "服务暂时不可用，请稍后重试（如为提交操作，重试不会重复登记）",
                              details={"service": service} if service else None)


EXPECTED_ERRORS = (InvalidInput, NotFound, Forbidden, Conflict, InvalidState, ServiceUnavailable)
