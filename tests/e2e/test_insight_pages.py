"""工作看板 and 经营历程 through plain HTTP: a county's figures with their tables, an enterprise's timeline."""

import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from shared import regions
from tests.borrowers import key, loan_request, make_borrower
from tests.e2e.test_difficulties_api import enterprise_with_liaisons, report
from tests.e2e.test_finance_pages import browser_for
from tests.e2e.test_pages import HTML, Browser
from tests.support.waiting import eventually

DATA = re.compile(r'<script type="application/json" id="dashboard-data">(.*?)</script>', re.S)


class Tables(HTMLParser):
    """The page's tables that have an id, each as {row header: [the row's other cells]}."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, dict[str, list[str]]] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id"):
            self._table = self.tables.setdefault(dict(attrs)["id"], {})
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row:
            self._table[self._row[0]] = self._row[1:]
            self._row = None
        elif tag == "table":
            self._table = None


def tables_of(html: str) -> dict[str, dict[str, list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def quarter_name(quarter: str) -> str:
    return f"{quarter[:4]}年第{quarter[5:]}季度"


class Board:
    """The dashboard as its reader sees it: the tables under the charts, and this quarter's row."""

    def __init__(self, response):
        self.text = response.text
        self.tables = tables_of(response.text)
        self.data = json.loads(DATA.search(response.text).group(1))
        self.this_quarter = quarter_name(self.data["quarters"][-1])

    def loans(self) -> tuple[int, Decimal]:
        count, wan = self.tables["table-loans"][self.this_quarter]
        return int(count), Decimal(wan.replace(",", ""))

    def open_difficulties(self, category_name: str) -> int:
        row = self.tables.get("table-difficulties", {}).get(category_name)
        return int(row[-1]) if row else 0


def board_of(browser) -> Board:
    response = browser.get("/dashboard")
    assert response.status_code == 200 and response.headers["Content-Type"] == HTML, response.text
    return Board(response)


@pytest.fixture(scope="module")
def desk(stack, places):
    names = {"township": stack.create_user("official", region_code=places.township, level="township"),
             "county": stack.create_user("official", region_code=places.county, level="county"),
             "city": stack.create_user("official", region_code=places.city, level="city"),
             "other_county": stack.create_user("official", region_code=places.other_county, level="county"),
             "maker": stack.create_user("bank_liaison", bank_code="NJRCB")}
    clients = {role: stack.client(username) for role, username in names.items()}
    funded = clients["city"].post("/api/v1/fund/contributions", headers=key(),
                                  json={"account": "fund:guarantee", "amount_yuan": "10000000"})
    assert funded.status_code == 201, funded.text
    return {"names": names, "clients": clients}


def lend(desk, borrower, amount_yuan: str) -> None:
    """The borrower applies, the bank approves and lends today."""
    applied = borrower.client.post("/api/v1/loans", json=loan_request(amount_yuan=amount_yuan, term_months=12))
    assert applied.status_code == 201, applied.text
    loan = applied.json()
    maker = desk["clients"]["maker"]
    approved = maker.post(f"/api/v1/loans/{loan['id']}/approve", json={
        "amount_yuan": amount_yuan, "term_months": 12, "spread_bp": 50})
    assert approved.status_code == 200, approved.text
    lent = maker.post(f"/api/v1/loans/{loan['id']}/disburse", headers=key(), json={})
    assert lent.status_code == 200 and lent.json()["status"] == "disbursed", lent.text


def test_a_county_official_sees_this_quarters_loans_and_open_difficulties_in_the_tables(stack, desk, places):
    page = browser_for(stack, desk["names"]["county"])
    before = board_of(page)
    assert f"{regions.name_of(places.county)} 工作看板" in before.text
    for heading in ("创业担保贷款发放（按季度）", "补贴发放（按季度）", "困难问题（按类别和层级）", "会商事项办结率（按季度，%）"):
        assert heading in before.text
    # one row per quarter shown, in the table and in the data the charts are drawn from
    assert len(before.data["quarters"]) == len(before.data["loans"]["wan"]) == len(before.data["resolution"]["rate"])
    quarters = [quarter_name(q) for q in before.data["quarters"]]
    assert list(before.tables["table-loans"]) == list(before.tables["table-subsidies"]) == ["季度", *quarters, "合计"]
    assert list(before.tables["table-resolution"]) == ["季度", *quarters]
    count, wan = before.loans()

    firm = enterprise_with_liaisons(stack, desk["clients"])
    report(firm, "labour")
    lend(desk, firm, "100000")

    def arrived():
        board = board_of(page)
        lent_count, lent_wan = board.loans()
        return board if lent_count >= count + 1 and lent_wan >= wan + Decimal("10.00") and (
            board.open_difficulties("用工") >= before.open_difficulties("用工") + 1) else None

    after = eventually(arrived, timeout=30)
    assert "未办结困难问题" in after.text and "创业担保贷款发放" in after.text
    # the charts' script is this site's own copy, never a CDN
    assert not re.search(r'<script[^>]*src="(https?:)?//', after.text)
    for script in ("/static/vendor/echarts.min.js", "/static/dashboard.js"):
        assert script in after.text
        served = page.get(script)
        assert served.status_code == 200 and "javascript" in served.headers["Content-Type"], script


def test_the_dashboard_is_for_officials_only(stack, desk):
    borrower = make_borrower(stack, desk["clients"]["township"])
    refused = browser_for(stack, borrower.username).get("/dashboard")
    assert refused.status_code == 403 and refused.headers["Content-Type"] == HTML
    assert "无权访问" in refused.text and "dashboard-data" not in refused.text
    anonymous = Browser(stack.base_url).get("/dashboard")
    assert anonymous.status_code == 303 and anonymous.headers["Location"].startswith("/login?next=/dashboard")


def shown(browser, path: str, text: str):
    """The page once the consultation service has the facts (events take a moment to arrive)."""
    def ready():
        response = browser.get(path)
        return response if response.status_code == 200 and text in response.text else None
    return eventually(ready, timeout=30)


def test_the_owner_follows_the_timeline_by_kind_and_another_county_finds_nothing(stack, desk):
    firm = make_borrower(stack, desk["clients"]["township"], enterprise=True)
    path = f"/enterprises/{firm.enterprise_id}/timeline"
    owner = browser_for(stack, firm.username)
    page = shown(owner, path, "经营主体登记")
    assert page.headers["Content-Type"] == HTML
    assert 'class="tag tag-registry"' in page.text and ">登记</span>" in page.text
    assert f'href="{path}?kind=finance"' in page.text  # the filter is plain links, no script needed
    money = owner.get(f"{path}?kind=finance")
    assert money.status_code == 200 and "经营主体登记" not in money.text
    assert re.search(r'class="btn secondary current" href="[^"]+\?kind=finance" aria-current="page"', money.text)
    assert "经营主体登记" in owner.get(f"{path}?kind=registry").text
    assert "经营主体登记" in owner.get(f"{path}?kind=nonsense").text  # an unknown kind shows everything

    county = browser_for(stack, desk["names"]["county"]).get(path)
    assert county.status_code == 200 and "经营主体登记" in county.text
    elsewhere = browser_for(stack, desk["names"]["other_county"]).get(path)
    assert elsewhere.status_code == 404 and elsewhere.headers["Content-Type"] == HTML
    assert "未找到" in elsewhere.text and "经营主体登记" not in elsewhere.text
