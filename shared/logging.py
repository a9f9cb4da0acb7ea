"""structlog set-up: JSON or console output, correlation ids, personal data and credentials masked."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import MutableMapping
from typing import Any

import structlog
from stdnum.cn import ric

RESIDENT_ID = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
SECRET_NAME = re.compile(r"(?i)pass(?:word|wd)|token|secret|authorization|cookie")
BEARER = re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+")
# `name=value` in a query string, a Cookie header or a message, when the name says it is a secret
SECRET_PAIR = re.compile(r"(?i)(\b\w{0,40}(?:pass(?:word|wd)|token|secret|session|csrf)\w{0,40}=)[^\s&;,\"']+")
HIDDEN = "[hidden]"
# uuids and correlation ids: generated hex, never personal, and only useful whole
OPAQUE_ID = re.compile(r"\b[0-9a-f]{8}(?:-?[0-9a-f]{4}){3}-?[0-9a-f]{12}\b")


def mask_text(text: str) -> str:
    """Hide the whole of tokens, and the middle of resident ID and mobile numbers, in a string."""
    text = BEARER.sub(lambda m: m.group(1) + HIDDEN, text)
    text = SECRET_PAIR.sub(lambda m: m.group(1) + HIDDEN, text)
    pieces, start = [], 0
    for opaque in OPAQUE_ID.finditer(text):
        pieces += [_mask_numbers(text[start:opaque.start()]), opaque.group()]
        start = opaque.end()
    return "".join(pieces) + _mask_numbers(text[start:])


def _mask_numbers(text: str) -> str:
    text = RESIDENT_ID.sub(_mask_resident_id, text)
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def _mask_resident_id(match: re.Match) -> str:
    """Any 18-character number on its own; one run into letters only if its checksum is right."""
    text, start, end = match.string, match.start(), match.end()
    before, after = text[max(start - 1, 0):start], text[end:end + 1]
    standalone = not _ascii_alnum(before) and not _ascii_alnum(after)
    if standalone or ric.calc_check_digit(match.group()) == match.group()[-1].upper():
        return f"{match.group(1)}********{match.group(2)}"
    return match.group()


def _ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: HIDDEN if _is_secret(key, item) else _mask(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask(item) for item in value)
    return value


def _is_secret(key: Any, value: Any) -> bool:
    """A password, token or cookie logged under its own name (`password=...`, `{"token": ...}`)."""
    return isinstance(value, (str, bytes)) and bool(value) and bool(SECRET_NAME.search(str(key)))


def mask_personal_data(_logger: Any, _method: str,
                       event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    """structlog processor: personal data and credentials never reach a log line."""
    return _mask(dict(event_dict))


class MaskingFormatter(logging.Formatter):
    """The standard library's records (nameko's access log, kombu, tracebacks) masked as well."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


def configure(log_format: str = "console", level: str = "INFO") -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            mask_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter("%(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    # nameko logs every expected (domain or transient) error as a warning with a stack trace; those
    # are refusals a user can act on, logged once as `request_refused` (or `dependency_unavailable`)
    # instead. Unexpected errors stay ERROR, with their traceback.
    logging.getLogger("nameko.containers").setLevel(logging.ERROR)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def bind_correlation_id(correlation_id: str | None) -> str:
    """Bind the correlation id for the current worker (each greenlet has its own context)."""
    correlation_id = correlation_id or new_correlation_id()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
    return correlation_id


def current_correlation_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("correlation_id")


get_logger = structlog.get_logger
