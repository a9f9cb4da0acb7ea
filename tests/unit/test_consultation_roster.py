"""Who is convened to the quarter's consultation, and the facts that put them there."""

import datetime as dt

from services.consultation.domain.convening import Fact, quarter_bounds, roster

CUTOFF = dt.date(2026, 12, 31)


def at(day: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, tzinfo=dt.timezone.utc)


def firm(enterprise_id: str, owner: str = "p1") -> Fact:
    return Fact("enterprise_registered", at(1, 1), {"enterprise_id": enterprise_id, "owner_entrepreneur_id": owner,
                                                     "name": enterprise_id, "region_code": "511011101201"})


def difficulty(kind: str, day: int, level: str = "township", **extra) -> Fact:
    return Fact(f"difficulty_{kind}", at(day), {"difficulty_id": "d1", "reference": "KN2026-000001",
                                               "enterprise_id": "e1", "level": level, "category": "labour",
                                               "region_code": "511011101201", **extra})


def loan(kind: str, day: int, enterprise_id=None, **extra) -> Fact:
    return Fact(kind, at(day), {"loan_id": "l1", "entrepreneur_id": "p2", "enterprise_id": enterprise_id, **extra})


def test_a_difficulty_at_city_level_or_past_its_limit_is_convened_until_closed():
    escalated = [firm("e1"), difficulty("assigned", 2, resolve_due="2027-01-20"),
                 difficulty("escalated", 20, level="city")]
    assert roster(escalated, CUTOFF)["e1"].reasons == ["困难问题KN2026-000001已上报至市级"]
    assert roster(escalated, CUTOFF)["e1"].evidence == [{"kind": "difficulty", "event_type": "difficulty_escalated",
                                                          "event_id": "", "occurred_on": "2026-11-20"}]
    late = [firm("e1"), difficulty("assigned", 2, resolve_due="2026-11-16")]
    assert roster(late, CUTOFF)["e1"].reasons == ["困难问题KN2026-000001超过办理时限（2026-11-16）"]
    answered = [*late, difficulty("resolved", 10)]
    assert roster(answered, CUTOFF) == {}
    closed = [*escalated, difficulty("closed", 25, level="city", closed_on="2026-11-25")]
    assert roster(closed, CUTOFF) == {}


def test_an_overdue_or_defaulted_loan_convenes_the_borrowers_enterprise_until_it_is_repaid():
    facts = [firm("e2", owner="p2"), loan("loan_overdue", 10, days_overdue=15)]
    assert roster(facts, CUTOFF)["e2"].reasons == ["创业担保贷款逾期15天"]
    assert roster([*facts, loan("loan_back_to_repaying", 12)], CUTOFF) == {}
    defaulted = [firm("e3", owner="p3"), loan("loan_compensated", 10, enterprise_id="e3")]
    assert roster(defaulted, CUTOFF)["e3"].reasons == ["创业担保贷款违约，担保基金已代偿"]


def test_a_fall_in_headcount_since_last_quarter_convenes_the_enterprise():
    report = {"enterprise_id": "e4", "quarter": "2026Q4", "headcount": 15, "previous_headcount": 20, "revision": 1}
    assert roster([Fact("enterprise_headcount_reported", at(5), report)], CUTOFF)["e4"].reasons == [
        "用工人数由20人降至15人（2026Q4）"]
    grown = {**report, "headcount": 25}
    assert roster([Fact("enterprise_headcount_reported", at(5), grown)], CUTOFF) == {}


def test_facts_after_the_cutoff_do_not_count():
    late = [firm("e1"), difficulty("assigned", 2, resolve_due="2026-11-16")]
    assert roster(late, dt.date(2026, 11, 1)) == {}


def test_quarters_have_their_bounds():
    assert quarter_bounds("2026Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def test_the_timer_opens_a_quarter_on_its_last_day_or_within_ten_days_after():
    from services.consultation.service import due_quarter

    assert due_quarter(dt.date(2025, 6, 30)) == "2025Q2"
    assert due_quarter(dt.date(2025, 6, 29)) is None
    assert due_quarter(dt.date(2025, 7, 1)) == "2025Q2"
    assert due_quarter(dt.date(2025, 7, 10)) == "2025Q2"
    assert due_quarter(dt.date(2025, 7, 11)) is None
    assert due_quarter(dt.date(2026, 1, 3)) == "2025Q4"


def test_reasons_expire_a_compensation_after_its_window_and_a_headcount_report_after_two_quarters():
    compensated = [firm("e3", owner="p3"), loan("loan_compensated", 10, enterprise_id="e3")]  # 2026-11-10
    assert "e3" in roster(compensated, dt.date(2027, 2, 7))  # 89 days after: still in its window
    assert roster(compensated, dt.date(2027, 3, 31)) == {}  # the next quarter but one: long ago
    # a late loan stays a reason for as long as it is late, however long ago it went late
    assert "e2" in roster([firm("e2", owner="p2"), loan("loan_defaulted", 10)], dt.date(2027, 12, 31))
    report = {"enterprise_id": "e4", "quarter": "2026Q3", "headcount": 15, "previous_headcount": 20, "revision": 1}
    drop = [Fact("enterprise_headcount_reported", at(5, 10), report)]
    assert roster(drop, CUTOFF)["e4"].reasons == ["用工人数由20人降至15人（2026Q3）"]  # last quarter's report
    assert roster(drop, dt.date(2027, 3, 31)) == {}  # two quarters on, that drop is old news


def test_every_rule_states_its_window():
    from services.consultation.domain.convening import RULES

    assert [rule["kind"] for rule in RULES] == ["difficulty_city", "difficulty_late", "loan_late",
                                                "loan_compensated", "headcount_drop"]
    assert all(rule["title"] and rule["window"] for rule in RULES)


def test_limits_counted_again_with_a_new_calendar_are_the_ones_the_rule_reads():
    late = [firm("e1"), difficulty("assigned", 2, resolve_due="2026-12-30")]
    assert "e1" in roster(late, CUTOFF)
    moved = [*late, difficulty("deadlines_changed", 20, resolve_due="2027-01-04")]
    assert roster(moved, CUTOFF) == {}  # the holiday schedule gave it more working days
    still = [*late, difficulty("deadlines_changed", 20, resolve_due="2026-12-31")]
    assert roster(still, dt.date(2027, 1, 2))["e1"].evidence[0]["event_type"] == "difficulty_deadlines_changed"
