"""Every page, error page and API answer carries the security headers; both cookies carry their flags.

The page addresses come from the gateway's own nameko entrypoints, so a page added tomorrow is
walked too; ids in an address are placeholders (a 404 page must be protected like any other).
"""

import inspect
import re

import pytest
import requests
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services.gateway.service import GatewayService
from services.gateway.web.http import PageEndpoint
from services.gateway.web.session import CSRF_COOKIE, SESSION_COOKIE
from tests.e2e.test_pages import CSRF, Browser
from tests.places import PLACES
from tests.stack import PASSWORD, Stack

MISSING_ID = "00000000-0000-0000-0000-000000000000"
PLACEHOLDERS = {"quarter": "2025Q3", "action": "approve", "rest": "no/such/page", "name": "site.css"}
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
VISITORS = {"anonymous": None, "entrepreneur": {}, "admin": {},
            "official": {"region_code": PLACES.township, "level": "township"}}


def page_addresses(method: str) -> list[str]:
    """Every page route the gateway declares for `method`, with its variable parts filled in."""
    addresses = set()
    for _, function in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(function, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, PageEndpoint) and method in entrypoint.method.split(","):
                addresses.add(CONVERTER.sub(_placeholder, entrypoint.url))
    return sorted(addresses)


def _placeholder(variable: re.Match) -> str:
    return PLACEHOLDERS.get(variable.group(1), MISSING_ID)


def _answering(response: requests.Response) -> str:
    return f"{response.request.method} {response.request.path_url} {response.status_code}"


def header_problems(response: requests.Response) -> list[str]:
    """What a page or file answer lacks, each named with the request it answered."""
    headers, where = response.headers, _answering(response)
    policy = headers.get("Content-Security-Policy", "")
    problems = []
    if not policy or "'unsafe-inline'" in policy or "'unsafe-eval'" in policy:
        problems.append(f"{where}: Content-Security-Policy {policy!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options {headers.get('X-Content-Type-Options')!r}")
    if headers.get("X-Frame-Options") != "DENY" and "frame-ancestors 'none'" not in policy:
        problems.append(f"{where}: framing not denied")
    if not headers.get("Referrer-Policy"):
        problems.append(f"{where}: no Referrer-Policy")
    html = headers.get("Content-Type", "").startswith("text/html")
    if html and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"{where}: HTML without Cache-Control: no-store")
    return problems


def api_problems(response: requests.Response) -> list[str]:
    headers, where = response.headers, _answering(response)
    problems = []
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options {headers.get('X-Content-Type-Options')!r}")
    if "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"{where}: Cache-Control {headers.get('Cache-Control')!r}")
    return problems


def set_cookies(response: requests.Response) -> dict[str, str]:
    """Each Set-Cookie header of the response by cookie name, as the browser would read it."""
    return {line.split("=", 1)[0]: line for line in response.raw.headers.getlist("Set-Cookie")}


def flags(set_cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}


@pytest.fixture(scope="module")
def visitors(stack):
    """A cookie-keeping browser for each kind of visitor, signed in through the login page."""
    browsers = {}
    for role, account in VISITORS.items():
        browsers[role] = Browser(stack.base_url)
        if account is not None:
            browsers[role].login(stack.create_user(role, **account))
    return browsers


@pytest.fixture
def browser(stack):
    return Browser(stack.base_url)


def test_the_walk_finds_the_gateways_pages():
    addresses = page_addresses("GET")
    assert {"/", "/login", "/me", f"/loans/{MISSING_ID}", "/no/such/page"} <= set(addresses)
    assert len(addresses) > 30 and len(page_addresses("POST")) > 20


@pytest.mark.parametrize("visitor", list(VISITORS))
def test_every_page_is_protected_for_every_visitor(visitors, visitor):
    answers = [visitors[visitor].get(address) for address in page_addresses("GET")]
    assert [problem for answer in answers for problem in header_problems(answer)] == []
    assert any(answer.status_code == 200 for answer in answers)


def test_every_form_post_refused_for_its_missing_token_is_protected(browser):
    answers = [browser.post(address, {"x": "1"}) for address in page_addresses("POST")]
    assert {answer.status_code for answer in answers} == {403}
    assert [problem for answer in answers for problem in header_problems(answer)] == []


def test_error_pages_are_protected(browser):
    answers = {404: browser.get("/no/such/page"),
               413: browser.post("/login", {"csrf_token": "x", "filler": "x" * 300_000})}
    assert {status: answer.status_code for status, answer in answers.items()} == {404: 404, 413: 413}
    assert [problem for answer in answers.values() for problem in header_problems(answer)] == []


def test_a_method_no_page_takes_gets_a_protected_405(browser):
    answer = browser.http.put(browser.base_url + "/login", timeout=30)
    assert answer.status_code == 405
    assert header_problems(answer) == []


def test_api_answers_are_never_sniffed_or_stored(stack):
    anonymous, signed_in = stack.client(), stack.client(stack.create_user("entrepreneur"))
    answers = [anonymous.get("/api/v1/me"), signed_in.get("/api/v1/me"),
               anonymous.get("/api/v1/no-such"), anonymous.get("/health"),
               signed_in.post("/api/v1/entrepreneurs", data="not json")]
    assert [answer.status_code for answer in answers] == [401, 200, 404, 200, 422]
    assert [problem for answer in answers for problem in api_problems(answer)] == []


def test_both_cookies_are_http_only_and_same_site_and_plain_http_gets_no_secure_flag(stack):
    anonymous = requests.get(stack.base_url + "/login", timeout=30)
    browser = Browser(stack.base_url)
    signed_in = browser.login(stack.create_user("entrepreneur"))
    cookies = {CSRF_COOKIE: set_cookies(anonymous)[CSRF_COOKIE],
               SESSION_COOKIE: set_cookies(signed_in)[SESSION_COOKIE]}
    seen = {name: flags(line) & {"httponly", "samesite", "secure"} for name, line in cookies.items()}
    assert seen == {CSRF_COOKIE: {"httponly", "samesite"}, SESSION_COOKIE: {"httponly", "samesite"}}
    assert "Strict-Transport-Security" not in signed_in.headers


@pytest.fixture(scope="module")
def https_gateway(stack, tmp_path_factory):
    """A second gateway for the same services, configured as deployed behind HTTPS."""
    logs = tmp_path_factory.mktemp("https_gateway_logs")
    secure = Stack(stack.infra, stack.databases, stack.vhost, logs)
    secure.start("gateway", GUIYAN_COOKIE_SECURE="true")
    try:
        secure.wait_ready()
        yield secure
    finally:
        secure.stop_all()


def test_behind_https_the_cookies_are_secure_and_browsers_stay_on_https(stack, https_gateway):
    username = stack.create_user("entrepreneur")
    page = requests.get(https_gateway.base_url + "/login", timeout=30)
    csrf_cookie = set_cookies(page)[CSRF_COOKIE]
    # a Secure cookie is not sent back over plain HTTP: the test hands it back itself
    login = requests.post(https_gateway.base_url + "/login", allow_redirects=False, timeout=30,
                          cookies={CSRF_COOKIE: csrf_cookie.split("=", 1)[1].split(";")[0]},
                          data={"csrf_token": CSRF.search(page.text).group(1), "username": username,
                                "password": PASSWORD})
    assert login.status_code == 303
    session_cookie = set_cookies(login)[SESSION_COOKIE]
    for name, line in ((CSRF_COOKIE, csrf_cookie), (SESSION_COOKIE, session_cookie)):
        assert flags(line) >= {"httponly", "samesite", "secure"}, name
    for answer in (page, login):
        assert answer.headers["Strict-Transport-Security"].startswith("max-age="), _answering(answer)
