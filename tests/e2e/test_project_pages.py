"""The project library's pages through plain HTTP: browsing, a project's page per role, the library."""

from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import Browser
from tests.e2e.test_projects_api import listed, project_data


def test_pages_of_the_library_for_each_role(stack, places):
    county_user = stack.create_user("official", region_code=places.county, level="county")
    county = stack.client(county_user)
    people = {"county": county}
    shown = listed(people, title="白马镇民宿集群示范项目", sector="乡村旅游")
    draft = county.post("/api/v1/projects", json=project_data(title="未审核的竹编工坊")).json()
    reader = browser_for(stack, stack.create_user("entrepreneur"))
    browse = reader.get("/projects?q=民宿集群")
    assert browse.status_code == 200 and "白马镇民宿集群示范项目" in browse.text and "未审核的竹编工坊" not in browse.text
    assert reader.get(f"/projects/{draft['id']}").status_code == 404
    assert "我有意向" in reader.get(f"/projects/{shown['id']}").text
    desk = browser_for(stack, county_user)
    library = desk.get("/library")
    assert library.status_code == 200 and "征集项目" in library.text and "未审核的竹编工坊" in library.text
    assert "审核通过" in desk.get(f"/projects/{draft['id']}").text
    assert "向上一级推荐" in desk.get(f"/projects/{shown['id']}").text
    assert reader.get("/library").status_code == 403
    assert Browser(stack.base_url).get("/projects").status_code == 303
    bad = desk.submit("/library", {"title": "x", "sector": "养殖业", "description": "短", "region_code": places.village,
                                   "investment_yuan": "abc", "expected_jobs": "3", "contact_name": "王",
                                   "contact_phone": "1"}, action="/library/new")
    assert bad.status_code == 422 and "所需投资（元）" in bad.text
