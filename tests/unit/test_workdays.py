"""Working-day arithmetic across real Chinese holidays and make-up working days."""

import datetime as dt

import pytest

from services.escalation.domain.workdays import WorkCalendar

D = dt.date
CAL = WorkCalendar()


@pytest.mark.parametrize("day, working", [
    (D(2025, 9, 28), True),    # Sunday, a make-up working day before National Day
    (D(2025, 10, 1), False), (D(2025, 10, 8), False),  # the National Day and Mid-Autumn week
    (D(2025, 10, 11), True),   # Saturday, made up after it
    (D(2026, 2, 14), True),    # Saturday, made up before Spring Festival
    (D(2026, 2, 17), False),   # Spring Festival
    (D(2026, 2, 28), True),    # Saturday, made up after it
    (D(2026, 11, 21), False),  # an ordinary Saturday
])
def test_holidays_and_make_up_days_are_known(day, working):
    assert CAL.is_workday(day) is working


def test_two_working_days_after_the_eve_of_national_day_fall_after_the_holiday_week():
    # Tuesday 30 September 2025: the holiday runs 1-8 October, so the 2nd working day is 10 October
    assert CAL.add(D(2025, 9, 30), 2) == D(2025, 10, 10)


def test_ten_working_days_across_spring_festival_count_the_make_up_saturdays():
    # from Friday 13 February 2026: Sat 14 (made up) is the 1st; 15-23 February are off; 24-27 are
    # the 2nd to 5th; Sat 28 (made up) the 6th; 2-5 March the 7th to 10th
    assert CAL.add(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert CAL.add(D(2026, 2, 13), 10) == D(2026, 3, 5)


def test_the_working_days_between_two_dates_skip_the_holiday_week():
    # Sun 28 Sep (made up), 29, 30 Sep, then 9 and 10 Oct; Sat 27 Sep is an ordinary weekend
    assert CAL.between(D(2025, 9, 26), D(2025, 10, 10)) == 5
    assert CAL.between(D(2025, 10, 10), D(2025, 10, 10)) == 0


def test_a_year_without_a_published_schedule_falls_back_to_weekdays_with_a_warning():
    assert CAL.add(D(2026, 12, 30), 3) == D(2027, 1, 4)  # 1 January counted: nobody has entered it
    (warning,) = CAL.warnings([D(2026, 12, 30), D(2027, 1, 4)])
    assert "2027年的法定节假日安排尚未录入" in warning


def test_an_administrator_extends_the_calendar_with_the_new_years_schedule():
    extended = WorkCalendar(entries={D(2027, 1, 1): False}, published_years=frozenset({2027}))
    assert extended.add(D(2026, 12, 30), 3) == D(2027, 1, 5)
    assert extended.warnings([D(2027, 1, 4)]) == []
