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


def test_timelines_and_decisions_name_people_not_their_usernames(stack, places):
    from tests.borrowers import key, loan_request, make_borrower

    city = stack.client(stack.create_user("official", region_code=places.city, level="city"))
    assert city.post("/api/v1/fund/contributions", headers=key(),
                     json={"account": "fund:guarantee", "amount_yuan": "1000000.00"}).status_code == 201
    township_user = stack.create_user("official", region_code=places.township, level="township")
    township = stack.client(township_user)
    borrower = make_borrower(stack, township)
    loan = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan="50000.00")).json()
    maker = stack.create_user("bank_liaison", bank_code="NJRCB")
    approved = stack.client(maker).post(f"/api/v1/loans/{loan['id']}/approve",
                                        json={"amount_yuan": "50000", "term_months": 24, "spread_bp": 0})
    assert approved.status_code == 200, approved.text
    text = browser_for(stack, maker).get(f"/loans/{loan['id']}").text
    assert "测试bank_liaison" in text and maker not in text  # the approver, in the facts and the timeline
    assert borrower.username not in text  # the applicant's step names them too
    record = browser_for(stack, township_user).get(f"/records/entrepreneurs/{borrower.entrepreneur_id}").text
    assert "测试official" in record and township_user not in record  # who verified it
    assert "系统" in text  # what no account did keeps its own words
