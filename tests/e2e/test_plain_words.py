"""People read names and Chinese words, never internal codes (issue 15, item 3): a bank by its
name, a quarter as 2026年第4季度, a project's timeline in Chinese."""

from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_projects_api import listed


def test_a_liaison_reads_their_banks_name_not_its_code(stack):
    liaison = stack.create_user("bank_liaison", bank_code="NJRCB")
    page = browser_for(stack, liaison)
    for path in ("/", "/loans"):
        text = page.get(path).text
        assert "内江农村商业银行" in text and "NJRCB" not in text, path
    admin = browser_for(stack, stack.create_user("admin"))
    assert "内江农村商业银行" in admin.get("/admin/users").text  # the liaison above, listed by bank name


def test_a_projects_timeline_reads_in_chinese(stack, places):
    county_user = stack.create_user("official", region_code=places.county, level="county")
    project = listed({"county": stack.client(county_user)})
    stack.client(county_user).post(f"/api/v1/projects/{project['id']}/recommend")
    detail = stack.client(county_user).get(f"/api/v1/projects/{project['id']}").json()
    assert [step["action_name"] for step in detail["history"]] == ["征集", "审核", "入库", "向上级推荐"]
    text = browser_for(stack, county_user).get(f"/projects/{project['id']}").text
    timeline = text[text.index("timeline"):]
    for code in ("collected", ">review<", ">list<", "recommended"):
        assert code not in timeline, code
    assert "审核" in timeline and "入库" in timeline


def test_a_quarter_is_named_as_people_say_it(stack, quarters):
    city = stack.create_user("official", region_code="511000", level="city")
    quarter = quarters.spare(__name__)
    with stack.today(quarter.next.day(1, 5)):
        opened = stack.client(city).post("/api/v1/quarters", json={"quarter": quarter.code})
        assert opened.status_code in (200, 201), opened.text
        text = browser_for(stack, city).get(f"/quarters/{quarter.code}").text
    facts = text[text.index('class="facts"'):]
    assert f"{quarter.year}年第{quarter.number}季度" in facts and f">{quarter.code}<" not in facts
