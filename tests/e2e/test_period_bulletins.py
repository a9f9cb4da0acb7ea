"""Bulletins for any period through the API and on a page, checked figure by figure by hand.

The story is set in another city of the list (its first other one, 成都): nobody else registers
there, so its county's figures for this year are ours alone.
"""

import io

import openpyxl
import pytest
import sqlalchemy as sa

from shared import regions
from tests.borrowers import make_borrower
from tests.e2e.test_difficulties_api import act, report
from tests.e2e.test_pages import Browser
from tests.places import listed, short
from tests.support.waiting import eventually

PERIOD_ACCESS_CASES = {
    ("GET", "/api/v1/bulletins"): "test_a_county_bulletin_counts_what_happened_there_this_year",
    ("GET", "/api/v1/bulletins.xlsx"): "test_a_county_bulletin_counts_what_happened_there_this_year",
}


def facts_of(stack, event_type: str, prefix: str) -> int:
    engine = sa.create_engine(stack.databases["consultation"].replace("postgresql://", "postgresql+psycopg2://"),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT count(*) FROM facts WHERE event_type = :t AND region_code LIKE :p"),
                                     {"t": event_type, "p": f"{prefix}%"})
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def story(stack, places):
    county = listed("county", places.other_city)[0]
    township = listed("township", county)[0]
    village = (listed("village", township) or [township])[0]
    people = {level: stack.client(stack.create_user("official", region_code=region, level=level))
              for level, region in (("township", township), ("county", county), ("city", places.other_city))}
    first = make_borrower(stack, people["township"], region=village, enterprise=True)
    make_borrower(stack, people["township"], region=village, enterprise=True)
    make_borrower(stack, people["township"], region=village, verify=False)  # not verified: not yet a returnee
    record = report(first)
    assert act(people["township"], record, "escalate", reason="需县级协调").status_code == 200
    assert act(people["county"], record, "escalate", reason="需市级协调").status_code == 200
    prefix = county[:6]
    for event_type, count in (("entrepreneur_verified", 2), ("enterprise_verified", 2),
                              ("difficulty_escalated", 2), ("entrepreneur_registered", 3)):
        eventually(lambda t=event_type, c=count: facts_of(stack, t, prefix) >= c, timeout=30,
                   message=f"consultation kept the {event_type} facts")
    return {"county": county, "township": township, "people": people}


def test_a_county_bulletin_counts_what_happened_there_this_year(stack, places, story):
    county_official, city_official = story["people"]["county"], story["people"]["city"]
    b = county_official.get("/api/v1/bulletins").json()  # their county, this year to date
    assert (b["region_code"], b["level"]) == (short(story["county"]), "county"), b
    assert b["period"]["from"].endswith("-01-01") and b["period"]["name"].startswith(b["period"]["from"][:4])
    # two returnees verified (the third is not yet), both returning migrant workers
    assert b["returnees"] == {"verified": 2, "by_category": [
        {"category": "returnee_migrant_worker", "name": "返乡农民工", "count": 2}]}
    assert b["enterprises"] == {"verified": 2, "investment_fen": 2 * 35_000_000, "jobs": 2 * 20}
    assert b["difficulties"] == {"raised": 1, "reached_county": 1, "reached_city": 1, "resolved": 0,
                                 "carried_over": 1}
    # every township of the county is listed, those without activity with zeros
    rows = {row["region_code"]: row for row in b["by_area"]}
    assert len(rows) == len(listed("township", story["county"]))
    ours = rows[short(story["township"])]
    assert (ours["returnees"], ours["enterprises"], ours["raised"], ours["carried_over"]) == (2, 2, 1, 1)
    assert sum(row["returnees"] for row in rows.values()) == 2
    assert b["office"] == f"{regions.name_of(story['county'])}返乡创业工作领导小组办公室"
    assert "发：各乡镇（街道）返乡创业工作领导小组办公室" in b["distribution"]
    # the city's bulletin holds the county's figures in its row, every other county with zeros
    city = city_official.get("/api/v1/bulletins").json()
    by_county = {row["region_code"]: row for row in city["by_area"]}
    assert by_county[story["county"][:6]]["returnees"] == 2 and city["returnees"]["verified"] == 2
    assert set(by_county) == {code[:6] for code, _ in regions.children_of(places.other_city)}
    # a half-year, named as printed; a period across two years is refused with its rule
    year = b["period"]["from"][:4]
    half = county_official.get("/api/v1/bulletins", params={"from": f"{year}-01", "to": f"{year}-06"}).json()
    assert half["period"]["name"] == f"{year}年上半年"
    across = county_official.get("/api/v1/bulletins", params={"from": f"{int(year) - 1}-12", "to": f"{year}-01"})
    assert (across.status_code, across.json()["error"]["code"], across.json()["error"]["field"]) == (
        422, "period_across_years", "to"), across.text
    malformed = county_official.get("/api/v1/bulletins", params={"from": "2026-13"})
    assert (malformed.status_code, malformed.json()["error"]["field"]) == (422, "from"), malformed.text
    # nobody reads a region above or beside their own; the province reads every city
    neijiang_city = stack.client(stack.create_user("official", region_code=places.city, level="city"))
    outside = neijiang_city.get("/api/v1/bulletins", params={"region": story["county"]})
    assert (outside.status_code, outside.json()["error"]["code"]) == (403, "region_outside_jurisdiction")
    assert county_official.get("/api/v1/bulletins", params={"region": places.other_city}).status_code == 403
    province = stack.client(stack.create_user("official", region_code=places.province, level="province"))
    whole = province.get("/api/v1/bulletins").json()
    assert whole["level"] == "province" and whole["returnees"]["verified"] >= 2
    entrepreneur = stack.client(stack.create_user("entrepreneur"))
    assert entrepreneur.get("/api/v1/bulletins").json()["error"]["code"] == "official_required"
    # the spreadsheet carries the same figures
    sheet = county_official.get("/api/v1/bulletins.xlsx")
    assert sheet.status_code == 200 and sheet.headers["Content-Type"].startswith("application/vnd.openxml")
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    summary = {row[0].value: row[1].value for row in book["通报摘要"].iter_rows(min_row=6) if row[0].value}
    assert summary["返乡创业人员（已核实，人）"] == 2 and summary["上报至市级（件）"] == 1
    areas = book["分乡镇（街道）统计"]
    assert areas.cell(areas.max_row, 1).value == "合计" and areas.cell(areas.max_row, 2).value == 2


def test_the_bulletin_page_prints_the_period_chosen(stack, story):
    browser = Browser(stack.base_url)
    browser.login(stack.create_user("official", region_code=story["county"], level="county"))
    page = browser.get("/bulletins")
    assert page.status_code == 200, page.text
    html = page.text
    name = regions.name_of(story["county"])
    assert f"{name}" in html and "返乡创业工作情况通报" in html and "今年以来" in html
    assert "返乡创业人员（已核实，人）" in html and "合计" in html and "data-print" in html
    assert 'href="/bulletins.xlsx?' in html
    refused = browser.get("/bulletins?from=2025-12&to=2026-01")
    assert refused.status_code == 422 and "起止月份须在同一年" in refused.text
