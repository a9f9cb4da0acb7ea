"""The bulletin, the agenda, the dashboard and the timeline from facts: plain functions, exact figures."""

import datetime as dt

from services.consultation.domain.convening import Fact, agenda, difficulty_states
from services.consultation.domain.reports import (
    bulletin,
    dashboard,
    in_scope,
    rate,
    recent_quarters,
    short_code,
    timeline,
)
from shared.clock import SHANGHAI

CITY, DONGXING, WEIYUAN = "511000", "511011", "511024"


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=SHANGHAI)


def person(month, day, region="511011101201", pid="p1"):
    return Fact("entrepreneur_registered", at(month, day), {"entrepreneur_id": pid, "name": "张三",
                                                             "region_code": region})


def firm(month, day, region="511011101201", eid="e1", investment=35_000_000, headcount=12):
    return Fact("enterprise_registered", at(month, day), {
        "enterprise_id": eid, "owner_entrepreneur_id": "p1", "name": "柑橘合作社", "region_code": region,
        "investment_fen": investment, "headcount": headcount})


def difficulty(kind, month, day, did="d1", eid="e1", region="511011101201", level="township", **extra):
    return Fact(f"difficulty_{kind}", at(month, day), {
        "difficulty_id": did, "reference": f"KN2025-{did}", "enterprise_id": eid, "region_code": region,
        "category": "labour", "level": level, **extra})


def money(event_type, month, day, region="511011101201", **payload):
    return Fact(event_type, at(month, day), {"region_code": region, **payload})


FACTS = [
    person(3, 30), person(4, 1), person(4, 2, region="511024100201", pid="p2"), person(7, 1),
    firm(4, 3), firm(4, 4, region="511024100201", eid="e2", investment=100_000_000, headcount=30),
    money("loan_disbursed", 4, 10, principal_fen=10_000_000, bank_code="NJRCB"),
    money("loan_disbursed", 3, 31, principal_fen=99_000_000, bank_code="NJRCB"),
    money("subsidy_paid", 5, 10, kind="startup", amount_fen=1_000_000),
    money("subsidy_paid", 5, 11, region="511024100201", kind="skill", amount_fen=100_000),
    money("interest_subsidy_paid", 6, 1, subsidy_fen=12_345, quarter="2025Q1"),
    difficulty("reported", 4, 5), difficulty("reported", 4, 6, did="d2", eid="e2", region="511024100201"),
    difficulty("closed", 6, 30, closed_on="2025-06-30"),
]
ITEMS = [
    {"difficulty_id": "d1", "region_code": "511011101201", "status": "closed", "closed_on": dt.date(2025, 6, 30),
     "lead_department": "市人社局", "lead_department_code": "511000-hrss", "quarter": "2025Q2"},
    {"difficulty_id": "d2", "region_code": "511024100201", "status": "open", "closed_on": None,
     "lead_department": "市经信局", "lead_department_code": "511000-econ", "quarter": "2025Q2"},
    {"difficulty_id": "d3", "region_code": "511024100201", "status": "closed", "closed_on": dt.date(2025, 8, 1),
     "lead_department": "市人社局", "lead_department_code": "511000-hrss", "quarter": "2025Q2"},
]


def test_the_citys_bulletin_counts_only_the_quarters_facts():
    b = bulletin(FACTS, "2025Q2", CITY, in_scope(CITY), ITEMS, None, dt.date(2025, 7, 15), True)
    assert b["scope"] == {"region_code": CITY, "region_name": b["scope"]["region_name"]}
    assert b["entrepreneurs"] == {"new": 2}  # 30 March is Q1, 1 July is Q3
    assert b["enterprises"] == {"new": 2, "investment_fen": 135_000_000, "jobs": 42}
    assert b["loans"] == {"count": 1, "amount_fen": 10_000_000}
    assert b["subsidies"]["amount_fen"] == 1_100_000 and [k["kind"] for k in b["subsidies"]["by_kind"]] == [
        "skill", "startup"]
    assert b["interest_subsidies"] == {"count": 1, "amount_fen": 12_345}
    assert b["difficulties"] == {"raised": 2, "resolved": 1, "on_agenda": 3, "carried_over": 2}
    # d3 closed after the closing day (as_of) still counts as open
    assert b["resolutions"]["by_department"] == [
        {"department": "市人社局", "department_code": "511000-hrss", "total": 2, "closed": 1, "rate": "50.0"},
        {"department": "市经信局", "department_code": "511000-econ", "total": 1, "closed": 0, "rate": "0.0"}]
    assert [(c["region_code"], c["entrepreneurs"], c["raised"]) for c in b["by_county"]] == [
        (DONGXING, 1, 1), (WEIYUAN, 1, 1)]
    assert b["status"] == "final" and b["issued_on"] == "2025-07-15"


def test_a_countys_bulletin_holds_only_the_county():
    b = bulletin(FACTS, "2025Q2", WEIYUAN, in_scope(WEIYUAN), ITEMS, None, dt.date(2025, 9, 1), False)
    assert [c["region_code"] for c in b["by_county"]] == [WEIYUAN]
    assert b["enterprises"]["investment_fen"] == 100_000_000
    assert b["resolutions"] == {"total": 2, "closed": 1, "rate": "50.0", "by_department": [
        {"department": "市人社局", "department_code": "511000-hrss", "total": 1, "closed": 1,
         "rate": "100.0"},
        {"department": "市经信局", "department_code": "511000-econ", "total": 1, "closed": 0, "rate": "0.0"}]}
    assert b["status"] == "draft" and b["issued_on"] is None


def test_rates_round_half_up_and_are_absent_without_resolutions():
    assert (rate(1, 3), rate(2, 3), rate(1, 8), rate(0, 0)) == ("33.3", "66.7", "12.5", None)


def test_codes_are_shown_as_people_write_them():
    assert (short_code("511000000000"), short_code("511025"), short_code("511025100000")) == (
        "511000", "511025", "511025100")
    assert in_scope(CITY)("511025100201") and not in_scope(DONGXING)("511024100201")
    assert not in_scope(CITY)("")


def test_the_agenda_is_one_item_per_open_difficulty_of_convened_enterprises():
    states = difficulty_states(FACTS + [difficulty("reported", 5, 1, did="d4", eid="e1")])
    items = agenda(states, ["e1", "e2"])
    assert [i["difficulty_id"] for i in items] == ["d4", "d2"]  # d1 is closed
    assert agenda(states, ["e2"])[0]["reported_on"] == dt.date(2025, 4, 6)


def test_the_dashboard_counts_per_quarter_in_the_region():
    view = dashboard(FACTS, in_scope(CITY), CITY, ITEMS, dt.date(2025, 6, 30))
    assert view["quarters"] == recent_quarters(dt.date(2025, 6, 30)) == [
        "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    loans = {row["quarter"]: (row["count"], row["amount_fen"]) for row in view["loans"]}
    assert loans["2025Q1"] == (1, 99_000_000) and loans["2025Q2"] == (1, 10_000_000)
    assert view["difficulties"] == [{"category": "labour", "category_name": "用工", "level": "township",
                                     "level_name": "乡镇", "count": 1}]
    rates = {row["quarter"]: row for row in view["resolution_rate"]}
    assert (rates["2025Q2"]["total"], rates["2025Q2"]["closed"]) == (3, 2)


def test_the_timeline_puts_every_service_in_one_order_with_chinese_titles():
    steps = timeline([FACTS[4], FACTS[11], FACTS[0]], [{"at": at(4, 4).isoformat(), "kind": "consultation",
                                                       "event_type": "roster_entry", "title": "列入", "detail": ""}])
    assert [s["event_type"] for s in steps] == ["entrepreneur_registered", "enterprise_registered",
                                                "roster_entry", "difficulty_reported"]
    assert steps[1]["title"] == "经营主体登记" and "350,000.00元" in steps[1]["detail"]
    assert steps[3]["kind"] == "escalation" and steps[0]["kind"] == "registry"
