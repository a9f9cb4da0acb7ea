"""HTTP plumbing of the gateway: one table from domain errors to status codes, JSON in and out."""

from __future__ import annotations

import base64
import json
import re
import socket
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from services.gateway.edge import (
    PayloadTooLarge,
    body_limit,
    read_json,
    screen,
    too_large,
)
from shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidState,
    NotFound,
    ServiceUnavailable,
    unavailable,
)
from shared.logging import get_logger, new_correlation_id
from shared.nameko_base import SignatureOnce
from shared.settings import GatewaySettings
from shared.transient import TRANSIENT_ERRORS, is_transient

__all__ = ["read_json", "ServiceUnavailable"]  # the routes' way to read a body; the RPC proxy's 503

log = get_logger(__name__)
RETRY_AFTER_SECONDS = 5  # a pool, a restarting database or a broker that is away comes back soon


class Unauthenticated(DomainError):
    default_code = "unauthenticated"


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


def error_headers(error: DomainError) -> dict[str, str]:
    if isinstance(error, Unauthenticated):
        return {"WWW-Authenticate": 'Bearer realm="guiyan"'}
    if isinstance(error, TooManyAttempts):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, ServiceUnavailable):
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return {}


def error_response(error: DomainError) -> Response:
    return json_response({"error": error.as_dict()}, status_for(error), error_headers(error))


def as_domain_error(exc: Exception) -> DomainError | None:
    """What a user is told of an exception: a domain error, a transient failure as 503, or nothing."""
    if isinstance(exc, DomainError):
        return exc
    if is_transient(exc):  # the worker's context has logged it as a warning
        return unavailable()
    return None


def log_refusal(request: Request, error: DomainError) -> None:
    """A refused request is one INFO line with its code and field, never a traceback."""
    log.info("request_refused", method=request.method, status=status_for(error), code=error.code,
             field=error.field, correlation_id=request.environ.get("guiyan.correlation_id"))


def uploaded_file(request: Request) -> tuple[str, bytes]:
    """The file posted as `file` in a multipart form: its name and content."""
    limit = body_limit(request)
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise too_large(limit) from None
    if upload is None or not upload.filename:
        raise InvalidInput("file_missing", "file", "请选择要上传的文件")
    return upload.filename, upload.read(limit)


def file_response(found: dict) -> Response:
    """An attachment as a download, never shown inline and never sniffed into another type."""
    return download_response(base64.b64decode(found["content"]), found["filename"], found["content_type"])


def download_response(content: bytes, filename: str, content_type: str) -> Response:
    """Bytes as a download under a (possibly Chinese) file name."""
    return Response(content, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store"})


CORRELATION_HEADER = "X-Correlation-ID"


def correlation_from(request: Request) -> str | None:
    """A caller's correlation id, if it looks like one (it ends up in logs and events)."""
    value = request.headers.get(CORRELATION_HEADER, "")
    return value if 0 < len(value) <= 64 and value.replace("-", "").isalnum() else None


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
STRICT_TRANSPORT = "max-age=31536000"  # a year: browsers come back over HTTPS only
PRIVATE_TYPES = ("text/html", "application/json")  # pages and answers hold personal data


@lru_cache(maxsize=1)
def deployed_on_https() -> bool:
    """Secure cookies are configured where a proxy in front of the gateway serves HTTPS."""
    return GatewaySettings().cookie_secure  # type: ignore[call-arg]  # secret_key comes from the environment


def with_security_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every answer's headers, completed: framing, sniffing, CSP, HSTS, and no cache of personal data."""
    present = {name.lower(): value for name, value in headers}
    extra = {**SECURITY_HEADERS, **({"Strict-Transport-Security": STRICT_TRANSPORT} if deployed_on_https() else {})}
    if present.get("content-type", "").startswith(PRIVATE_TYPES):
        extra["Cache-Control"] = "no-store"  # never in a shared or back-button cache
    return headers + [(name, value) for name, value in extra.items() if name.lower() not in present]


class SecureHeaders:
    """WSGI middleware: every answer carries the security headers, the router's own 404 and 405 too."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, with_security_headers(list(headers)), exc_info)

        return self.app(environ, start)


class QuickWebServer(WebServer):
    """Nameko's web server with TCP_NODELAY on every connection, and the security headers.

    eventlet writes a response's headers and body separately; with Nagle's algorithm the second
    write waited for the client's delayed ACK, about 40 ms on every response of a few tens of KB.
    """

    def process_request(self, sock, address):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().process_request(sock, address)

    def get_wsgi_app(self):
        return SecureHeaders(super().get_wsgi_app())

    def get_wsgi_server(self, sock, wsgi_app, **kwargs):
        server = super().get_wsgi_server(sock, wsgi_app, **kwargs)
        server.log = QueryNamesOnlyLog(server.log)
        return server


QUERY = re.compile(r"\?([^ \"]*)")


def query_names_only(line: str) -> str:
    """An access-log line with each query value replaced by … (its names kept): a query may hold a
    resident ID, a phone number, a search term, or whatever a client typed."""
    def names(match: re.Match) -> str:
        return "?" + "&".join(part.split("=", 1)[0] + ("=…" if "=" in part else "")
                              for part in match.group(1).split("&"))

    return QUERY.sub(names, line)


class QueryNamesOnlyLog:
    """eventlet's access log, writing request lines without their query values."""

    def __init__(self, log):
        self.log = log

    def info(self, message, *args, **kwargs):
        self.log.info(query_names_only(str(message)), *args, **kwargs)

    def __getattr__(self, name):  # debug, error, exception: as they are
        return getattr(self.log, name)


class CorrelatedEndpoint(SignatureOnce, HttpRequestHandler):
    """Takes the caller's X-Correlation-ID (or makes one) and returns it on the response."""

    server = QuickWebServer()  # one server for every route of the gateway (API and pages)

    def handle_request(self, request):
        request.environ.setdefault("guiyan.correlation_id", correlation_from(request) or new_correlation_id())
        response = super().handle_request(request)
        response.headers[CORRELATION_HEADER] = request.environ["guiyan.correlation_id"]
        return response


class ApiEndpoint(CorrelatedEndpoint):
    """JSON API route: domain errors become `{"error": {code, field, message}}` with their status."""

    def __init__(self, method, url, expected_exceptions=(DomainError, *TRANSIENT_ERRORS), **kwargs):
        super().__init__(method, url, expected_exceptions=expected_exceptions, **kwargs)

    def handle_request(self, request):
        request.environ.setdefault("guiyan.correlation_id", correlation_from(request) or new_correlation_id())
        request.shallow = False  # the edge reads the body before nameko's handler would
        try:
            screen(request, api=True)
        except DomainError as exc:
            log_refusal(request, exc)
            return error_response(exc)
        return super().handle_request(request)

    def response_from_exception(self, exc):
        if (error := as_domain_error(exc)) is not None:
            return error_response(error)
        if isinstance(exc, HTTPException):
            return json_response({"error": {"code": exc.name.lower().replace(" ", "_"),
                                            "field": None, "message": exc.description}}, exc.code or 500)
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
    also: dict[int, type] = field(default_factory=dict)  # other successful answers: status -> their model


API_ROUTES: list[RouteDoc] = []


def api(method: str, path: str, summary: str, tag: str, **doc: Any):
    """Declare an API route once: nameko serves it and the OpenAPI document describes it."""
    API_ROUTES.append(RouteDoc(method, path, summary, tag, **doc))
    return ApiEndpoint.decorator(method, path)
