"""Wrong passwords slow down only the address they come from: nobody elsewhere can lock a user out."""

import copy
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.test_pages import Browser
from tests.stack import PASSWORD, free_port

FIRST_WAIT = 600  # never runs out during a test (nothing here waits it out): always 10分钟


@pytest.fixture(scope="module")
def gateway(stack, tmp_path_factory):
    """A second gateway onto the same system, behind a trusted proxy: the tests say who they are
    in X-Forwarded-For, as the proxy would, so each can come from its own address."""
    second = copy.copy(stack)
    second.processes, second.port = {}, free_port()
    second.base_url = f"http://127.0.0.1:{second.port}"
    second.log_dir = tmp_path_factory.mktemp("throttled_gateway")
    second.env = {**stack.env, "GUIYAN_WEB_ADDRESS": f"127.0.0.1:{second.port}"}
    second.start("gateway", GUIYAN_TRUSTED_PROXIES="127.0.0.1", GUIYAN_LOGIN_FREE_FAILURES="2",
                 GUIYAN_LOGIN_ADDRESS_FREE_FAILURES="4", GUIYAN_LOGIN_FIRST_WAIT_SECONDS=str(FIRST_WAIT))
    try:
        second.wait_ready()
        yield second
    finally:
        second.stop("gateway")  # its own process only: the copy shares the system's SMS mailbox


def an_address() -> str:
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


def login(gateway, address: str, username: str, password: str = PASSWORD):
    return gateway.client().post("/api/v1/auth/login", json={"username": username, "password": password},
                                 headers={"X-Forwarded-For": address})


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_an_attacker_elsewhere_cannot_lock_a_real_user_out(gateway):
    user, attacker = gateway.create_user("entrepreneur"), an_address()
    for _ in range(3):  # two free failures; the third starts the attacker's wait
        assert error_of(login(gateway, attacker, user, "guessed-wrong")) == (422, "login_failed")
    refused = login(gateway, attacker, user, PASSWORD)  # even the right password waits
    assert error_of(refused) == (429, "login_throttled")
    assert refused.json()["error"]["field"] == "username"
    assert refused.json()["error"]["message"] == "密码错误次数过多，请10分钟后再试"
    assert FIRST_WAIT - 60 < int(refused.headers["Retry-After"]) <= FIRST_WAIT
    assert login(gateway, an_address(), user).status_code == 200  # the user, from home


def test_a_burst_of_guesses_at_once_gets_no_more_than_the_free_ones(gateway):
    user, attacker = gateway.create_user("entrepreneur"), an_address()
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda n: login(gateway, attacker, user, f"guess-{n}"), range(6)))
    assert sorted(error_of(answer) for answer in answers) == [(422, "login_failed")] * 3 + [
        (429, "login_throttled")] * 3


def test_a_success_clears_the_failures_of_its_own_address(gateway):
    user, home = gateway.create_user("entrepreneur"), an_address()
    for _ in range(2):
        assert error_of(login(gateway, home, user, "typo")) == (422, "login_failed")
    assert login(gateway, home, user).status_code == 200
    for _ in range(2):  # free again after the success
        assert error_of(login(gateway, home, user, "typo")) == (422, "login_failed")
    assert login(gateway, home, user).status_code == 200


def test_one_address_trying_many_usernames_waits_for_all_of_them(gateway):
    stuffer, user = an_address(), gateway.create_user("entrepreneur")
    for n in range(5):  # four free across usernames; the fifth starts the address's wait
        assert error_of(login(gateway, stuffer, f"leaked_{n}_{random.randrange(10**9)}", "x")) == (422, "login_failed")
    refused = login(gateway, stuffer, user)
    assert error_of(refused) == (429, "login_throttled")
    assert refused.json()["error"]["message"] == "此网络地址登录失败次数过多，请10分钟后再试"
    assert "Retry-After" in refused.headers
    assert login(gateway, an_address(), user).status_code == 200


def test_the_login_page_says_how_long_to_wait_beside_the_username(gateway, places):
    user = gateway.create_user("official", region_code=places.township, level="township")
    browser = Browser(gateway.base_url)
    browser.http.headers["X-Forwarded-For"] = an_address()
    for _ in range(3):
        assert browser.submit("/login", {"username": user, "password": "wrong"}).status_code == 422
    page = browser.submit("/login", {"username": user, "password": PASSWORD})
    assert page.status_code == 429 and FIRST_WAIT - 60 < int(page.headers["Retry-After"]) <= FIRST_WAIT
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert 'id="f-username-error">密码错误次数过多，请10分钟后再试<' in page.text
    assert f'value="{user}"' in page.text and "guiyan_session" not in browser.http.cookies
