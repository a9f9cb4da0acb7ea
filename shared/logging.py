"""structlog set-up: JSON or console output, correlation ids, personal data masked."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import MutableMapping
from typing import Any

import structlog

RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """Hide the middle of resident ID numbers and mobile numbers in a string."""
    text = RESIDENT_ID.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask(item) for item in value)
    return value


def mask_personal_data(_logger: Any, _method: str,
                       event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    """structlog processor: personal data never reaches a log line."""
    return {key: _mask(value) for key, value in event_dict.items()}


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
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
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
