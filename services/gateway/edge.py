"""The gateway's edge: hostile input is refused here, before any handler, service, database or log sees it.

One place for what a request may carry: no NUL, control or bidirectional characters in a path, a
query, a form or a JSON body; JSON no deeper than a form needs, with finite numbers of sane size;
bodies within their limit, chunked or not.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request

from shared.errors import DomainError, InvalidInput, NotFound

MAX_BODY_BYTES = 256 * 1024
# an attachment: a phone's photo of up to 15 MB (scaled down to the 2 MB kept, services/gateway/photos.py)
# or a PDF of up to 2 MB, with the multipart envelope
UPLOAD_BODY_BYTES = 16 * 1024 * 1024
ROLL_BODY_BYTES = 33 * 1024 * 1024  # an office's roll of up to 32 MB (100,000 rows as .csv take about 20 MB)
ROLL_PATHS = ("/api/v1/imports", "/records/imports")
MAX_JSON_DEPTH = 16  # the deepest request model nests three levels
MAX_JSON_INTEGER = 2**53  # what every JSON peer reads exactly

# C0 controls but tab and line breaks, DEL and C1, noncharacters and lone surrogates: no keyboard
# types them, and no database or log can store some of them
CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff"
HOSTILE = re.compile(f"[{CONTROL}]")
# and bidirectional and zero-width format characters and the byte-order mark, which copy and paste
# does bring: a page's form explains those beside their field (shared.fields), the API refuses here
FORBIDDEN = re.compile(f"[{CONTROL}\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


class PayloadTooLarge(DomainError):
    default_code = "body_too_large"


def too_large(limit: int) -> PayloadTooLarge:
    size = f"{limit // (1024 * 1024)}MB" if limit >= 1024 * 1024 else f"{limit // 1024}KB"
    return PayloadTooLarge("body_too_large", None, f"请求内容过大，上限为{size}")


def check_text(value: str, field: str | None, forbidden: re.Pattern = FORBIDDEN) -> str:
    """Refuse a string holding a character no field may carry."""
    if forbidden.search(value):
        raise InvalidInput("text_control_character", field,
                           "含有不允许的控制字符（如 NUL、零宽或双向文字控制符），请删除后重新填写")
    return value


def body_limit(request: Request) -> int:
    """Bodies are small, except a file posted to an `/attachments` address or a roll to import."""
    if request.method == "POST" and request.path in ROLL_PATHS:
        return ROLL_BODY_BYTES
    upload = request.method == "POST" and request.path.endswith("/attachments")
    return UPLOAD_BODY_BYTES if upload else MAX_BODY_BYTES


def accept_body(request: Request) -> None:
    """Set the body's limit; a chunked body is read (eventlet de-chunks it) within the same limit."""
    limit = body_limit(request)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        request.environ["wsgi.input_terminated"] = True
        # werkzeug stops reading at the limit without a word: a body that reaches it is too large
        if len(_raw(request)) >= limit:
            raise too_large(limit)


def screen_path(request: Request) -> None:
    """A path with a control character names nothing here."""
    if FORBIDDEN.search(request.path):
        raise NotFound("route_not_found", None, "没有这个地址")


def screen_query(request: Request, forbidden: re.Pattern) -> None:
    for name, value in request.args.items(multi=True):
        check_text(name, "query", forbidden)
        check_text(value, name, forbidden)


def screen_form(request: Request, forbidden: re.Pattern) -> None:
    """Form fields and uploaded file names (the files' bytes are the attachment rules' business)."""
    try:
        fields = list(request.form.items(multi=True))
        names = [(name, upload.filename or "") for name, upload in request.files.items(multi=True)]
    except RequestEntityTooLarge:
        raise too_large(body_limit(request)) from None
    for name, value in fields + names:
        check_text(name, "form", forbidden)
        check_text(value, name, forbidden)


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
PARSED_JSON = "guiyan.json"


def screen(request: Request, *, api: bool = False) -> None:
    """Everything a request carries, before any handler: path, query, form, and (API) a JSON body."""
    forbidden = FORBIDDEN if api else HOSTILE
    screen_path(request)
    accept_body(request)
    screen_query(request, forbidden)
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.mimetype in FORMS:
        screen_form(request, forbidden)
    elif api and (raw := _raw(request)):
        request.environ[PARSED_JSON] = _parse(raw)


def _raw(request: Request) -> bytes:
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large(body_limit(request)) from None


def _refuse_constant(name: str) -> Any:
    raise InvalidInput("number_not_finite", None, f"数值不能为 {name}")


def read_json(request: Request) -> Any:
    """The body as JSON, screened (at the edge, or here): the only way a route reads one."""
    if PARSED_JSON in request.environ:
        return request.environ[PARSED_JSON]
    raw = _raw(request)
    if not raw:
        raise InvalidInput("body_missing", None, "请求内容为空，应为JSON对象")
    return _parse(raw)


def _parse(raw: bytes) -> Any:
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("body_not_json", None, "请求内容不是有效的JSON") from None
    screen_json(data)
    return data


def _too_deep() -> InvalidInput:
    return InvalidInput("body_too_deep", None, f"请求内容嵌套过深（最多{MAX_JSON_DEPTH}层）")


def screen_json(data: Any) -> None:
    """Walk the document without recursion: depth, every key and string, every number."""
    pending: list[tuple[Any, str, int]] = [(data, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise _too_deep()
            pending.extend(_children(value, path, depth + 1))
        elif isinstance(value, str):
            check_text(value, path or None)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            _check_number(value, path or None)


def _children(value: dict | list, path: str, depth: int) -> list[tuple[Any, str, int]]:
    if isinstance(value, list):
        return [(item, f"{path}.{index}" if path else str(index), depth) for index, item in enumerate(value)]
    children = []
    for key, item in value.items():
        check_text(key, path or None)
        children.append((item, f"{path}.{key}" if path else key, depth))
    return children


def _check_number(value: int | float, field: str | None) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput("number_not_finite", field, "数值超出范围")
    if abs(value) > MAX_JSON_INTEGER:
        raise InvalidInput("number_out_of_range", field, "数值超出范围")
