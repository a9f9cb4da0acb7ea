"""Choosing a region county → township → village: the division list's API, and the forms without JavaScript."""

import re
import uuid

import pytest

from shared import regions
from tests.e2e.test_pages import Browser, registration_form
from tests.factories import entrepreneur_data


def options(html: str, name: str) -> dict[str, str]:
    """The options of the select called `name`: code -> text (the blank one left out)."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return {code: text.strip() for code, text in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>',
                                                            select.group(1))}


def chosen(html: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    found = re.search(r'<option value="(\d*)" selected>', select.group(1)) if select else None
    return found.group(1) if found else None


@pytest.fixture
def browser(stack):
    return Browser(stack.base_url)


def test_the_regions_api_lists_one_level_below_for_anyone(stack):
    client = stack.client()
    top = client.get("/api/v1/regions").json()
    assert top["parent"] is None and [item["name"] for item in top["items"]] == ["四川省"]
    county = client.get("/api/v1/regions", params={"parent": "511011"})
    assert county.status_code == 200 and county.headers["Cache-Control"] == "public, max-age=3600"
    answer = county.json()
    assert answer["parent"] == {"code": "511011000000", "name": "东兴区", "level": "county"}
    assert {"code": "511011107000", "name": "双才镇", "level": "township"} in answer["items"]
    villages = client.get("/api/v1/regions", params={"parent": "511011101"}).json()["items"]
    assert {"code": "511011101201", "name": "景坡楼村", "level": "village"} in villages


@pytest.mark.parametrize("parent, status, error", [
    ("5110", 422, "region_code_format"), ("511011999", 422, "region_code_unknown"),
    ("511024100201", 404, "region_not_listed"),  # a retired code names records but has no divisions below
])
def test_the_regions_api_refuses_what_it_cannot_list(stack, parent, status, error):
    response = stack.client().get("/api/v1/regions", params={"parent": parent})
    assert response.status_code == status and response.json()["error"]["code"] == error


def test_an_entrepreneur_registers_choosing_county_township_and_village_without_javascript(browser, stack, places):
    browser.login(stack.create_user("entrepreneur"))
    first = browser.get("/register").text
    assert "东兴区" in options(first, "region_code.county").values()
    assert options(first, "region_code.township") == {}  # nothing yet: a county comes first
    assert chosen(first, "household_region_code.city") == "511000000000"  # the programme's city shown first
    # every city of the province runs its programme here: where she lives may be any of them
    assert chosen(first, "region_code.city") == "511000000000"
    assert {"绵阳市", "成都市", "凉山彝族自治州"} <= set(options(first, "region_code.city").values())
    city = {"region_code.city": regions.normalize(places.city)}
    data = entrepreneur_data(name=f"逐级选择{uuid.uuid4().hex[:4]}")
    form = {key: value for key, value in registration_form(data).items()
            if key not in ("region_code", "household_region_code")}
    household = {"household_region_code.city": "511000000000", "household_region_code.county": "511011000000",
                 "household_region_code.township": "511011107000"}
    county = browser.submit("/register", {**form, **household, **city, "region_code.county": places.county,
                                          "_pick": "region_code"})
    assert county.status_code == 200 and f'value="{data["name"]}"' in county.text  # shown again, as filled
    assert regions.name_of(places.township) in options(county.text, "region_code.township").values()
    township = browser.post("/register", {**form, **household, **city, "csrf_token": csrf(county.text),
                                          "_pick": "region_code",
                                          "region_code.county": places.county, "region_code.township": places.township})
    village_name = regions.name_of(places.village)
    assert village_name in options(township.text, "region_code.village").values()
    done = browser.post("/register", {**form, **household, **city, "csrf_token": csrf(township.text),
                                      "region_code.county": places.county, "region_code.township": places.township,
                                      "region_code.village": places.village})
    assert done.status_code == 303, done.text
    me = browser.get("/me").text
    assert village_name in me and "双才镇" in me  # where she lives, and her household


def test_a_choice_that_stops_at_the_county_asks_for_the_township_and_keeps_the_form(browser, stack, places):
    browser.login(stack.create_user("entrepreneur"))
    data = entrepreneur_data()
    form = {key: value for key, value in registration_form(data).items() if key != "region_code"}
    stopped = browser.submit("/register", {**form, "region_code.city": regions.normalize(places.city),
                                           "region_code.county": places.other_county})
    assert stopped.status_code == 422
    assert 'id="f-region_code-error">请继续选择乡镇（街道）' in stopped.text
    assert chosen(stopped.text, "region_code.county") == regions.normalize(places.other_county)
    assert regions.name_of(places.other_township) in options(stopped.text, "region_code.township").values()
    assert f'value="{data["id_number"]}"' in stopped.text


def test_a_township_official_chooses_only_among_the_villages_of_the_township(browser, stack, places):
    browser.login(stack.create_user("official", region_code=places.township, level="township"))
    page = browser.get("/records/entrepreneurs/new").text
    assert 'name="region_code.county"' not in page and 'name="region_code.township"' not in page
    villages = options(page, "region_code.village")
    assert regions.normalize(places.village) in villages
    assert all(code.startswith(places.township) for code in villages)


def test_the_projects_filter_narrows_level_by_level(browser, stack, places):
    browser.login(stack.create_user("entrepreneur"))
    page = browser.get("/projects", params={"region_code.county": places.county, "region_code.township": ""}).text
    assert chosen(page, "region_code.county") == regions.normalize(places.county)
    assert regions.name_of(places.township) in options(page, "region_code.township").values()
    assert "显示下一级" not in page  # a filter takes effect when chosen


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
