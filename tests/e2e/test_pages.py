"""The web pages through plain HTTP: CSRF, logins, who may open which page, and how pages are served."""

import re
import uuid

import pytest
import requests

from tests.factories import enterprise_data, entrepreneur_data, mobile, resident_id, wrong_checksum
from tests.stack import PASSWORD

HTML = "text/html; charset=utf-8"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


class Browser:
    """A cookie-keeping HTTP client that fills forms the way a browser would."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=30, allow_redirects=False, **kwargs)

    def submit(self, form_path: str, data: dict, action: str | None = None) -> requests.Response:
        """Open the page with the form, then post it with the page's CSRF token."""
        page = self.get(form_path)
        token = CSRF.search(page.text).group(1)
        return self.post(action or form_path.split("?")[0], {"csrf_token": token, **data})

    def post(self, path: str, data) -> requests.Response:
        return self.http.post(self.base_url + path, data=data, timeout=30, allow_redirects=False)

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        response = self.submit("/login", {"username": username, "password": password})
        assert response.status_code == 303, response.text
        return response


def registration_form(data: dict) -> dict:
    """An EntrepreneurCreate body as the registration page posts it."""
    form = {key: value for key, value in data.items()
            if key not in ("skills", "certificates", "categories")}
    form["skills"] = "、".join(data["skills"])
    for n, certificate in enumerate(data["certificates"]):
        form.update({f"certificates.{n}.{key}": value for key, value in certificate.items()})
    return {**form, "categories": data["categories"]}


@pytest.fixture
def browser(stack):
    return Browser(stack.base_url)


@pytest.fixture(scope="module")
def alice(stack, places):
    """An entrepreneur registered through the API in the home village, with her account."""
    username = stack.create_user("entrepreneur")
    # a name no other test draws, so that searches elsewhere in the run never find her
    record = stack.client(username).post("/api/v1/entrepreneurs", json=entrepreneur_data(
        name=f"页面测试{uuid.uuid4().hex[:6]}", region_code=places.village)).json()
    return username, record


def test_a_form_posted_without_its_token_is_refused(browser):
    browser.get("/login")  # the visitor has a CSRF cookie, but the post carries no token
    for path in ("/login", "/signup", "/logout", "/register"):
        response = browser.post(path, {"username": "x", "password": "y"})
        assert response.status_code == 403, path
        assert response.headers["Content-Type"] == HTML
        assert "本次提交未被接受" in response.text


def test_a_token_from_another_visitor_is_refused(browser, stack):
    stranger = Browser(stack.base_url)
    token = CSRF.search(stranger.get("/login").text).group(1)
    browser.get("/login")
    response = browser.post("/login", {"csrf_token": token, "username": "x", "password": "y"})
    assert response.status_code == 403


def test_a_wrong_password_says_so_in_chinese_and_keeps_the_username(browser, stack, places):
    username = stack.create_user("official", region_code=places.township, level="township")
    response = browser.submit("/login", {"username": username, "password": "not-the-password"})
    assert response.status_code == 422
    assert "用户名或密码错误" in response.text
    assert f'value="{username}"' in response.text
    assert "guiyan_session" not in browser.http.cookies


def test_anonymous_visitors_are_sent_to_login_and_back(browser, alice):
    response = browser.get("/me")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/me"
    login = browser.submit("/login?next=/me", {"username": alice[0], "password": PASSWORD,
                                                "next": "/me"})
    assert login.headers["Location"] == "/me"
    assert alice[1]["name"] in browser.get("/me").text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_login_never_sends_anyone_to_another_site(browser, alice, target):
    response = browser.submit("/login", {"username": alice[0], "password": PASSWORD, "next": target})
    assert response.headers["Location"] == "/"


def test_the_session_cookie_is_signed_http_only_and_same_site(browser, alice):
    cookie = browser.login(alice[0]).headers["Set-Cookie"]
    assert "guiyan_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    session = next(cookie for cookie in browser.http.cookies if cookie.name == "guiyan_session")
    session.value = session.value[:-3] + "abc"
    assert browser.get("/me").status_code == 303  # a tampered cookie is no session


def test_logout_is_a_post_that_ends_the_session(browser, alice):
    browser.login(alice[0])
    assert browser.get("/logout").status_code in (404, 405)
    assert browser.submit("/me", {}, action="/logout").headers["Location"] == "/?notice=logged_out"
    assert browser.get("/me").status_code == 303


def test_an_entrepreneur_cannot_open_another_entrepreneurs_record_page(browser, stack, alice):
    bob = stack.create_user("entrepreneur")
    browser.login(bob)
    response = browser.get(f"/records/entrepreneurs/{alice[1]['id']}")
    assert response.status_code in (403, 404)
    assert response.headers["Content-Type"] == HTML
    assert alice[1]["name"] not in response.text
    assert "无权" in response.text or "未找到" in response.text


def test_an_official_cannot_open_a_record_outside_their_region(browser, stack, alice, places):
    browser.login(stack.create_user("official", region_code=places.neighbour_township, level="township"))
    response = browser.get(f"/records/entrepreneurs/{alice[1]['id']}")
    assert response.status_code == 404
    assert "未找到该记录，或您无权查看" in response.text
    assert alice[1]["id_number"] not in response.text
    search = browser.get("/records/entrepreneurs", params={"q": alice[1]["name"]}).text
    assert "共 0 人" in search and alice[1]["id"] not in search


def test_the_township_official_sees_the_record_and_may_verify_it(browser, stack, alice, places):
    browser.login(stack.create_user("official", region_code=places.township, level="township"))
    page = browser.get(f"/records/entrepreneurs/{alice[1]['id']}")
    assert page.status_code == 200 and alice[1]["id_number"] in page.text
    path = f"/records/entrepreneurs/{alice[1]['id']}"
    verified = browser.submit(path, {}, action=path + "/verify")
    assert verified.status_code == 303
    assert "已核实" in browser.get(path).text


def test_sign_up_names_every_mistake_at_once(browser, stack):
    """A short name, a mistyped repeat of the password and a number that already has an account,
    all on the first try (each used to appear only once the others were put right)."""
    taken = mobile()
    assert stack.client().post("/api/v1/auth/signup", json={"phone": taken, "display_name": "先来的人",
                                                            "password": PASSWORD}).status_code == 201
    page = browser.submit("/signup", {"phone": taken, "display_name": "刘", "password": PASSWORD,
                                      "password_confirm": PASSWORD + "x"})
    assert page.status_code == 422
    for field, words in (("phone", "该手机号码已开通账号"), ("display_name", ""), ("password_confirm", "两次输入的密码不一致")):
        assert f'id="f-{field}-error"' in page.text and words in page.text, field
    assert f'value="{taken}"' in page.text


def test_a_double_submitted_registration_registers_once(browser, stack):
    browser.submit("/signup", {"phone": mobile(), "display_name": "刘双击", "password": PASSWORD,
                               "password_confirm": PASSWORD})
    page = browser.get("/register")
    form = {"csrf_token": CSRF.search(page.text).group(1),
            "idempotency_key": KEY.search(page.text).group(1),
            **registration_form(entrepreneur_data(name=f"刘双击{uuid.uuid4().hex[:4]}"))}
    first, second = browser.post("/register", form), browser.post("/register", form)
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["Location"] == second.headers["Location"] == "/me?notice=registered"


def test_a_refused_registration_keeps_the_values_and_names_the_field(browser, stack):
    browser.login(stack.create_user("entrepreneur"))
    data = entrepreneur_data(id_number=wrong_checksum(resident_id()), previous_work_place="浙江省义乌市")
    response = browser.submit("/register", registration_form(data))
    assert response.status_code == 422
    assert 'id="f-id_number-error">身份证号码校验位错误' in response.text
    assert 'value="浙江省义乌市"' in response.text
    assert 'value="returnee_migrant_worker" checked' in response.text


def test_pages_are_utf8_html_with_a_mobile_viewport(browser):
    for path in ("/", "/login", "/signup", "/no-such-page"):
        response = browser.get(path)
        assert response.headers["Content-Type"] == HTML, path
        assert '<meta charset="utf-8">' in response.text
        assert 'name="viewport" content="width=device-width' in response.text
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "页面不存在" in browser.get("/no-such-page").text


def test_the_stylesheet_is_served_by_the_gateway_with_a_cache_header(browser):
    response = browser.get("/static/site.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert "max-age=" in response.headers["Cache-Control"]
    assert "--brand" in response.text
    again = browser.get("/static/site.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert browser.get("/static/site.js").headers["Content-Type"].startswith("text/javascript")
    assert browser.get("/static/..%2Fhttp.py").status_code == 404


def test_an_official_registers_a_returnee_at_the_counter(browser, stack, places):
    browser.login(stack.create_user("official", region_code=places.township, level="township"))
    data = entrepreneur_data(name=f"窗口代登记{uuid.uuid4().hex[:4]}")
    response = browser.submit("/records/entrepreneurs/new", registration_form(data))
    assert response.status_code == 303
    detail = browser.get(response.headers["Location"])
    assert data["name"] in detail.text and "待核实" in detail.text and "已代为登记" in detail.text


def test_an_official_cannot_register_a_returnee_outside_their_region(browser, stack, places):
    browser.login(stack.create_user("official", region_code=places.neighbour_township, level="township"))
    response = browser.submit("/records/entrepreneurs/new", registration_form(entrepreneur_data()))
    assert response.status_code == 403
    assert 'id="f-region_code-error">该地区不在您的管辖范围内' in response.text


@pytest.fixture(scope="module")
def firm(stack, alice):
    """Alice's cooperative, registered through the API."""
    data = enterprise_data(name=f"页面测试{uuid.uuid4().hex[:4]}合作社")
    return stack.client(alice[0]).post("/api/v1/enterprises", json=data).json()


def test_the_entrepreneur_reports_the_quarter_from_her_record_page(browser, alice, firm):
    browser.login(alice[0])
    quarter = re.search(r'<option value="(\d{4}Q\d)" selected', browser.get("/me").text).group(1)
    refused = browser.submit("/me", {"quarter": quarter, "headcount": "9", "poverty_hires": "1",
                                     "new_hires": "12"}, action=f"/enterprises/{firm['id']}/headcount")
    assert refused.status_code == 422
    assert f'id="f-hc-{firm["id"]}-new_hires-error">新增用工数不能超过从业人数' in refused.text
    done = browser.submit("/me", {"quarter": quarter, "headcount": "9", "poverty_hires": "1",
                                  "new_hires": "2"}, action=f"/enterprises/{firm['id']}/headcount")
    assert done.headers["Location"] == f"/me?notice=headcount#enterprise-{firm['id']}"
    assert f"{quarter[:4]}年第{quarter[5]}季度" in browser.get("/me").text


def test_the_official_names_the_liaisons_of_an_enterprise(browser, stack, firm, places):
    browser.login(stack.create_user("official", region_code=places.county, level="county"))
    path = f"/records/enterprises/{firm['id']}"
    refused = browser.submit(path, {"liaisons.legal.name": "吴律师", "liaisons.legal.phone": "123"},
                             action=path + "/liaisons")
    assert refused.status_code == 422
    assert 'id="f-liaisons-legal-phone-error">手机号码应为11位，以1开头' in refused.text
    assert 'value="吴律师"' in refused.text
    done = browser.submit(path, {
        "liaisons.finance.name": "周金融", "liaisons.finance.phone": "13900000001",
        "liaisons.finance.organisation": "东兴区农商银行", "liaisons.finance.level": "county"},
        action=path + "/liaisons")
    assert done.headers["Location"] == path + "?notice=liaisons#liaisons"
    assert "周金融" in browser.get(path).text
