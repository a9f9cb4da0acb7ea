"""HTTP plumbing of the gateway: one table from domain errors to status codes, JSON in and out."""

from __future__ import annotations

import base64
import json
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from shared.errors import Conflict, DomainError, Forbidden, InvalidInput, InvalidState, NotFound
from shared.logging import get_logger, new_correlation_id

log = get_logger(__name__)
MAX_BODY_BYTES = 256 * 1024


class Unauthenticated(DomainError):
    default_code = "unauthenticated"


class PayloadTooLarge(DomainError):
    default_code = "body_too_large"


class ServiceUnavailable(DomainError):
    default_code = "service_unavailable"


class TooManyAttempts(DomainError):
    """Too many tries from one place: come back after `retry_after` seconds (sent as Retry-After)."""

    default_code = "too_many_attempts"

    def __init__(self, code: str, field: str | None, message: str, retry_after: int):
        super().__init__(code, field, message)
        self.retry_after = retry_after


# exception family -> HTTP status: the one routing table for errors
ERROR_STATUS: list[tuple[type[DomainError], int]] = [
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidState, 409),
    (PayloadTooLarge, 413),
    (InvalidInput, 422),
    (TooManyAttempts, 429),
    (ServiceUnavailable, 503),
]


def status_for(error: DomainError) -> int:
    for family, status in ERROR_STATUS:
        if isinstance(error, family):
            return status
    return 400


def json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, default=str)
    return Response(body, status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def error_response(error: DomainError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="guiyan"'} if isinstance(error, Unauthenticated) else None
    return json_response({"error": error.as_dict()}, status_for(error), headers)


def _too_large(limit: int = MAX_BODY_BYTES) -> PayloadTooLarge:
    return PayloadTooLarge("body_too_large", None, f"请求内容过大，上限为{limit // 1024}KB")


UPLOAD_BODY_BYTES = 3 * 1024 * 1024  # an attachment of up to 2 MB with its multipart envelope


def limit_body(request: Request) -> None:
    """Bodies are small, except a file posted to an `/attachments` address."""
    upload = request.method == "POST" and request.path.endswith("/attachments")
    limit = UPLOAD_BODY_BYTES if upload else MAX_BODY_BYTES
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)


def uploaded_file(request: Request) -> tuple[str, bytes]:
    """The file posted as `file` in a multipart form: its name and content."""
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise _too_large(UPLOAD_BODY_BYTES) from None
    if upload is None or not upload.filename:
        raise InvalidInput("file_missing", "file", "请选择要上传的文件")
    return upload.filename, upload.read(UPLOAD_BODY_BYTES)


def file_response(found: dict) -> Response:
    """An attachment as a download, never shown inline and never sniffed into another type."""
    return download_response(base64.b64decode(found["content"]), found["filename"], found["content_type"])


def download_response(content: bytes, filename: str, content_type: str) -> Response:
    """Bytes as a download under a (possibly Chinese) file name."""
    return Response(content, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store"})


def read_json(request: Request) -> Any:
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise _too_large() from None
    if not raw:
        raise InvalidInput("body_missing", None, "请求内容为空，应为JSON对象")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("body_not_json", None, "请求内容不是有效的JSON") from None


CORRELATION_HEADER = "X-Correlation-ID"


def correlation_from(request: Request) -> str | None:
    """A caller's correlation id, if it looks like one (it ends up in logs and events)."""
    value = request.headers.get(CORRELATION_HEADER, "")
    return value if 0 < len(value) <= 64 and value.replace("-", "").isalnum() else None


class QuickWebServer(WebServer):
    """Nameko's web server with TCP_NODELAY on every connection.

    eventlet writes a response's headers and body separately; with Nagle's algorithm the second
    write waited for the client's delayed ACK, about 40 ms on every response of a few tens of KB.
    """

    def process_request(self, sock, address):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().process_request(sock, address)


class CorrelatedEndpoint(HttpRequestHandler):
    """Takes the caller's X-Correlation-ID (or makes one) and returns it on the response."""

    server = QuickWebServer()  # one server for every route of the gateway (API and pages)

    def handle_request(self, request):
        request.environ["guiyan.correlation_id"] = correlation_from(request) or new_correlation_id()
        response = super().handle_request(request)
        response.headers[CORRELATION_HEADER] = request.environ["guiyan.correlation_id"]
        return response


class ApiEndpoint(CorrelatedEndpoint):
    """JSON API route: domain errors become `{"error": {code, field, message}}` with their status."""

    def handle_request(self, request):
        try:
            limit_body(request)
        except DomainError as exc:
            return error_response(exc)
        return super().handle_request(request)

    def response_from_exception(self, exc):
        if isinstance(exc, DomainError):
            return error_response(exc)
        if isinstance(exc, HTTPException):
            return json_response({"error": {"code": exc.name.lower().replace(" ", "_"),
                                            "field": None, "message": exc.description}}, exc.code)
        log.error("api_unexpected_error", error=repr(exc))
        return json_response({"error": {"code": "internal_error", "field": None,
                                        "message": "系统内部错误，请稍后重试"}}, 500)


@dataclass
class RouteDoc:
    method: str
    path: str
    summary: str
    tag: str
    body: type | None = None
    query: type | None = None
    response: type | None = None
    status: int = 200
    public: bool = False
    idempotent: bool = False
    errors: list[int] = field(default_factory=list)


API_ROUTES: list[RouteDoc] = []


def api(method: str, path: str, summary: str, tag: str, **doc: Any):
    """Declare an API route once: nameko serves it and the OpenAPI document describes it."""
    API_ROUTES.append(RouteDoc(method, path, summary, tag, **doc))
    return ApiEndpoint.decorator(method, path)
