"""Officials' lists through the gateway: the API's cursor and capped total, and the pages' 下一页."""

import html
import random
import re

import pytest

from tests.e2e.test_pages import Browser
from tests.factories import entrepreneur_data

CHARACTERS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
PEOPLE = 21  # one more than a page holds
NEXT = re.compile(r'<a class="btn secondary" href="([^"]+)" rel="next">下一页</a>')


@pytest.fixture(scope="module")
def township(stack, places):
    return stack.client(stack.create_user("official", region_code=places.township, level="township"))


@pytest.fixture(scope="module")
def registered(township, places):
    """21 people registered by the township under a name part nobody else has, newest first."""
    marker = "".join(random.choice(CHARACTERS) for _ in range(5))
    ids = []
    for n in range(PEOPLE):
        response = township.post("/api/v1/entrepreneurs", json=entrepreneur_data(
            name=f"{marker}{CHARACTERS[n]}", region_code=places.village))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return marker, ids[::-1]


def test_the_official_walks_the_list_by_cursor_and_sees_each_record_once(township, registered):
    marker, newest_first = registered
    seen, params = [], {"q": marker, "per_page": 8}
    while True:
        page = township.get("/api/v1/entrepreneurs", params=params).json()
        assert (page["total"], page["total_capped"]) == (PEOPLE, False)
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            break
        params = {**params, "after": page["next"]}
    assert seen == newest_first


def test_a_cursor_that_was_not_given_is_refused_naming_the_field(township):
    response = township.get("/api/v1/entrepreneurs", params={"after": "bm90IGEgY3Vyc29y"})
    assert response.status_code == 422
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == ("cursor_invalid", "after")


def test_the_api_document_describes_the_cursor_and_the_capped_total(stack):
    document = stack.client().get("/api/v1/openapi.json").json()
    page = document["components"]["schemas"]["Page"]["properties"]
    assert {"total", "total_capped", "next"} <= set(page)
    names = {parameter["name"] for parameter in document["paths"]["/api/v1/entrepreneurs"]["get"]["parameters"]}
    assert "after" in names


def test_the_page_counts_the_results_and_goes_on_with_next_page(stack, places, registered):
    marker, newest_first = registered
    browser = Browser(stack.base_url)
    browser.login(stack.create_user("official", region_code=places.township, level="township"))
    first = browser.get("/records/entrepreneurs", params={"q": marker}).text
    assert f"共 {PEOPLE} 人" in first and "第 1 页" in first
    assert newest_first[0] in first and newest_first[-1] not in first
    second = browser.get(html.unescape(NEXT.search(first).group(1))).text
    assert "第 2 页" in second and newest_first[-1] in second and newest_first[0] not in second
    assert "回到第一页</a>" in second and not NEXT.search(second)


def test_a_cursor_spoilt_in_the_address_bar_shows_the_first_page(stack, places, registered):
    marker, newest_first = registered
    browser = Browser(stack.base_url)
    browser.login(stack.create_user("official", region_code=places.township, level="township"))
    page = browser.get("/records/entrepreneurs", params={"q": marker, "after": "spoilt", "page": "7"})
    assert page.status_code == 200 and "第 1 页" in page.text and newest_first[0] in page.text
