"""A whole quarter of the difficulty consultation through the HTTP API, on a controllable clock.

Everything happens in a quiet county of tests/places (资中县), where no other module writes, in a
second quarter of the year that the quarter book hands out (2025Q2), so every figure of the
county's bulletin is known by hand. Q1: D borrows. Q2: A, B, C, E, F register with their
enterprises; B borrows; C is paid a skill subsidy; A and F report difficulties that go up to the
city, E one that the township settles. On the quarter's last day B's loan is overdue and D's
defaulted; the quarter opens; the meeting assigns resolutions to A's and F's items; A's difficulty
is closed, F's is not and carries over into the next quarter.
"""

import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest

from shared import regions
from tests.borrowers import (
    certify,
    finance_knows,
    founded_in,
    key,
    loan_request,
    make_borrower,
    skill_claim,
)
from tests.e2e.test_difficulties_api import LIAISONS, act
from tests.e2e.test_quarters_api import consultation_has
from tests.quarters import Quarter, programme_day
from tests.support.waiting import eventually

INVESTMENT_FEN, HEADCOUNT = 35_000_000, 12  # the factory's enterprise: 350,000.00 yuan, 12 people
LOAN_B_FEN = 10_000_000
SKILL_JUNIOR_FEN = 100_000
CONSULTATION_ACCESS_CASES = {
    ("GET", "/api/v1/quarters/<string:quarter>/agenda"): "test_access_by_role_and_region",
    ("PUT", "/api/v1/quarters/<string:quarter>/meeting"): "test_access_by_role_and_region",
    ("GET", "/api/v1/quarters/<string:quarter>/meeting"): "test_access_by_role_and_region",
    ("POST", "/api/v1/quarters/<string:quarter>/resolutions"): "test_access_by_role_and_region",
    ("GET", "/api/v1/quarters/<string:quarter>/resolutions"): "test_access_by_role_and_region",
    ("POST", "/api/v1/resolutions/<string:resolution_id>/progress"): "test_access_by_role_and_region",
    ("POST", "/api/v1/resolutions/overdue-sweep"): "test_access_by_role_and_region",
    ("POST", "/api/v1/quarters/<string:quarter>/close"): "test_access_by_role_and_region",
    ("GET", "/api/v1/quarters/<string:quarter>/bulletin"): "test_a_county_bulletin_shows_only_that_county",
    ("GET", "/api/v1/quarters/<string:quarter>/bulletin.xlsx"): "test_a_county_bulletin_shows_only_that_county",
    ("GET", "/api/v1/enterprises/<string:enterprise_id>/timeline"): "test_the_timeline_and_who_may_see_it",
    ("GET", "/api/v1/dashboard"): "test_access_by_role_and_region",
    ("POST", "/api/v1/consultation/rebuild"): "test_a_rebuild_from_a_replay_gives_the_same_roster_and_bulletin",
}


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
def area(places):
    return places.quiet(__name__, village=True)


@pytest.fixture(scope="module")
def q(quarters):
    """The story's quarter (its next one is opened too); D borrows in the one before."""
    return quarters.story(__name__, season=2, span=2)


@pytest.fixture(scope="module")
def path(q):
    return f"/api/v1/quarters/{q}"


@pytest.fixture(scope="module")
def quarter(stack, places, area, q):
    def official(region, level, head=False):
        return stack.client(stack.create_user("official", region_code=region, level=level, unit_head=head))

    p = {"township": official(area.township, "township"), "township_head": official(area.township, "township", True),
         "county": official(area.county, "county"), "city": official(places.city, "city"),
         "county_checker": official(area.county, "county"), "county_payer": official(area.county, "county"),
         "city_head": official(places.city, "city", True), "other_county": official(places.county, "county"),
         "bank": stack.client(stack.create_user("bank_liaison", bank_code="NJRCB"))}
    for account in ("fund:guarantee", "budget:subsidy"):
        ok(p["city"].post("/api/v1/fund/contributions", headers=key(),
                          json={"account": account, "amount_yuan": "10000000"}), 201)

    def firm():
        borrower = make_borrower(stack, p["township"], region=area.village, enterprise=True, headcount=HEADCOUNT,
                                 **founded_in(q.shifted(-3)))
        ok(p["county"].put(f"/api/v1/enterprises/{borrower.enterprise_id}/liaisons", json=LIAISONS))
        return borrower

    def lend(borrower, amount_yuan):
        # the hires of the year it borrows in count: the enterprise reports the quarter it applies in
        applying = Quarter.of(programme_day(stack))
        ok(borrower.client.post(f"/api/v1/enterprises/{borrower.enterprise_id}/headcount", json={
            "quarter": applying.code, "headcount": HEADCOUNT, "poverty_hires": 1, "new_hires": 2}))
        finance_knows(stack, "known_headcount_reports", borrower.enterprise_id, f"quarter = '{applying.code}'",
                      key_column="enterprise_id")
        loan = ok(borrower.client.post("/api/v1/loans", json=loan_request(
            borrower_kind="enterprise", enterprise_id=borrower.enterprise_id, amount_yuan=amount_yuan,
            term_months=12)), 201)
        ok(p["bank"].post(f"/api/v1/loans/{loan['id']}/approve", json={
            "amount_yuan": amount_yuan, "term_months": 12, "spread_bp": 0}))
        assert ok(p["bank"].post(f"/api/v1/loans/{loan['id']}/disburse", headers=key(), json={}))[
            "status"] in ("disbursed", "repaying")
        return loan

    def report(borrower, category):
        return ok(borrower.client.post("/api/v1/difficulties", json={
            "enterprise_id": borrower.enterprise_id, "category": category, "urgency": "normal",
            "description": "县里审批迟迟没有结果，厂房扩建无法开工，影响新招工人上岗"}), 201)

    def to_city(record):
        ok(act(p["township"], record, "escalate", reason="需县级协调"))
        ok(act(p["county"], record, "escalate", reason="涉及市级审批权限，需市级协调"))

    with stack.today(q.previous.day(2, 10)):
        d = firm()
        lend(d, "50000")
    with stack.today(q.day(1, 8)):
        a, b, c, e, f = (firm() for _ in range(5))
        lend(b, "100000")
        troubles = {"a": report(a, "labour"), "e": report(e, "labour"), "f": report(f, "permits")}
        to_city(troubles["a"])
        to_city(troubles["f"])
        ok(act(p["township"], troubles["e"], "resolve", resolution="镇劳务站推荐熟练工二十名"))
        ok(act(e.client, troubles["e"], "accept", note="满意"))
        ok(act(p["township_head"], troubles["e"], "sign-off"))
    electrician = {"name": "电工", "level": "junior", "issued_on": q.previous.day(3, 30).isoformat()}
    certify(stack, p["township"], c.entrepreneur_id, electrician)
    with stack.today(q.day(1, 20)):
        claim = ok(c.client.post("/api/v1/subsidy-claims", json=skill_claim(electrician)), 201)
        assert claim["amount_yuan"] == "1000.00"  # SKILL_JUNIOR_FEN
        ok(p["township"].post(f"/api/v1/subsidy-claims/{claim['id']}/review", json={"decision": "approve"}))
        batch = ok(p["county"].post("/api/v1/subsidy-batches", json={"claim_ids": [claim["id"]]}), 201)
        ok(p["county_checker"].post(f"/api/v1/subsidy-batches/{batch['id']}/approve"))
        assert ok(p["county_payer"].post(f"/api/v1/subsidy-batches/{batch['id']}/pay", headers=key()))[
            "status"] == "paid"
    with stack.today(q.last):
        ok(p["city"].post("/api/v1/loans/overdue-sweep"))
        consultation_has(stack, "subsidy_paid")
        consultation_has(stack, "difficulty_closed")
        for kind in ("loan_overdue", "loan_defaulted"):
            consultation_has(stack, kind)
        eventually(lambda: _late_loans_known(stack, b.enterprise_id, d.enterprise_id), timeout=30)
        opened = ok(p["city"].post("/api/v1/quarters", json={"quarter": q.code}), 201)
    return {"p": p, "a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "troubles": troubles, "opened": opened,
            "stack": stack}


def _late_loans_known(stack, *enterprise_ids):
    import sqlalchemy as sa

    engine = sa.create_engine(stack.databases["consultation"].replace("postgresql://", "postgresql+psycopg2://"),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            found = set(connection.scalars(sa.text(
                "SELECT DISTINCT enterprise_id FROM facts WHERE event_type IN ('loan_overdue', 'loan_defaulted') "
                "AND enterprise_id = ANY(:ids)"), {"ids": list(enterprise_ids)}))
    finally:
        engine.dispose()
    return found == set(enterprise_ids)


def roster(client, code) -> dict:
    return {row["enterprise_id"]: row for row in ok(client.get(f"/api/v1/quarters/{code}/roster"))}


def items_of(agenda) -> dict:
    return {item["reference"]: item for group in agenda["enterprises"] for category in group["categories"]
            for item in category["items"]}


@pytest.fixture(scope="module")
def decided(quarter, area, q, path):
    """The meeting on the next quarter's 2nd day assigns a resolution to A's and F's items; A's
    difficulty is then closed."""
    p, troubles = quarter["p"], quarter["troubles"]
    stack = quarter["stack"]
    with stack.today(q.next.day(1, 3)):
        meeting = ok(p["city"].put(f"{path}/meeting", json={
            "held_on": q.next.day(1, 2).isoformat(), "chair": "市政府分管副市长",
            "departments": ["市人力资源和社会保障局", "市经济和信息化局", "市自然资源和规划局"],
            "minutes": "会议逐户听取了困难企业的诉求，研究确定了各事项的牵头单位、配合单位和完成时限。"}))
        items = items_of(ok(p["city"].get(f"{path}/agenda")))
        a_item, f_item = items[troubles["a"]["reference"]], items[troubles["f"]["reference"]]
        a_res = ok(p["city"].post(f"{path}/resolutions", headers=key(), json={
            "item_id": a_item["id"], "lead_department": "市人力资源和社会保障局", "co_departments": [f"{area.name}人社局"],
            "measure": "组织定向招聘会，一个月内补齐分拣工人", "deadline": q.next.day(2, 1).isoformat()}), 201)
        f_res = ok(p["city"].post(f"{path}/resolutions", headers=key(), json={
            "item_id": f_item["id"], "lead_department": "市经济和信息化局",
            "co_departments": ["市自然资源和规划局", f"{area.name}人民政府"], "measure": "协调办理厂房扩建规划许可",
            "deadline": q.next.day(2, 15).isoformat()}), 201)
    with stack.today(q.next.day(1, 10)):
        ok(p["county"].post(f"/api/v1/resolutions/{f_res['id']}/progress", json={
            "progress": 40, "note": "规划方案已报市自然资源和规划局审查"}))
        record = troubles["a"]
        ok(act(p["city"], record, "resolve", resolution="市人社局组织定向招聘会，已招到分拣工人二十名"))
        ok(act(quarter["a"].client, record, "accept", note="工人已到岗"))
        ok(act(p["city_head"], record, "sign-off"))
    eventually(lambda: ok(p["city"].get(f"{path}/resolutions"))["items"] and all(
        r["closed"] for r in ok(p["city"].get(f"{path}/resolutions"))["items"] if r["id"] == a_res["id"]), timeout=30)
    return {"meeting": meeting, "a_res": a_res, "f_res": f_res, "a_item": a_item, "f_item": f_item}


@pytest.fixture(scope="module")
def closed(quarter, decided, q, path):
    with quarter["stack"].today(q.next.day(1, 15)):
        closing = ok(quarter["p"]["city"].post(f"{path}/close"))
    return closing


def test_the_roster_holds_exactly_the_enterprises_the_rules_name(quarter, q):
    rows = roster(quarter["p"]["county"], q)
    expected = {quarter[k].enterprise_id: k for k in ("a", "b", "d", "f")}
    assert set(rows) == set(expected)
    reasons = {expected[eid]: row["reasons"] for eid, row in rows.items()}
    assert reasons["a"] == [f"困难问题{quarter['troubles']['a']['reference']}已上报至市级"]
    assert reasons["f"] == [f"困难问题{quarter['troubles']['f']['reference']}已上报至市级"]
    first_due = q.day(2, 8)  # B borrowed on the quarter's 8th day, for 12 months: a month later
    assert reasons["b"] == [f"创业担保贷款逾期{(q.last - first_due).days}天"]
    assert len(reasons["d"]) == 1 and reasons["d"][0].startswith("创业担保贷款违约")
    evidence = {expected[eid]: row["evidence"] for eid, row in rows.items()}  # the facts behind each reason
    assert [(e["kind"], e["event_type"], e["occurred_on"], e["title"]) for e in evidence["b"]] == [
        ("loan", "loan_overdue", q.last.isoformat(), "贷款逾期")]
    assert [(e["event_type"], e["occurred_on"]) for e in evidence["a"]] == [
        ("difficulty_escalated", q.day(1, 8).isoformat())]
    assert all(len(e["event_id"]) == 36 for rows_ in evidence.values() for e in rows_)


def test_the_agenda_holds_one_item_per_open_difficulty_grouped_by_enterprise_and_category(quarter, path):
    agenda = ok(quarter["p"]["county"].get(f"{path}/agenda"))
    by_firm = {group["enterprise_id"]: group for group in agenda["enterprises"]}
    with_difficulties = {firm for firm, group in by_firm.items()
                         if any(item["difficulty_id"] for c in group["categories"] for item in c["items"])}
    assert with_difficulties == {quarter["a"].enterprise_id, quarter["f"].enterprise_id}
    assert [c["category_name"] for c in by_firm[quarter["f"].enterprise_id]["categories"]] == ["审批"]
    # the enterprises convened only for a late loan or fewer staff have an item each too, for a resolution
    others = [item for firm, group in by_firm.items() if firm not in with_difficulties
              for c in group["categories"] for item in c["items"]]
    assert others and {item["kind"] for item in others} <= {"loan", "headcount"}
    assert agenda["items"] == 2 + len(others)


def test_the_meeting_assigns_resolutions_and_escalation_attaches_them(quarter, decided, q, path):
    assert decided["meeting"]["departments"][0] == "内江市人力资源和社会保障局"  # as the department list names it
    assert decided["meeting"]["department_codes"] == ["511000-hrss", "511000-econ", "511000-land"]
    assert (decided["f_res"]["lead_department_code"], decided["f_res"]["co_department_codes"][0]) == (
        "511000-econ", "511000-land")
    f_difficulty = quarter["troubles"]["f"]["id"]

    def attached():
        record = ok(quarter["p"]["city"].get(f"/api/v1/difficulties/{f_difficulty}"))
        return [step for step in record["timeline"] if step["action"] == "decision"]

    steps = eventually(attached, timeout=30)
    assert "牵头单位：内江市经济和信息化局" in steps[0]["note"] and q.next.day(2, 15).isoformat() in steps[0]["note"]
    again = quarter["p"]["city"].post(f"{path}/resolutions", headers=key(), json={
        "item_id": decided["f_item"]["id"], "lead_department": "市发展和改革委员会", "measure": "再议一次",
        "deadline": q.next.day(3, 1).isoformat()})
    assert again.json()["error"]["code"] in ("resolution_exists", "quarter_closed")
    resolutions = {r["id"]: r for r in ok(quarter["p"]["county"].get(f"{path}/resolutions"))["items"]}
    assert resolutions[decided["f_res"]["id"]]["progress"] == 40
    assert resolutions[decided["f_res"]["id"]]["notes"][0]["note"] == "规划方案已报市自然资源和规划局审查"
    assert resolutions[decided["a_res"]["id"]]["closed"] is True


def test_the_bulletin_equals_the_figures_computed_by_hand(quarter, decided, closed, area, path):
    assert closed["status"] == "closed"
    bulletin = ok(quarter["p"]["county"].get(f"{path}/bulletin"))
    assert bulletin["status"] == "final" and bulletin["scope"]["region_code"] == area.county
    assert bulletin["issue_no"] >= 1  # the quarters consulted so far number the bulletins (第 N 期)
    assert bulletin["entrepreneurs"] == {"new": 5}  # A, B, C, E, F (D registered in Q1)
    assert bulletin["enterprises"] == {"new": 5, "investment_fen": 5 * INVESTMENT_FEN, "jobs": 5 * HEADCOUNT}
    assert bulletin["loans"] == {"count": 1, "amount_fen": LOAN_B_FEN}  # D's loan was paid out in Q1
    assert (bulletin["subsidies"]["count"], bulletin["subsidies"]["amount_fen"]) == (1, SKILL_JUNIOR_FEN)
    assert bulletin["subsidies"]["by_kind"] == [{"kind": "skill", "name": "技能提升补贴", "count": 1,
                                                 "amount_fen": SKILL_JUNIOR_FEN}]
    # raised A, E, F; E closed in Q2 (A only in July); A's and F's items on the agenda, F's carried over
    assert bulletin["difficulties"] == {"raised": 3, "resolved": 1, "on_agenda": 2, "carried_over": 1}
    assert bulletin["resolutions"] == {"total": 2, "closed": 1, "rate": "50.0", "by_department": [
        {"department": "内江市人力资源和社会保障局", "department_code": "511000-hrss", "total": 1, "closed": 1,
         "rate": "100.0"},
        {"department": "内江市经济和信息化局", "department_code": "511000-econ", "total": 1, "closed": 0, "rate": "0.0"}]}
    assert [row["region_code"] for row in bulletin["by_county"]] == [area.county]
    assert bulletin["by_county"][0] | {} == {
        "region_code": area.county, "region_name": area.name, "entrepreneurs": 5, "enterprises": 5,
        "investment_fen": 5 * INVESTMENT_FEN, "jobs": 5 * HEADCOUNT, "loans_count": 1, "loans_fen": LOAN_B_FEN,
        "subsidies_fen": SKILL_JUNIOR_FEN, "raised": 3, "resolved": 1, "resolutions": 2, "closed": 1, "rate": "50.0"}
    assert bulletin["meeting"]["chair"] == "市政府分管副市长"
    city = ok(quarter["p"]["city"].get(f"{path}/bulletin"))
    assert next(row for row in city["by_county"] if row["region_code"] == area.county) == bulletin["by_county"][0]


def test_a_county_bulletin_shows_only_that_county(quarter, closed, places, area, path):
    other = ok(quarter["p"]["other_county"].get(f"{path}/bulletin"))
    assert area.county not in {row["region_code"] for row in other["by_county"]}
    assert other["scope"]["region_code"] == places.county
    download = quarter["p"]["county"].get(f"{path}/bulletin.xlsx")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    sheets = openpyxl.load_workbook(io.BytesIO(download.content))
    counties = [row[0] for row in sheets.worksheets[1].iter_rows(min_row=2, values_only=True) if row[0]]
    assert area.name in counties and regions.name_of(places.county) not in counties
    for who in ("township",):
        assert quarter["p"][who].get(f"{path}/bulletin").status_code == 200
    entrepreneur = quarter["a"].client
    assert entrepreneur.get(f"{path}/bulletin").json()["error"]["code"] == "official_required"
    assert entrepreneur.get(f"{path}/bulletin.xlsx").status_code == 403


def test_open_items_carry_over_and_late_resolutions_are_flagged_once(quarter, decided, closed, places, q, path):
    p, stack, after = quarter["p"], quarter["stack"], q.next
    with stack.today(after.day(2, 20)):
        first = ok(p["city"].post("/api/v1/resolutions/overdue-sweep"))
        second = ok(p["city"].post("/api/v1/resolutions/overdue-sweep"))
    assert first.get("flagged", 0) >= 1 and second.get("flagged", 0) == 0
    late = {r["id"]: r for r in ok(p["city"].get(f"{path}/resolutions"))["items"]}
    assert late[decided["f_res"]["id"]]["overdue"] is True
    assert late[decided["a_res"]["id"]]["overdue"] is False
    consultation_has(stack, "resolution_overdue")
    with stack.today(after.last):
        opened = ok(p["city"].post("/api/v1/quarters", json={"quarter": after.code}), 201)
    assert opened["quarter"] == after.code
    items = items_of(ok(p["county"].get(f"/api/v1/quarters/{after}/agenda")))
    carried = items[quarter["troubles"]["f"]["reference"]]
    assert carried["carried_over_from"] == q.code and carried["status"] == "open"
    assert quarter["troubles"]["a"]["reference"] not in items
    assert quarter["f"].enterprise_id in roster(p["county"], after)
    # two officials assign the carried item at the same moment: one resolution, one clear refusal
    with stack.today(after.last):
        ok(p["city"].put(f"/api/v1/quarters/{after}/meeting", json={
            "held_on": (after.last - dt.timedelta(days=1)).isoformat(), "chair": "市政府分管副市长",
            "departments": ["市经济和信息化局"], "minutes": "继续研究上季度结转事项，明确新的完成时限。"}))
        other_city = stack.client(stack.create_user("official", region_code=places.city, level="city"))
        body = {"item_id": carried["id"], "lead_department": "市经济和信息化局", "measure": "限期办结厂房扩建规划许可",
                "deadline": after.next.day(1, 31).isoformat()}
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda who: who.post(f"/api/v1/quarters/{after}/resolutions", headers=key(),
                                                         json=body), (p["city"], other_city)))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert [a.json()["error"]["code"] for a in answers if a.status_code == 409] == ["resolution_exists"]


def test_the_timeline_and_who_may_see_it(quarter, decided):
    path = f"/api/v1/enterprises/{quarter['f'].enterprise_id}/timeline"
    steps = ok(quarter["f"].client.get(path))["events"]
    kinds = [step["event_type"] for step in steps]
    assert kinds[0] == "entrepreneur_registered"
    for expected in ("enterprise_registered", "difficulty_reported", "difficulty_escalated", "roster_entry",
                     "resolution_assigned", "resolution_progressed"):
        assert expected in kinds, expected
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    assert quarter["p"]["county"].get(path).status_code == 200
    for who in (quarter["a"].client, quarter["p"]["other_county"], quarter["p"]["bank"]):
        assert who.get(path).json()["error"]["code"] == "enterprise_not_found"


def test_access_by_role_and_region(quarter, decided, area, q, path):
    p = quarter["p"]
    entrepreneur = quarter["a"].client
    for read in (f"{path}/agenda", f"{path}/meeting", f"{path}/resolutions", "/api/v1/dashboard"):
        assert entrepreneur.get(read).json()["error"]["code"] == "official_required", read
        assert p["bank"].get(read).status_code == 403, read
    ours = {quarter[who].enterprise_id for who in "abcdef"}  # the home county's are other modules' too
    assert not ours & {e["enterprise_id"] for e in ok(p["other_county"].get(f"{path}/agenda"))["enterprises"]}
    assert not ours & {r["enterprise_id"] for r in ok(p["other_county"].get(f"{path}/resolutions"))["items"]}
    assert ok(p["county"].get(f"{path}/meeting"))["chair"] == "市政府分管副市长"
    assert p["county"].put(f"{path}/meeting", json={
        "held_on": q.next.day(1, 2).isoformat(), "chair": "某某", "departments": ["市财政局"], "minutes": "县级不能登记市级会议的纪要内容"}
    ).json()["error"]["code"] == "city_level_required"
    assert p["county"].post(f"{path}/resolutions", json={
        "item_id": decided["f_item"]["id"], "lead_department": "市财政局", "measure": "县级不能交办市级事项",
        "deadline": "2030-01-01"}).json()["error"]["code"] == "city_level_required"
    progress = f"/api/v1/resolutions/{decided['f_res']['id']}/progress"
    assert p["other_county"].post(progress, json={"progress": 50, "note": "他县"}).json()["error"]["code"] == (
        "resolution_not_found")
    assert p["township"].post(progress, json={"progress": 50, "note": "镇级"}).json()["error"]["code"] == (
        "county_level_required")
    assert p["county"].post(progress, json={"progress": 101, "note": "超过"}).status_code == 422
    assert p["county"].post("/api/v1/resolutions/overdue-sweep").json()["error"]["code"] == "city_level_required"
    assert p["county"].post(f"{path}/close").json()["error"]["code"] == "city_level_required"
    dashboard = ok(p["county"].get("/api/v1/dashboard"))
    assert dashboard["region_code"] == area.county
    assert all(row["count"] >= 0 for row in dashboard["loans"])


def test_a_rebuild_from_a_replay_gives_the_same_roster_and_bulletin(quarter, closed, q, path):
    p = quarter["p"]
    before = (roster(p["county"], q), ok(p["county"].get(f"{path}/bulletin")), ok(p["city"].get(f"{path}/bulletin")))
    assert p["county"].post("/api/v1/consultation/rebuild").json()["error"]["code"] == "city_level_required"
    report = ok(p["city"].post("/api/v1/consultation/rebuild"))
    assert report["facts"] > 0 and set(report["by_producer"]) >= {"registry", "finance", "escalation"}
    assert report["rosters"][q.code] == {"same": True, "missing": [], "extra": []}
    # the next quarter holds F by the rules and also carried over: the carry-over note is not a rule's reason
    assert report["rosters"][q.next.code] == {"same": True, "missing": [], "extra": []}
    after = (roster(p["county"], q), ok(p["county"].get(f"{path}/bulletin")), ok(p["city"].get(f"{path}/bulletin")))
    assert after == before
