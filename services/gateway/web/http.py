"""The page endpoint: CSRF on every POST and Chinese HTML pages for every error (headers: gateway.http)."""

from __future__ import annotations

from urllib.parse import quote

from werkzeug.exceptions import HTTPException

from services.gateway.edge import screen
from services.gateway.http import (
    CorrelatedEndpoint,
    Unauthenticated,
    as_domain_error,
    error_headers,
    log_refusal,
    status_for,
)
from services.gateway.web.render import redirect, render
from services.gateway.web.session import (
    CSRF_ENVIRON,
    CSRF_FIELD,
    codec_for,
    csrf_matches,
    new_csrf_token,
    safe_next,
)
from shared.errors import DomainError, Forbidden
from shared.logging import get_logger
from shared.settings import GatewaySettings
from shared.transient import TRANSIENT_ERRORS

log = get_logger(__name__)
EXPECTED = (DomainError, *TRANSIENT_ERRORS)  # answered as pages; nameko logs no traceback for them

ERROR_TITLES = {400: "请求有误", 403: "无权访问", 404: "未找到", 405: "不支持的操作",
                409: "操作冲突", 413: "内容过大", 422: "填写有误", 500: "系统出错",
                503: "服务暂时不可用"}



class LoginRequired(Unauthenticated):
    """An anonymous visitor asked for a page that needs an account: send them to /login."""

    def __init__(self, next_path: str):
        super().__init__("login_required", None, "请先登录")
        self.next_path = next_path


def csrf_refused() -> Forbidden:
    return Forbidden("csrf_failed", None,
                     "页面已过期或来源不明，为保护您的账号，本次提交未被接受。请返回上一页，刷新后重新提交。")


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")


def error_page(status: int, message: str):
    return render("error.html", status, title=ERROR_TITLES.get(status, "出错了"),
                  code=status, message=message, actor=None, csrf_token="", notice=None)


class PageEndpoint(CorrelatedEndpoint):
    """An HTML route: HTML errors, a CSRF cookie for every visitor, checked on every POST."""

    def setup(self):
        super().setup()
        self.codec = codec_for(GatewaySettings())  # type: ignore[call-arg]  # read from the environment

    def handle_request(self, request):
        request.shallow = False
        known = self.codec.csrf_token(request)
        request.environ[CSRF_ENVIRON] = known or new_csrf_token()
        response = super().handle_request(request)
        if known is None and response.mimetype == "text/html":
            self.codec.set_csrf(response, request.environ[CSRF_ENVIRON])
        return response

    def get_entrypoint_parameters(self, request):
        # runs inside nameko's try block, so a refusal here gets the same HTML error page
        try:
            screen(request)
            if request.method == "POST":
                check_csrf(request)
        except DomainError as exc:
            log_refusal(request, exc)
            raise
        return super().get_entrypoint_parameters(request)

    def response_from_exception(self, exc):
        if isinstance(exc, LoginRequired):
            return redirect(login_url(exc.next_path))
        if (error := as_domain_error(exc)) is not None:
            response = error_page(status_for(error), error.message)
            response.headers.extend(error_headers(error))
            return response
        if isinstance(exc, HTTPException):
            return error_page(exc.code or 500, ERROR_TITLES.get(exc.code or 500, "请求有误"))
        log.error("page_unexpected_error", error=repr(exc))
        return error_page(500, "系统内部错误，请稍后重试。如问题持续，请联系所在地返乡创业服务窗口。")


def check_csrf(request) -> None:
    submitted = request.form.get(CSRF_FIELD)  # the edge has read the form within its limit
    # without a valid cookie the expected token is a fresh random one, which nothing can match
    if not csrf_matches(request.environ[CSRF_ENVIRON], submitted):
        raise csrf_refused()


def page(method: str, url: str):
    """Declare an HTML route; domain errors are expected (they become pages, not stack traces)."""
    return PageEndpoint.decorator(method, url, expected_exceptions=EXPECTED)
