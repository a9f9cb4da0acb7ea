"""Hostile input is refused at the edge, on the API and the pages: a 4xx naming the field, nothing
written, and one INFO line in the gateway's log, never a traceback.

NUL and control characters, bidirectional and zero-width characters, lone surrogates, 1,000-deep
nesting, numbers out of range, 10 MB bodies (sized and chunked), in every body, path and query.
"""

import json
import re
import time
import uuid

import pytest
import sqlalchemy as sa

import services.gateway.api.consultation_routes  # noqa: F401  (declares the routes)
import services.gateway.api.escalation_routes  # noqa: F401
import services.gateway.api.finance_routes  # noqa: F401
import services.gateway.api.project_routes  # noqa: F401
import services.gateway.api.routes  # noqa: F401
from services.gateway.http import API_ROUTES
from tests.support.waiting import eventually

BODY_ROUTES = [r for r in API_ROUTES if r.method in ("POST", "PUT", "PATCH") and not r.path.endswith("/attachments")]
HOSTILE_TEXT = {"nul": "a\u0000b", "escape": "\x1b[31mred", "right_to_left": "abc\u202egnp.exe",
                "zero_width": "zero\u200bwidth", "byte_order_mark": "\ufeffname", "lone_surrogate": "\ud800",
                "delete": "a\x7fb", "c1": "a\x85b"}
NESTED_OBJECTS = '{"a":' * 1000 + "1" + "}" * 1000
NESTED_ARRAYS = "[" * 1000 + "]" * 1000
TEN_MB = b"x" * (10 * 1024 * 1024)
PATHS_WITH_NUL = ["/api/v1/difficulties/public/%00", "/api/v1/entrepreneurs/%00", "/api/v1/quarters/%00",
                  "/api/v1/loans/%00/approve", "/api/v1/enterprises/a%00b"]
PAGES_WITH_NUL = ["/entrepreneurs/%00", "/loans/%00", "/quarters/%00", "/difficulties/%00"]


def concrete(path: str) -> str:
    return re.sub(r"<[^>]+>", str(uuid.uuid4()), re.sub(r"<int:[^>]+>", "2027", path))


class Watch:
    """Sends requests with their own correlation id and reads what the gateway logged of them."""

    def __init__(self, stack):
        self.stack, self.log = stack, stack.log_dir / "gateway.log"
        self.start = self.log.stat().st_size
        self.sent: list[str] = []

    def request(self, method: str, path: str, **kwargs):
        correlation = uuid.uuid4().hex
        self.sent.append(correlation)
        headers = {"X-Correlation-ID": correlation, **kwargs.pop("headers", {})}
        return self.stack.client().http.request(method, self.stack.base_url + path, headers=headers,
                                                timeout=60, **kwargs)

    def written(self) -> str:
        with open(self.log, "rb") as log:
            log.seek(self.start)
            return log.read().decode("utf-8", "replace")

    def check_one_info_line_each(self) -> None:
        written = self.written()
        assert "Traceback" not in written
        lines = [json.loads(line) for line in written.splitlines() if line.startswith("{")]
        for correlation in self.sent:
            mine = [line for line in lines if line.get("correlation_id") == correlation]
            assert len(mine) == 1, (correlation, mine)
            assert (mine[0]["level"], mine[0]["event"]) == ("info", "request_refused")
            assert mine[0]["code"]


def row_counts(stack) -> dict[str, int]:
    """Rows of every table of every service: what a refused request must leave as it was."""
    counts = {}
    for service, url in stack.databases.items():
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1),
                                  poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            tables = connection.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
            for table in tables:
                counts[f"{service}.{table}"] = connection.execute(
                    sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()  # noqa: S608 (test code)
        engine.dispose()
    return counts


def error(response):
    return response.status_code, response.json()["error"]["code"], response.json()["error"]["field"]


def settled_row_counts(stack) -> dict[str, int]:
    """The row counts once the events of earlier tests have been applied (consumers wait up to a
    tenth of a second for a batch): two reads a moment apart that agree."""
    last = [row_counts(stack)]

    def agreed():
        time.sleep(0.3)
        counts = row_counts(stack)
        previous, last[0] = last[0], counts
        return counts if counts == previous else None

    return eventually(agreed, timeout=30, interval=0)


@pytest.fixture
def watch(stack):
    watching = Watch(stack)
    before = settled_row_counts(stack)
    yield watching
    watching.check_one_info_line_each()
    after = row_counts(stack)
    assert {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v
            and not k.endswith((".login_sessions", ".users", ".login_throttle"))} == {}


@pytest.mark.parametrize("kind", sorted(HOSTILE_TEXT))
def test_hostile_text_in_any_json_body_is_a_422_naming_the_field(stack, watch, kind):
    for route in BODY_ROUTES:
        body = {"note": "ok", "liaisons": [{"name": HOSTILE_TEXT[kind]}]}
        response = watch.request(route.method, concrete(route.path), json=body)
        assert error(response) == (422, "text_control_character", "liaisons.0.name"), route.path


def test_nul_in_a_field_name_names_where_it_is(stack, watch):
    response = watch.request("POST", "/api/v1/auth/login", json={"user\u0000name": "x", "password": "y"})
    assert error(response)[:2] == (422, "text_control_character")


@pytest.mark.parametrize("path, field", [("/api/v1/auth/login", "username"), ("/api/v1/auth/signup", "display_name")])
def test_nul_at_login_and_sign_up_without_an_account(stack, watch, path, field):
    body = {"username": "a\u0000", "password": "secret-123", "phone": "13800000000", "display_name": "王\u0000"}
    body = {key: value for key, value in body.items() if key in ("username", "password")} if "login" in path else {
        key: value for key, value in body.items() if key != "username"}
    assert error(watch.request("POST", path, json=body)) == (422, "text_control_character", field)


@pytest.mark.parametrize("path", PATHS_WITH_NUL)
def test_a_path_with_nul_names_nothing(stack, watch, path):
    assert error(watch.request("GET" if "approve" not in path else "POST", path))[:2] == (404, "route_not_found")


def test_a_query_with_nul_is_a_422_naming_the_parameter(stack, watch):
    assert error(watch.request("GET", "/api/v1/loans?status=%00")) == (422, "text_control_character", "status")
    assert error(watch.request("GET", "/api/v1/entrepreneurs?q=a%E2%80%AEb")) == (
        422, "text_control_character", "q")


@pytest.mark.parametrize("body", [NESTED_OBJECTS, NESTED_ARRAYS], ids=["objects", "arrays"])
def test_a_thousand_levels_of_nesting_is_a_422(stack, watch, body):
    for route in BODY_ROUTES:
        response = watch.request(route.method, concrete(route.path), data=body,
                                 headers={"Content-Type": "application/json"})
        assert error(response)[:2] == (422, "body_too_deep"), route.path


@pytest.mark.parametrize("raw, code", [('{"amount_yuan": NaN}', "number_not_finite"),
                                       ('{"amount_yuan": Infinity}', "number_not_finite"),
                                       ('{"amount_yuan": 1e400}', "number_not_finite"),
                                       ('{"page": 18446744073709551616}', "number_out_of_range"),
                                       ('{"page": ' + "9" * 5000 + "}", "body_not_json"),
                                       (b'{"name": "\xff\xfe"}', "body_not_json")])
def test_numbers_out_of_range_and_broken_text_are_refused(stack, watch, raw, code):
    response = watch.request("POST", "/api/v1/loans", data=raw, headers={"Content-Type": "application/json"})
    assert error(response)[:2] == (422, code)


def test_ten_megabytes_are_refused_sized_or_chunked(stack, watch):
    sized = watch.request("POST", "/api/v1/auth/login", data=TEN_MB, headers={"Content-Type": "application/json"})
    assert error(sized)[:2] == (413, "body_too_large")
    chunked = watch.request("POST", "/api/v1/auth/login", data=iter([TEN_MB[i:i + 65536]
                                                                     for i in range(0, len(TEN_MB), 65536)]),
                            headers={"Content-Type": "application/json"})
    assert error(chunked)[:2] == (413, "body_too_large")


def test_a_chunked_body_is_read(stack):
    body = json.dumps({"username": "nobody-here", "password": "wrong-password"}).encode()
    response = stack.client().http.post(stack.base_url + "/api/v1/auth/login", data=iter([body[:10], body[10:]]),
                                        headers={"Content-Type": "application/json"}, timeout=30)
    assert response.json()["error"]["code"] == "login_failed"


def page_client(stack):
    client = stack.client().http
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(stack.base_url + "/login").text).group(1)
    return client, token


def test_pages_refuse_nul_in_forms_queries_and_paths_in_chinese(stack, watch):
    client, token = page_client(stack)
    form = watch.request("POST", "/login", data={"csrf_token": token, "username": "a\u0000", "password": "x"},
                         cookies=client.cookies)
    assert form.status_code == 422 and "控制字符" in form.text
    assert form.headers["Content-Type"].startswith("text/html")
    query = watch.request("GET", "/login?next=%00")
    assert query.status_code == 422 and "控制字符" in query.text
    for path in PAGES_WITH_NUL:
        assert watch.request("GET", path).status_code == 404
